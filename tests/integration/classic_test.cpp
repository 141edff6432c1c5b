// The classic `filehttpd PORT DIR` contract, checked byte for byte against the real binary.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

class Classic : public ServerTest {
 protected:
  void start(std::vector<std::string> extra = {}, std::vector<std::string> prefix = {}) {
    extra.push_back(std::to_string(port_));
    extra.push_back(root_);
    start_with(extra, prefix);
  }
  std::string get(const std::string& name) { return raw_request(port_, "GET " + name + " HTTP/1.1\r\n\r\n"); }
};

}  // namespace

TEST_F(Classic, ServesFileWithExactBytes) {
  put("hello.txt", "hello, world\n");
  start();
  EXPECT_EQ(get("hello.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello, world\n");
  EXPECT_EQ(get("/hello.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello, world\n");
}

TEST_F(Classic, HeadersAfterRequestLineAreAccepted) {
  put("a.txt", "A");
  start();
  EXPECT_EQ(raw_request(port_, "GET a.txt HTTP/1.1\r\nHost: x\r\nX-Any: thing\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
}

TEST_F(Classic, MissingFileIs404) {
  start();
  EXPECT_EQ(get("nope.txt"), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

TEST_F(Classic, EmptyFile) {
  put("empty", "");
  start();
  EXPECT_EQ(get("empty"), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST_F(Classic, EightMiBBinaryFile) {
  std::string data(8 * 1024 * 1024, '\0');
  std::mt19937 rng(42);
  for (auto& c : data) c = static_cast<char>(rng());
  put("big.bin", data);
  start();
  std::string resp = get("big.bin");
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n";
  ASSERT_EQ(resp.size(), head.size() + data.size());
  EXPECT_EQ(resp.substr(0, head.size()), head);
  EXPECT_TRUE(resp.compare(head.size(), data.size(), data) == 0);
}

TEST_F(Classic, NestedPath) {
  put("a/b/c/deep.txt", "deep");
  start();
  EXPECT_EQ(get("a/b/c/deep.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndeep");
}

TEST_F(Classic, CurlFetchesFile) {
  put("index.html", "<h1>hi</h1>\n");
  start();
  RunResult r = curl({"-i", "http://127.0.0.1:" + std::to_string(port_) + "/index.html"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n<h1>hi</h1>\n");
}

TEST_F(Classic, CgiOutputIsPassedAsIs) {
  put("cgi.sh",
      "#!/bin/sh\nprintf 'X-Own: header\\r\\nContent-Type: text/plain\\r\\n\\r\\nbody %s\\n' \"$QUERY_STRING\"\n",
      0755);
  start();
  EXPECT_EQ(get("cgi.sh?q=1"), "HTTP/1.1 200 OK\r\nX-Own: header\r\nContent-Type: text/plain\r\n\r\nbody q=1\n");
}

TEST_F(Classic, CgiChildHasCleanSignalsFdsAndOwnGroup) {
  std::string probe = read_file(PROBE_CGI_BIN);
  ASSERT_FALSE(probe.empty());
  put("probe", probe, 0755);
  start();
  std::string resp = get("probe");
  EXPECT_NE(resp.find("SigBlk:\t0000000000000000\n"), std::string::npos) << resp;
  EXPECT_NE(resp.find("SigIgn:\t0000000000000000\n"), std::string::npos) << resp;
  EXPECT_NE(resp.find("pgid_is_pid: 1\n"), std::string::npos) << resp;
  EXPECT_NE(resp.find("fds: 0 1 2\n"), std::string::npos) << resp;
}

TEST_F(Classic, IgnoredSignalsFromTheLauncherAreUndone) {
  std::string probe = read_file(PROBE_CGI_BIN);
  put("probe", probe, 0755);
  // The launcher ignores TERM, HUP, INT and PIPE; SIG_IGN survives exec.
  start({}, {"sh", "-c", "trap '' TERM HUP INT PIPE; exec \"$0\" \"$@\""});
  std::string resp = get("probe");
  EXPECT_NE(resp.find("SigIgn:\t0000000000000000\n"), std::string::npos) << resp;
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(2s), 0);
}

TEST_F(Classic, ExecFailureGives500) {
  put("garbage.cgi", "this is not a program\n", 0755);
  put("badinterp.cgi", "#!/nonexistent/interpreter\n", 0755);
  start();
  EXPECT_EQ(get("garbage.cgi"), "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(get("badinterp.cgi"), "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
  // The server goes on serving.
  put("ok.txt", "ok");
  EXPECT_EQ(get("ok.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
}

TEST_F(Classic, BadInputGetsStatusAndServerGoesOn) {
  put("ok.txt", "ok");
  start();
  EXPECT_EQ(raw_request(port_, "POST ok.txt HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(raw_request(port_, "BREW ok.txt HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(raw_request(port_, "\x01\x02garbage\r\n\r\n"), "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(raw_request(port_, "GET ok.txt HTTP/1.1\r\nBad Header\r\n\r\n"),
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(raw_request(port_, "GET /%zz HTTP/1.1\r\n\r\n"), "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(get("ok.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
}

TEST_F(Classic, TraversalNeverReachesSecretBesideRoot) {
  put("inside.txt", "inside");
  std::filesystem::create_symlink("../secret.txt", root_ + "/link-out");
  std::filesystem::create_symlink(base_.path() + "/secret.txt", root_ + "/abs-link-out");
  std::filesystem::create_symlink(base_.path(), root_ + "/dir-link-out");
  start();
  const char* attempts[] = {
      "../secret.txt",      "/../secret.txt",   "/a/../../secret.txt",     "%2e%2e/secret.txt",
      "/%2E%2E/secret.txt", "/.%2e/secret.txt", "/..%2fsecret.txt",        "/%252e%252e/secret.txt",
      "link-out",           "abs-link-out",     "dir-link-out/secret.txt", "/inside.txt/../../secret.txt",
  };
  for (const char* a : attempts) {
    std::string resp = get(a);
    EXPECT_EQ(resp.find("TOP-SECRET"), std::string::npos) << a;
    bool refused = resp.rfind("HTTP/1.1 404 ", 0) == 0 || resp.rfind("HTTP/1.1 403 ", 0) == 0 ||
                   resp.rfind("HTTP/1.1 400 ", 0) == 0;
    EXPECT_TRUE(refused) << a << " -> " << resp;
  }
  EXPECT_EQ(get("inside.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ninside");
}

TEST_F(Classic, UnreadableFileIs403WhenNotRoot) {
  std::string user = unprivileged_user();
  if (user.empty()) {
    GTEST_SKIP() << "no unprivileged user (nobody/daemon) exists to run the server as";
  }
  passwd* pw = getpwnam(user.c_str());
  put("private.txt", "private", 0600);  // owned by the test user
  put("public.txt", "public", 0644);
  if (getuid() != 0) {
    GTEST_SKIP() << "the 403 test needs root to start the server as '" << user << "' with setpriv";
  }
  start({}, {"setpriv", "--reuid=" + std::to_string(pw->pw_uid), "--regid=" + std::to_string(pw->pw_gid),
             "--clear-groups"});
  EXPECT_EQ(get("private.txt"), "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(get("public.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npublic");
}

TEST_F(Classic, SigtermWhenIdleExitsZeroQuickly) {
  start();
  auto t0 = std::chrono::steady_clock::now();
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(1s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST_F(Classic, SigintWhenIdleExitsZeroQuickly) {
  start();
  server_->signal(SIGINT);
  EXPECT_EQ(server_->wait_exit(1s), 0);
}

TEST_F(Classic, ListenersCloseOnStop) {
  start();
  pid_t pid = server_->pid();
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(2s), 0);
  EXPECT_FALSE(process_alive(pid));
  EXPECT_EQ(connect_to(port_), -1);
}

TEST_F(Classic, SigtermDuringSlowCgiFinishesResponse) {
  put("slow.sh", "#!/bin/sh\nsleep 1\nprintf 'Content-Type: text/plain\\r\\n\\r\\ndone\\n'\n", 0755);
  start();
  int fd = connect_to(port_);
  ASSERT_GE(fd, 0);
  std::string req = "GET slow.sh HTTP/1.1\r\n\r\n";
  ASSERT_EQ(send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  sleep_for(200ms);
  server_->signal(SIGTERM);
  std::string resp = read_all(fd, 5s);
  close(fd);
  EXPECT_EQ(resp, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\ndone\n");
  EXPECT_EQ(server_->wait_exit(3s), 0);
}

TEST_F(Classic, SigtermKillsCgiThatNeverEnds) {
  std::string pidfile = base_.path() + "/cgi.pid";
  put("forever.sh",
      "#!/bin/sh\necho $$ > " + pidfile +
          "\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nwhile :; do sleep 1; done\n",
      0755);
  start({"--shutdown-timeout", "500ms"});
  int fd = connect_to(port_);
  std::string req = "GET forever.sh HTTP/1.1\r\n\r\n";
  send(fd, req.data(), req.size(), 0);
  std::string expect = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
  EXPECT_EQ(read_n(fd, expect.size(), 3s), expect);  // the script wrote its pid first
  pid_t cgi = std::stoi(read_file(pidfile));
  ASSERT_TRUE(process_alive(cgi));
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(5s), 0);
  close(fd);
  EXPECT_FALSE(process_alive(cgi)) << "the CGI outlived the server";
  EXPECT_TRUE(pids_with_cmdline(pidfile).empty());
}

TEST_F(Classic, HalfSentRequestDoesNotDelayOthers) {
  put("a.txt", "A");
  put("slow.sh", "#!/bin/sh\nsleep 2\nprintf 'Content-Type: text/plain\\r\\n\\r\\nslow\\n'\n", 0755);
  start();
  int stalled = connect_to(port_);
  send(stalled, "GET a.t", 7, 0);
  int slow = connect_to(port_);
  send(slow, "GET slow.sh HTTP/1.1\r\n\r\n", 24, 0);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(get("a.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  // The stalled one still completes when the rest arrives.
  send(stalled, "xt HTTP/1.1\r\n\r\n", 15, 0);
  EXPECT_EQ(read_all(stalled, 3s), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
  close(stalled);
  close(slow);
}

TEST_F(Classic, ManyCgisLeaveNoZombies) {
  put("quick.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nq\\n'\n", 0755);
  start();
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    clients.emplace_back([&] {
      if (get("quick.sh") == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nq\n") ++ok;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 20);
  sleep_for(300ms);
  for (pid_t p : descendants_of(server_->pid())) {
    EXPECT_NE(process_state(p), 'Z') << "zombie pid " << p;
  }
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(2s), 0);
}

TEST_F(Classic, WorkerFdsDoNotLeak) {
  put("a.txt", "A");
  put("quick.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nq\\n'\n", 0755);
  start();
  get("a.txt");
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  int before = fd_count(workers[0]);
  for (int i = 0; i < 30; ++i) {
    get("a.txt");
    get("quick.sh");
    get("missing");
  }
  sleep_for(300ms);
  EXPECT_EQ(fd_count(workers[0]), before);
}

TEST(ClassicCli, UsageErrorsExit2) {
  RunResult r = run({FILEHTTPD_BIN});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage: filehttpd PORT DIR"), std::string::npos) << r.err;
  EXPECT_EQ(run({FILEHTTPD_BIN, "8080"}).exit_code, 2);
  EXPECT_EQ(run({FILEHTTPD_BIN, "notaport", "/tmp"}).exit_code, 2);
  EXPECT_EQ(run({FILEHTTPD_BIN, "70000", "/tmp"}).exit_code, 2);
  EXPECT_EQ(run({FILEHTTPD_BIN, "1", "2", "3"}).exit_code, 2);
}

TEST(ClassicCli, PortInUseNamesAddressAndExits1) {
  TempDir d;
  int port = free_port();
  Server first({std::to_string(port), d.path()});
  ASSERT_TRUE(first.wait_ready(port));
  RunResult r = run({FILEHTTPD_BIN, std::to_string(port), d.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot bind 127.0.0.1:" + std::to_string(port) + ": Address already in use"), std::string::npos)
      << r.err;
}

TEST(ClassicCli, BadDirectoryExits1) {
  TempDir d;
  std::string file = d.write("plain", "x");
  RunResult missing = run({FILEHTTPD_BIN, std::to_string(free_port()), d.path() + "/missing"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find(d.path() + "/missing"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
  RunResult notdir = run({FILEHTTPD_BIN, std::to_string(free_port()), file});
  EXPECT_EQ(notdir.exit_code, 1);
  EXPECT_NE(notdir.err.find("Not a directory"), std::string::npos) << notdir.err;
}

TEST_F(Classic, SlowReaderDoesNotDelayOthers) {
  put("big.bin", std::string(8 * 1024 * 1024, 'b'));
  put("small.txt", "s");
  start();
  int slow = connect_to(port_, 4096);
  send(slow, "GET big.bin HTTP/1.1\r\n\r\n", 24, 0);
  sleep_for(100ms);  // the server is now blocked on this client's full socket
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(get("small.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ns");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  std::string all = read_all(slow, 10s);  // and the slow one still gets every byte
  close(slow);
  EXPECT_EQ(all.size(), std::string("HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n").size() + 8388608);
}

TEST_F(Classic, ExtraBytesAfterRequestDoNotCutTheResponse) {
  put("big.bin", std::string(2 * 1024 * 1024, 'e'));
  start();
  // Trailing bytes after the request: the server answers, then closes without a reset.
  std::string resp = raw_request(port_, "GET big.bin HTTP/1.1\r\n\r\nGET big.bin HTTP/1.1\r\n\r\n", 5s);
  EXPECT_EQ(resp.size(), std::string("HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n").size() + 2097152);
}

TEST_F(Classic, GarbageNeverCrashesOrLeaks) {
  put("a.txt", "A");
  start();
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  get("a.txt");
  int fds_before = fd_count(workers[0]);
  std::mt19937 rng(1234);
  const char* seeds[] = {"GET ",
                         "GET a.txt HTTP/1.1\r\n",
                         "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
                         "GET /%",
                         "\r\n\r\n",
                         "GET a.txt HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"};
  for (int i = 0; i < 300; ++i) {
    std::string junk = seeds[i % 6];
    std::size_t n = rng() % 200;
    for (std::size_t k = 0; k < n; ++k) junk.push_back(static_cast<char>(rng()));
    if (i % 3 == 0) junk += "\r\n\r\n";
    std::string resp = raw_request(port_, junk, 300ms, /*shutdown_write=*/true);
    if (!resp.empty()) {
      EXPECT_EQ(resp.rfind("HTTP/1.1 ", 0), 0u) << i;
    }
  }
  EXPECT_TRUE(server_->alive());
  EXPECT_EQ(get("a.txt"), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
  EXPECT_TRUE(wait_until([&] { return fd_count(workers[0]) == fds_before; }, 3s));
}

TEST(DemoSite, ServesWwwIndexAndCgiExample) {
  std::string www = std::string(SOURCE_DIR) + "/www";
  int port = free_port();
  Server classic({std::to_string(port), www});
  ASSERT_TRUE(classic.wait_ready(port)) << classic.stderr_text();
  std::string index = read_file(www + "/index.html");
  ASSERT_FALSE(index.empty());
  RunResult r = curl({"http://127.0.0.1:" + std::to_string(port) + "/index.html"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, index);
  std::string cgi = raw_request(port, "GET cgi-bin/hello.sh?name=you HTTP/1.1\r\n\r\n");
  EXPECT_EQ(
      cgi.rfind("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from a CGI script.\n", 0), 0u)
      << cgi;
  EXPECT_NE(cgi.find("QUERY_STRING=name=you\n"), std::string::npos);
}
