// CGI/1.1 in the http profile: environment, bodies, script headers, streaming, timeouts, hygiene.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

const char* k_env_script =
    "#!/bin/sh\n"
    "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
    "env\n";

std::map<std::string, std::string> parse_env(const std::string& body) {
  std::map<std::string, std::string> env;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

// Decodes a chunked body; returns "<bad>" on malformed framing.
std::string dechunk(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos) return "<bad>";
    std::size_t n = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    pos = eol + 2;
    if (n == 0) return body.substr(pos) == "\r\n" ? out : "<bad>";
    out += body.substr(pos, n);
    pos += n + 2;
  }
}

class Cgi : public HttpServerTest {
 protected:
  std::vector<pid_t> worker_children() {
    std::vector<pid_t> out;
    for (pid_t w : children_of(server_->pid()))
      for (pid_t c : children_of(w)) out.push_back(c);
    return out;
  }
  // Starts the server with cgi.max_concurrent 1 and a script (slow.sh) that
  // holds the one slot for a second. Returns the connection that asked for
  // it, which will read "slow".
  int fill_the_only_cgi_slot() {
    put("slow.sh", "#!/bin/sh\nsleep 1\nprintf 'Content-Type: text/plain\\r\\n\\r\\nslow'\n", 0755);
    start({"--cgi-max-concurrent", "1"});
    int fd = connect_to(port_);
    std::string r = "GET /slow.sh HTTP/1.0\r\n\r\n";
    send(fd, r.data(), r.size(), 0);
    sleep_for(200ms);
    return fd;
  }
};

}  // namespace

TEST_F(Cgi, EnvironmentIsExact) {
  put("cgi/env.sh", k_env_script, 0755);
  start({}, {"env", "LEAKY_SERVER_VAR=1", "TZ=Europe/Paris"});
  std::string r =
      req("POST /cgi/env.sh/users/7?a=1&b=two HTTP/1.1\r\nHost: example.test:8080\r\n"
          "Content-Type: text/x-test\r\nContent-Length: 3\r\nX-Custom-Thing: v1\r\n"
          "Accept: a\r\nAccept: b\r\nProxy: http://evil:1\r\nX_Spoof: nope\r\n"
          "Authorization: Basic c2VjcmV0\r\nConnection: close\r\n\r\nabc");
  ASSERT_EQ(status_of(r), 200) << r;
  auto env = parse_env(dechunk(body_of(r)));
  EXPECT_EQ(env["GATEWAY_INTERFACE"], "CGI/1.1");
  EXPECT_EQ(env["SERVER_PROTOCOL"], "HTTP/1.1");
  EXPECT_EQ(env["SERVER_SOFTWARE"], "filehttpd/0.1.0");
  EXPECT_EQ(env["SERVER_NAME"], "example.test");
  EXPECT_EQ(env["SERVER_PORT"], std::to_string(port_));
  EXPECT_EQ(env["REQUEST_METHOD"], "POST");
  EXPECT_EQ(env["REQUEST_URI"], "/cgi/env.sh/users/7?a=1&b=two");
  EXPECT_EQ(env["SCRIPT_NAME"], "/cgi/env.sh");
  EXPECT_EQ(env["SCRIPT_FILENAME"], std::filesystem::canonical(root_).string() + "/cgi/env.sh");
  EXPECT_EQ(env["PATH_INFO"], "/users/7");
  EXPECT_EQ(env["PATH_TRANSLATED"], std::filesystem::canonical(root_).string() + "/users/7");
  EXPECT_EQ(env["QUERY_STRING"], "a=1&b=two");
  EXPECT_EQ(env["DOCUMENT_ROOT"], std::filesystem::canonical(root_).string());
  EXPECT_EQ(env["REMOTE_ADDR"], "127.0.0.1");
  EXPECT_FALSE(env["REMOTE_PORT"].empty());
  EXPECT_EQ(env["CONTENT_LENGTH"], "3");
  EXPECT_EQ(env["CONTENT_TYPE"], "text/x-test");
  EXPECT_EQ(env["HTTP_X_CUSTOM_THING"], "v1");
  EXPECT_EQ(env["HTTP_ACCEPT"], "a, b");
  EXPECT_EQ(env["HTTP_HOST"], "example.test:8080");
  EXPECT_EQ(env["PATH"], "/usr/local/bin:/usr/bin:/bin");
  EXPECT_EQ(env["TZ"], "Europe/Paris");
  EXPECT_EQ(env.count("HTTP_PROXY"), 0u);
  EXPECT_EQ(env.count("HTTP_CONNECTION"), 0u);
  EXPECT_EQ(env.count("HTTP_X_SPOOF"), 0u);
  EXPECT_EQ(env.count("HTTP_AUTHORIZATION"), 0u);
  EXPECT_EQ(env.count("HTTP_CONTENT_LENGTH"), 0u);
  EXPECT_EQ(env.count("HTTP_CONTENT_TYPE"), 0u);
  EXPECT_EQ(env.count("LEAKY_SERVER_VAR"), 0u);
  EXPECT_EQ(env["PWD"], std::filesystem::canonical(root_).string() + "/cgi");
  // php-cgi refuses to run without it; it says the server vetted the request.
  EXPECT_EQ(env["REDIRECT_STATUS"], "200");
}

// RFC 9112 section 3.2.2: an absolute-form target's authority wins over Host.
TEST_F(Cgi, AbsoluteFormAuthorityIsServerName) {
  put("env.sh", k_env_script, 0755);
  start();
  std::string r = req("GET http://other.example/env.sh?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(status_of(r), 200) << r;
  auto env = parse_env(dechunk(body_of(r)));
  EXPECT_EQ(env["SERVER_NAME"], "other.example");
  EXPECT_EQ(env["HTTP_HOST"], "other.example");
  EXPECT_EQ(env["QUERY_STRING"], "x=1");
}

// Hop-by-hop request fields never reach the script: the fixed list, Proxy-*,
// and every field the Connection header names.
TEST_F(Cgi, HopByHopFieldsStayOutOfTheEnvironment) {
  put("env.sh", k_env_script, 0755);
  start();
  std::string r =
      req("GET /env.sh HTTP/1.1\r\nHost: a\r\nConnection: close, X-Private\r\nKeep-Alive: timeout=5\r\n"
          "TE: trailers\r\nUpgrade: websocket\r\nProxy-Authorization: Basic eA==\r\nX-Private: secret\r\n"
          "X-Public: shown\r\n\r\n");
  ASSERT_EQ(status_of(r), 200) << r;
  auto env = parse_env(dechunk(body_of(r)));
  for (const char* name : {"HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_TE", "HTTP_UPGRADE", "HTTP_PROXY_AUTHORIZATION",
                           "HTTP_X_PRIVATE", "HTTP_TRANSFER_ENCODING"})
    EXPECT_EQ(env.count(name), 0u) << name;
  EXPECT_EQ(env["HTTP_X_PUBLIC"], "shown");
}

TEST_F(Cgi, QueryStringAlwaysSetAndNoBodyVariablesWithoutBody) {
  put("env.sh", k_env_script, 0755);
  start();
  std::string r = req("GET /env.sh HTTP/1.0\r\n\r\n");
  auto env = parse_env(body_of(r));
  EXPECT_EQ(env.count("QUERY_STRING"), 1u);
  EXPECT_EQ(env["QUERY_STRING"], "");
  EXPECT_EQ(env["SERVER_PROTOCOL"], "HTTP/1.0");
  EXPECT_EQ(env.count("CONTENT_LENGTH"), 0u);
  EXPECT_EQ(env.count("PATH_INFO"), 0u);
}

TEST_F(Cgi, PostBodies) {
  put("echo.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"len=$CONTENT_LENGTH\"\ncat\n", 0755);
  start();
  std::string r =
      req("POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world");
  EXPECT_EQ(dechunk(body_of(r)), "len=11\nhello world");
  std::string c =
      req("POST /echo.sh HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(dechunk(body_of(c)), "len=11\nhello world");
  // A body bigger than the pipe buffer streams through.
  std::string big(1 << 20, 'b');
  RunResult curl_big = curl({"--data-binary", "@" + base_.write("big.txt", big), url_ + "/echo.sh"});
  EXPECT_EQ(curl_big.out, "len=1048576\n" + big);
}

TEST_F(Cgi, ExpectContinue) {
  put("echo.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  start();
  int fd = connect_to(port_);
  std::string head =
      "POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n";
  send(fd, head.data(), head.size(), 0);
  // The 100 arrives before any body byte is sent (the script may answer its head at once too).
  std::string interim = read_n(fd, 25, 2s);
  ASSERT_EQ(interim.substr(0, 25), "HTTP/1.1 100 Continue\r\n\r\n");
  send(fd, "data", 4, 0);
  std::string rest = interim.substr(25) + read_all(fd, 3s);
  close(fd);
  EXPECT_EQ(status_of(rest), 200);
  EXPECT_EQ(dechunk(body_of(rest)), "data");
}

// A body over cgi.max_body is 413 whatever its framing, and no script runs for it.
TEST_F(Cgi, BodyOverLimitIs413BeforeAnyScriptRuns) {
  std::string mark = base_.path() + "/ran";
  put("echo.sh", "#!/bin/sh\ntouch " + mark + "\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  start({"--cgi-max-body", "100"});
  std::string r = req("POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'x'));
  EXPECT_EQ(status_of(r), 413);
  // The chunked body comes in two parts, with time between them for a script to start.
  int cfd = connect_to(port_);
  std::string part1 =
      "POST /echo.sh HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + std::string(100, 'y') + "\r\n";
  send(cfd, part1.data(), part1.size(), 0);
  sleep_for(300ms);
  std::string part2 = "1\r\nz\r\n0\r\n\r\n";
  send(cfd, part2.data(), part2.size(), 0);
  std::string chunked = read_all(cfd, 3s);
  close(cfd);
  EXPECT_EQ(status_of(chunked), 413) << chunked;
  // An announced length over the limit gets 413 at once, never 100 Continue.
  int fd = connect_to(port_);
  std::string head = "POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 500\r\nExpect: 100-continue\r\n\r\n";
  send(fd, head.data(), head.size(), 0);
  std::string answer = read_all(fd, 3s);
  close(fd);
  EXPECT_EQ(status_of(answer), 413) << answer;
  EXPECT_EQ(answer.find("100 Continue"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(mark)) << "a script ran for a refused body";
  // Exactly at the limit, in chunks, is fine.
  std::string at_limit =
      req("POST /echo.sh HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          "32\r\n" +
          std::string(50, 'a') + "\r\n32\r\n" + std::string(50, 'b') + "\r\n0\r\n\r\n");
  EXPECT_EQ(dechunk(body_of(at_limit)), std::string(50, 'a') + std::string(50, 'b'));
}

// RFC 3875 section 4.1.2: CONTENT_LENGTH is set whenever there is a body,
// whatever its framing, and the script reads exactly that many bytes.
TEST_F(Cgi, ChunkedAndLengthBodiesReachTheScriptAlike) {
  put("len.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"len=$CONTENT_LENGTH\"\nmd5sum\n",
      0755);
  std::string body;
  std::uint32_t x = 777;
  for (int i = 0; i < 150000; ++i) {
    x = x * 1103515245u + 12345u;
    body.push_back(static_cast<char>(x >> 24));
  }
  RunResult md5 = run({"sh", "-c", "md5sum < " + base_.write("b.bin", body)});
  RunResult md5_empty = run({"sh", "-c", "md5sum < /dev/null"});
  start();
  std::string by_length =
      req("POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body);
  std::string chunks;
  for (std::size_t off = 0, n = 1; off < body.size(); off += n, n = n * 3 + 7) {
    std::size_t len = std::min(n, body.size() - off);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", len);
    chunks += size + body.substr(off, len) + "\r\n";
  }
  std::string by_chunks =
      req("POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks +
          "0\r\n\r\n");
  std::string expect = "len=150000\n" + md5.out;
  EXPECT_EQ(dechunk(body_of(by_length)), expect);
  EXPECT_EQ(dechunk(body_of(by_chunks)), expect);
  std::string empty_chunked =
      req("POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(dechunk(body_of(empty_chunked)), "len=0\n" + md5_empty.out);
  std::string empty_length = req("POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(dechunk(body_of(empty_length)), "len=0\n" + md5_empty.out);
}

// A body is read whole before its script starts; past the memory threshold
// it waits in an unlinked file in cgi.body_dir, which is gone afterwards.
TEST_F(Cgi, LargeBodyWaitsInAnUnlinkedFileBeforeTheScriptStarts) {
  put("len.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"len=$CONTENT_LENGTH\"\nmd5sum\n",
      0755);
  put("a.txt", "plain");
  std::string spool = base_.mkdir("spool");
  start({"--cgi-body-dir", spool});
  std::string body(300000, 'q');
  RunResult md5 = run({"sh", "-c", "md5sum < " + base_.write("b.bin", body)});
  int fd = connect_to(port_);
  std::string head = "POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 300000\r\n\r\n";
  std::string first = head + body.substr(0, 200000);
  ASSERT_EQ(send(fd, first.data(), first.size(), 0), static_cast<ssize_t>(first.size()));
  pid_t worker = children_of(server_->pid()).at(0);
  auto spool_fds = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(worker) + "/fd")) {
      std::error_code ec;
      auto target = std::filesystem::read_symlink(e.path(), ec).string();
      if (!ec && target.rfind(spool + "/", 0) == 0) ++n;
    }
    return n;
  };
  EXPECT_TRUE(wait_until([&] { return spool_fds() == 1; }, 3s)) << "no spill file in " << spool;
  EXPECT_TRUE(std::filesystem::is_empty(spool)) << "the spill file has a name";
  EXPECT_TRUE(worker_children().empty()) << "the script started before its body was complete";
  // A slow uploader holds its connection, never the worker.
  EXPECT_EQ(body_of(get("/a.txt")), "plain");
  std::string rest = body.substr(200000);
  ASSERT_EQ(send(fd, rest.data(), rest.size(), 0), static_cast<ssize_t>(rest.size()));
  std::string r = read_all(fd, 5s);
  close(fd);
  EXPECT_EQ(dechunk(body_of(r)), "len=300000\n" + md5.out);
  EXPECT_TRUE(wait_until([&] { return spool_fds() == 0; }, 3s)) << "the spill file stayed open";
}

// A full body_dir costs one request a 500, never the server: the next body that fits works.
TEST_F(Cgi, FullBodyDirIs500AndTheServerGoesOn) {
  put("len.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"len=$CONTENT_LENGTH\"\nmd5sum\n",
      0755);
  put("a.txt", "A");
  std::string spool = base_.mkdir("spool");
  std::string big = base_.write("big.bin", std::string(1 << 20, 'b'));
  std::string small = base_.write("small.bin", std::string(100000, 's'));
  std::string errlog = base_.path() + "/err.log";
  RunResult md5 = run({"sh", "-c", "md5sum < " + small});
  std::string url = "http://127.0.0.1:" + std::to_string(port_);
  std::string script = "mount -t tmpfs -o size=256k tmpfs " + spool + "\n" + FILEHTTPD_BIN + " --root " + root_ +
                       " --listen 127.0.0.1:" + std::to_string(port_) + " --cgi-body-dir " + spool + " 2>" + errlog +
                       " &\nSRV=$!\n"
                       "for i in $(seq 100); do curl -s -o /dev/null " +
                       url + "/a.txt && break; sleep 0.05; done\n" +
                       "curl -s -o /dev/null -w '%{http_code}\\n' --data-binary @" + big + " " + url + "/len.sh\n" +
                       "curl -s --data-binary @" + small + " " + url +
                       "/len.sh\n"
                       "kill -TERM $SRV; wait $SRV; echo rc=$?\n";
  RunResult r = run_with_private_mounts(script, 30s);
  if (private_mounts_refused(r)) GTEST_SKIP() << "this machine does not allow a private mount namespace: " << r.err;
  EXPECT_EQ(r.out, "500\nlen=100000\n" + md5.out + "rc=0\n") << r.err;
  std::string log = read_file(errlog);
  EXPECT_NE(log.find("cannot keep the request body in " + spool + ": No space left on device"), std::string::npos)
      << log;
}

TEST_F(Cgi, BodyDirMustBeUsable) {
  RunResult r = run({FILEHTTPD_BIN, "--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--cgi-body-dir",
                     base_.path() + "/missing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cgi.body_dir"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
}

// A body that stops arriving ends its connection after limits.body_timeout.
TEST_F(Cgi, StalledBodyTimesOut) {
  put("len.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  start({"--body-timeout", "500ms"});
  int fd = connect_to(port_);
  std::string head = "POST /len.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc";
  send(fd, head.data(), head.size(), 0);
  auto t0 = std::chrono::steady_clock::now();
  std::string r = read_all(fd, 5s);
  close(fd);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(status_of(r), 408) << r;
  EXPECT_TRUE(worker_children().empty());
}

// 300 uploads of 1 MiB from 6 concurrent clients to a script that reads all
// of its stdin: every response is 200 and every md5 matches (a body byte
// stranded between the socket and the pipe used to end in a 504).
TEST_F(Cgi, ConcurrentUploadsArriveWhole) {
  put("sum.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nmd5sum\n", 0755);
  std::string body;
  body.reserve(1u << 20);
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < (1u << 20); ++i) {
    x = x * 1103515245u + 12345u;
    body.push_back(static_cast<char>(x >> 24));
  }
  std::string file = base_.write("upload.bin", body);
  RunResult expect = run({"sh", "-c", "md5sum < " + file});
  ASSERT_EQ(expect.exit_code, 0);
  start({"--cgi-timeout", "5s"});
  constexpr int k_clients = 6, k_each = 50;
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < k_clients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < k_each; ++i) {
        // Alternate the framings; half the chunked ones also use 100-continue.
        std::string r;
        if ((i + c) % 2 == 0) {
          r = req("POST /sum.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body,
                  20s);
        } else {
          std::string msg = "POST /sum.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n";
          if (i % 4 == 1) msg += "Expect: 100-continue\r\n";
          msg += "\r\n";
          for (std::size_t off = 0; off < body.size(); off += 100000) {
            std::size_t len = std::min<std::size_t>(100000, body.size() - off);
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", len);
            msg += size + body.substr(off, len) + "\r\n";
          }
          msg += "0\r\n\r\n";
          r = req(msg, 20s);
          if (r.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0) r = r.substr(25);
        }
        if (status_of(r) == 200 && dechunk(body_of(r)) == expect.out)
          ++ok;
        else
          ++bad;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), k_clients * k_each);
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(Cgi, ScriptThatIgnoresItsBodyDoesNotHurt) {
  put("noread.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nignored'\n", 0755);
  start();
  std::string big(2 << 20, 'z');
  RunResult r =
      curl({"--data-binary", "@" + base_.write("big.bin", big), url_ + "/noread.sh", "--next", url_ + "/noread.sh"});
  EXPECT_EQ(r.out, "ignoredignored");
  EXPECT_TRUE(server_->alive());
}

TEST_F(Cgi, StatusAndHeadersPassThrough) {
  put("s.sh",
      "#!/bin/sh\nprintf 'Status: 418 I am a teapot\\nContent-Type: text/plain\\nX-Extra: yes\\nConnection: "
      "bogus\\n\\nshort'\n",
      0755);
  start();
  std::string r = get("/s.sh");
  EXPECT_EQ(r.substr(0, r.find("\r\n")), "HTTP/1.1 418 I am a teapot");
  EXPECT_EQ(header(r, "X-Extra"), "yes");
  EXPECT_EQ(header(r, "Connection"), "close");  // the script's hop-by-hop header was dropped
  EXPECT_EQ(dechunk(body_of(r)), "short");
}

TEST_F(Cgi, ScriptContentLengthIsUsed) {
  put("cl.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 5\\r\\n\\r\\nhello'\n", 0755);
  start();
  std::string r = get("/cl.sh");
  EXPECT_EQ(header(r, "Content-Length"), "5");
  EXPECT_EQ(header(r, "Transfer-Encoding"), "");
  EXPECT_EQ(body_of(r), "hello");
}

TEST_F(Cgi, LocalLocationIsAnInternalRedirect) {
  put("target.txt", "the target");
  put("go.sh", "#!/bin/sh\nprintf 'Location: /target.txt\\r\\n\\r\\n'\n", 0755);
  put("hop.sh", "#!/bin/sh\nprintf 'Location: /env.sh?from=hop\\r\\n\\r\\n'\n", 0755);
  put("env.sh", k_env_script, 0755);
  put("loop.sh", "#!/bin/sh\nprintf 'Location: /loop.sh\\r\\n\\r\\n'\n", 0755);
  start();
  std::string r = get("/go.sh");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(body_of(r), "the target");
  EXPECT_EQ(header(r, "Location"), "");
  // A redirect to another script runs it, and a pipelined request after it
  // is answered; a loop ends in 500, not a hang.
  std::string hop = req(
      "GET /hop.sh HTTP/1.1\r\nHost: t\r\n\r\nGET /target.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5s);
  EXPECT_EQ(status_of(hop), 200) << hop;
  EXPECT_NE(hop.find("QUERY_STRING=from=hop"), std::string::npos) << hop;
  EXPECT_NE(hop.find("the target"), std::string::npos) << "the pipelined request was lost: " << hop;
  EXPECT_EQ(status_of(get("/loop.sh")), 500);
}

TEST_F(Cgi, AbsoluteLocationIs302) {
  put("away.sh", "#!/bin/sh\nprintf 'Location: https://example.org/x\\r\\n\\r\\n'\n", 0755);
  start();
  std::string r = get("/away.sh");
  EXPECT_EQ(status_of(r), 302);
  EXPECT_EQ(header(r, "Location"), "https://example.org/x");
}

TEST_F(Cgi, BadScriptOutputIs502) {
  put("noblank.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nno blank line follows'\n", 0755);
  put("garbage.sh", "#!/bin/sh\necho 'this is not a header'\necho\n", 0755);
  put("badstatus.sh", "#!/bin/sh\nprintf 'Status: 30 FooBar\\r\\nContent-Type: text/plain\\r\\n\\r\\nx'\n", 0755);
  put("huge.sh", "#!/bin/sh\nprintf 'X-Big: '\nhead -c 70000 /dev/zero | tr '\\\\0' a\nsleep 5\n", 0755);
  put("silent.sh", "#!/bin/sh\nexit 0\n", 0755);
  start();
  for (const char* s : {"/noblank.sh", "/garbage.sh", "/badstatus.sh", "/huge.sh", "/silent.sh"}) {
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(status_of(get(s)), 502) << s;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << s;
  }
  std::string log = server_->stderr_text();
  EXPECT_NE(log.find("header block over 64 KiB"), std::string::npos) << log;
  EXPECT_NE(log.find("malformed Status header"), std::string::npos) << log;
}

// A script cannot make the client read a second, injected response: header
// names and values with CR, NUL or other control bytes and a Content-Length
// that would wrap are 502; a body shorter or longer than the script's own
// Content-Length ends the connection after exactly the declared bytes.
TEST_F(Cgi, ScriptCannotDesynchroniseTheClient) {
  const std::string injected = "HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nforged";
  put("a.txt", "A");
  put("wrap.sh",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 18446744073709551618\\r\\n\\r\\nxx" + injected +
          "'\n",
      0755);
  put("crname.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nA\\rB: v\\r\\n\\r\\nx'\n", 0755);
  put("crvalue.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nX: a\\rb\\r\\n\\r\\nx'\n", 0755);
  put("nulvalue.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nX: a\\000b\\r\\n\\r\\nx'\n", 0755);
  put("short.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 100\\r\\n\\r\\n0123456789'\n",
      0755);
  put("long.sh",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 5\\r\\n\\r\\nhello" + injected + "'\n", 0755);
  start();
  const std::string second = "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  for (const char* bad : {"/wrap.sh", "/crname.sh", "/crvalue.sh", "/nulvalue.sh"}) {
    std::string r = req(std::string("GET ") + bad + " HTTP/1.1\r\nHost: t\r\n\r\n" + second, 3s);
    EXPECT_EQ(status_of(r), 502) << bad << "\n" << r;
    EXPECT_EQ(r.find("forged"), std::string::npos) << bad;
    EXPECT_EQ(r.find("A\rB"), std::string::npos) << bad;
    EXPECT_EQ(r.find("a\rb"), std::string::npos) << bad;
    // The pipelined request after it is either answered correctly or refused by a close.
    std::size_t next = r.find("HTTP/1.1 ", 1);
    if (next != std::string::npos) {
      EXPECT_EQ(status_of(r.substr(next)), 200) << bad;
      EXPECT_EQ(body_of(r.substr(next)), "A") << bad;
    }
  }
  std::string log = server_->stderr_text();
  EXPECT_NE(log.find("Content-Length out of range"), std::string::npos) << log;
  EXPECT_NE(log.find("not a token"), std::string::npos) << log;
  EXPECT_NE(log.find("control byte"), std::string::npos) << log;

  // Short: exactly the 10 bytes sent, then the connection closes; the
  // pipelined second request is never answered inside the first body.
  auto t0 = std::chrono::steady_clock::now();
  std::string shortr = req("GET /short.sh HTTP/1.1\r\nHost: t\r\n\r\n" + second, 5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "the connection was kept open";
  EXPECT_EQ(status_of(shortr), 200);
  EXPECT_EQ(header(shortr, "Content-Length"), "100");
  EXPECT_EQ(body_of(shortr), "0123456789");
  // Long: the declared 5 bytes, nothing injected, then close.
  t0 = std::chrono::steady_clock::now();
  std::string longr = req("GET /long.sh HTTP/1.1\r\nHost: t\r\n\r\n" + second, 5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "the connection was kept open";
  EXPECT_EQ(status_of(longr), 200);
  EXPECT_EQ(body_of(longr), "hello");
  log = server_->stderr_text();
  EXPECT_NE(log.find("ended after 10 of its 100 Content-Length bytes"), std::string::npos) << log;
  EXPECT_NE(log.find("sent more than its Content-Length of 5"), std::string::npos) << log;
  // The server goes on: a fresh connection gets its answer.
  EXPECT_EQ(body_of(get("/a.txt")), "A");
}

TEST_F(Cgi, MissingContentTypeIsOctetStreamWithWarning) {
  put("nct.sh", "#!/bin/sh\nprintf 'X-Only: 1\\r\\n\\r\\nbody'\n", 0755);
  start();
  std::string r = get("/nct.sh");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(header(r, "Content-Type"), "application/octet-stream");
  EXPECT_NE(server_->stderr_text().find("sent no Content-Type"), std::string::npos);
}

TEST_F(Cgi, TimeoutIs504AndChildIsReaped) {
  std::string pidfile = base_.path() + "/slow.pid";
  put("slow.sh", "#!/bin/sh\necho $$ > " + pidfile + "\nsleep 30\n", 0755);
  start({"--cgi-timeout", "500ms"});
  auto t0 = std::chrono::steady_clock::now();
  std::string r = get("/slow.sh");
  EXPECT_EQ(status_of(r), 504);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  pid_t pid = std::stoi(read_file(pidfile));
  EXPECT_TRUE(wait_until([&] { return process_state(pid) == '?'; }, 3s)) << "state " << process_state(pid);
  EXPECT_TRUE(pids_with_cmdline("sleep 30").empty() || wait_until([&] { return worker_children().empty(); }, 3s));
}

TEST_F(Cgi, ChunkedResponseKeepsConnectionAlive) {
  put("stream.sh",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nfor i in 1 2 3; do echo part$i; sleep 0.05; done\n",
      0755);
  put("plain.txt", "after");
  start();
  int fd = connect_to(port_);
  std::string r1 = "GET /stream.sh HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, r1.data(), r1.size(), 0);
  std::string got;
  auto end = std::chrono::steady_clock::now() + 3s;
  while (got.find("\r\n0\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < end)
    got += read_n(fd, 1, 500ms);
  EXPECT_EQ(header(got, "Transfer-Encoding"), "chunked");
  EXPECT_EQ(dechunk(body_of(got)), "part1\npart2\npart3\n");
  std::string r2 = "GET /plain.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  send(fd, r2.data(), r2.size(), 0);
  std::string second = read_all(fd, 3s);
  close(fd);
  EXPECT_EQ(body_of(second), "after");
}

TEST_F(Cgi, Http10ResponseIsCloseDelimited) {
  put("s.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nten-bytes!'\n", 0755);
  start();
  std::string r = req("GET /s.sh HTTP/1.0\r\n\r\n");
  EXPECT_EQ(header(r, "Transfer-Encoding"), "");
  EXPECT_EQ(header(r, "Connection"), "close");
  EXPECT_EQ(body_of(r), "ten-bytes!");
}

TEST_F(Cgi, NphScriptOutputIsUnchanged) {
  put("nph-raw.sh", "#!/bin/sh\nprintf 'HTTP/1.1 299 Custom\\r\\nX-Raw: 1\\r\\n\\r\\nraw body'\n", 0755);
  start();
  EXPECT_EQ(get("/nph-raw.sh"), "HTTP/1.1 299 Custom\r\nX-Raw: 1\r\n\r\nraw body");
}

TEST_F(Cgi, HeadRunsScriptWithoutBody) {
  std::string mark = base_.path() + "/ran";
  put("h.sh", "#!/bin/sh\ntouch " + mark + "\nprintf 'Content-Type: text/plain\\r\\n\\r\\nbody text'\n", 0755);
  start();
  std::string r = req("HEAD /h.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(header(r, "Content-Type"), "text/plain");
  EXPECT_EQ(body_of(r), "");
  EXPECT_TRUE(std::filesystem::exists(mark));
}

// HEAD gets the framing headers GET would get, and no body, so the
// connection stays usable.
TEST_F(Cgi, HeadHasTheFramingOfGet) {
  put("s.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nsome text'\n", 0755);
  put("l.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 4\\r\\n\\r\\nfour'\n", 0755);
  start();
  for (const char* target : {"/s.sh", "/l.sh"}) {
    std::string g = req(std::string("GET ") + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    int fd = connect_to(port_);
    std::string two = std::string("HEAD ") + target +
                      " HTTP/1.1\r\nHost: t\r\n\r\nGET /s.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    send(fd, two.data(), two.size(), 0);
    std::string both = read_all(fd, 5s);
    close(fd);
    std::string h = both.substr(0, both.find("\r\n\r\n") + 4);
    EXPECT_EQ(status_of(h), 200) << both;
    EXPECT_EQ(header(h, "Transfer-Encoding"), header(g, "Transfer-Encoding")) << target;
    EXPECT_EQ(header(h, "Content-Length"), header(g, "Content-Length")) << target;
    std::string second = both.substr(h.size());
    EXPECT_EQ(status_of(second), 200) << both;
    EXPECT_EQ(dechunk(body_of(second)), "some text") << both;
  }
}

TEST_F(Cgi, ExecFailureIs500) {
  put("broken.cgi", "not a program\n", 0755);
  start();
  EXPECT_EQ(status_of(get("/broken.cgi")), 500);
  EXPECT_TRUE(server_->alive());
}

TEST_F(Cgi, ClientAbortKillsChild) {
  std::string pidfile = base_.path() + "/loop.pid";
  put("loop.sh",
      "#!/bin/sh\necho $$ > " + pidfile +
          "\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nwhile :; do echo tick; sleep 0.1; done\n",
      0755);
  start();
  int fd = connect_to(port_);
  std::string r = "GET /loop.sh HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, r.data(), r.size(), 0);
  std::string seen;
  EXPECT_TRUE(wait_until(
      [&] {
        seen += read_n(fd, 1, 100ms);
        return seen.find("tick") != std::string::npos;
      },
      3s));
  pid_t pid = std::stoi(read_file(pidfile));
  ASSERT_TRUE(process_alive(pid));
  close(fd);
  EXPECT_TRUE(wait_until([&] { return process_state(pid) == '?'; }, 3s)) << "state " << process_state(pid);
}

TEST_F(Cgi, ManyConcurrentCgisLeaveNoZombies) {
  put("q.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nok'\n", 0755);
  start({"--cgi-max-concurrent", "256", "--access-log", "off"});
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 200; ++i) {
    ts.emplace_back([&] {
      if (body_of(req("GET /q.sh HTTP/1.0\r\n\r\n", 10s)) == "ok") ++ok;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_TRUE(wait_until([&] { return worker_children().empty(); }, 3s));
  for (pid_t p : descendants_of(server_->pid())) EXPECT_NE(process_state(p), 'Z');
}

TEST_F(Cgi, OverConcurrencyLimitIs503WithRetryAfter) {
  int fd = fill_the_only_cgi_slot();
  std::string second = get("/slow.sh");
  EXPECT_EQ(status_of(second), 503);
  EXPECT_EQ(header(second, "Retry-After"), "1");
  EXPECT_EQ(body_of(read_all(fd, 3s)), "slow");
  close(fd);
}

// At the limit, a request with a body gets its 503 before the body is read:
// no 100 Continue, no upload of what will not run.
TEST_F(Cgi, OverConcurrencyLimitRefusesABodyBeforeReadingIt) {
  int fd = fill_the_only_cgi_slot();
  int up = connect_to(port_);
  std::string head = "POST /slow.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n";
  send(up, head.data(), head.size(), 0);
  std::string answer = read_n(up, 12, 700ms);
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 503") << answer;
  close(up);
  EXPECT_EQ(body_of(read_all(fd, 3s)), "slow");
  close(fd);
}

TEST_F(Cgi, FloodToNonReadingClientKeepsMemoryBounded) {
  put("yes.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nexec yes\n", 0755);
  start();
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  auto rss = [&] {
    std::string s = read_file("/proc/" + std::to_string(workers[0]) + "/status");
    auto p = s.find("VmRSS:");
    return std::stol(s.substr(p + 6));
  };
  long before = rss();
  int fd = connect_to(port_, 4096);
  std::string r = "GET /yes.sh HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, r.data(), r.size(), 0);
  sleep_for(1500ms);  // the script could write gigabytes meanwhile
  long after = rss();
  EXPECT_LT(after - before, 4 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
  close(fd);
  EXPECT_TRUE(wait_until([&] { return worker_children().empty(); }, 3s));
}

TEST_F(Cgi, GrandchildHoldingStdoutDoesNotHoldResponse) {
  put("bg.sh", "#!/bin/sh\nsleep 100.0017 &\nprintf 'Content-Type: text/plain\\r\\n\\r\\ndone'\n", 0755);
  start({"--cgi-timeout", "1s", "--shutdown-timeout", "500ms"});
  auto t0 = std::chrono::steady_clock::now();
  std::string r = req("GET /bg.sh HTTP/1.0\r\n\r\n");
  EXPECT_EQ(body_of(r), "done");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(4s), 0);
  EXPECT_TRUE(wait_until([&] { return pids_with_cmdline("sleep 100.0017").empty(); }, 2s))
      << "the script's background child outlived the server";
}

TEST_F(Cgi, PathsAndEnabledSettings) {
  put("cgi-bin/run.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nran'\n", 0755);
  put("other/run.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nran'\n", 0755);
  std::string cfg = base_.write("c.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) +
                                              "\"]\n[cgi]\npaths = [\"/cgi-bin\"]\n");
  start_with({"-c", cfg});
  EXPECT_EQ(dechunk(body_of(get("/cgi-bin/run.sh"))), "ran");
  std::string outside = get("/other/run.sh");
  EXPECT_EQ(status_of(outside), 200);
  EXPECT_NE(body_of(outside).find("#!/bin/sh"), std::string::npos);  // a file there, not a program
  server_->signal(SIGTERM);
  server_->wait_exit(3s);
  start({"--no-cgi"});
  EXPECT_NE(body_of(get("/cgi-bin/run.sh")).find("#!/bin/sh"), std::string::npos);
}

TEST_F(Cgi, ResourceLimitsApplyToScripts) {
  put("limits.sh",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"nofile=$(ulimit -n) cpu=$(ulimit -t) "
      "as=$(ulimit -v)\"\n",
      0755);
  put("spin.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nspinning\\n'\nwhile :; do :; done\n", 0755);
  std::string cfg = base_.write("c.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) +
                                              "\"]\n[cgi]\nrlimit_nofile = 64\nrlimit_cpu = 1\nrlimit_as = \"512m\"\n");
  start_with({"-c", cfg});
  EXPECT_EQ(body_of(req("GET /limits.sh HTTP/1.0\r\n\r\n")), "nofile=64 cpu=1 as=524288\n");
  // A script over its CPU limit is killed by the kernel; the response ends.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(body_of(req("GET /spin.sh HTTP/1.0\r\n\r\n", 10s)), "spinning\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}
