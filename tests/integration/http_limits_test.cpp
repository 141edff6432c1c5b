// The http profile's limits and strictness: size limits, timeouts, resets,
// descriptor exhaustion, framing the RFCs reject, the CLI and listen specs.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "harness.hpp"
#include "http_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

using namespace http_support;

TEST_F(Http, LimitsGive414And431And413) {
  put("a.txt", "A");
  start({"--header-bytes", "4096", "--uri-bytes", "1024", "--max-body", "100"});
  EXPECT_EQ(status_of(get("/" + std::string(2000, 'a'))), 414);
  EXPECT_EQ(status_of(get("/a.txt", "Cookie: " + std::string(5000, 'c') + "\r\n")), 431);
  EXPECT_EQ(status_of(get("/a.txt", "Cookie: " + std::string(3000, 'c') + "\r\n")), 200);
  std::string big = req("POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'x'));
  EXPECT_EQ(status_of(big), 413);
  EXPECT_EQ(header(big, "Connection"), "close");
}

TEST_F(Http, DefaultHeaderLimitAllowsBigCookies) {
  put("a.txt", "A");
  start();
  EXPECT_EQ(status_of(get("/a.txt", "Cookie: " + std::string(20000, 'c') + "\r\n")), 200);
  EXPECT_EQ(status_of(get("/a.txt", "Cookie: " + std::string(40000, 'c') + "\r\n")), 431);
}

TEST_F(Http, ParseErrorClosesConnection) {
  put("a.txt", "A");
  start();
  int fd = connect_to(port_);
  std::string bad = "GET /a.txt HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, bad.data(), bad.size(), 0);
  std::string resp = read_all(fd, 3s);
  close(fd);
  EXPECT_EQ(status_of(resp), 400);
  EXPECT_EQ(header(resp, "Connection"), "close");
  EXPECT_EQ(resp.find("HTTP/1.1 200"), std::string::npos);  // nothing after the error
}

TEST_F(Http, HeaderTimeoutClosesSlowClient) {
  put("a.txt", "A");
  start({"--header-timeout", "500ms"});
  int fd = connect_to(port_);
  send(fd, "GET /a.txt HTTP/1.1\r\n", 21, 0);
  auto t0 = std::chrono::steady_clock::now();
  std::string got = read_all(fd, 2s);  // EOF when the server gives up
  auto took = std::chrono::steady_clock::now() - t0;
  close(fd);
  EXPECT_EQ(got, "");
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 1900ms);
  EXPECT_EQ(status_of(get("/a.txt")), 200);
}

TEST_F(Http, KeepAliveTimeoutClosesIdleConnection) {
  put("a.txt", "A");
  start({"--keepalive-timeout", "300ms"});
  int fd = connect_to(port_);
  std::string r = "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, r.data(), r.size(), 0);
  std::string resp = read_all(fd, 2s);  // the response, then EOF after the idle timeout
  close(fd);
  EXPECT_EQ(split(resp).second, "A");
}

TEST_F(Http, ChangedFileIsNotServedStaleBeyondOneSecond) {
  put("v.txt", "version-1");
  start();
  EXPECT_EQ(split(get("/v.txt")).second, "version-1");
  put("v.txt", "version-2");
  sleep_for(1100ms);
  EXPECT_EQ(split(get("/v.txt")).second, "version-2");
  std::filesystem::remove(root_ + "/v.txt");
  sleep_for(1100ms);
  EXPECT_EQ(status_of(get("/v.txt")), 404);
}

TEST_F(Http, ClientResetMidTransferCostsNothing) {
  put("big.bin", std::string(4 * 1024 * 1024, 'z'));
  start();
  for (int i = 0; i < 5; ++i) {
    int fd = connect_to(port_);
    std::string r = "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n";
    send(fd, r.data(), r.size(), 0);
    read_n(fd, 1000, 1s);
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);  // RST
  }
  sleep_for(200ms);
  EXPECT_TRUE(server_->alive());
  EXPECT_EQ(status_of(get("/big.bin", "Range: bytes=0-0\r\n")), 206);
}

TEST_F(Http, FdExhaustionDoesNotSpinAndRecovers) {
  put("a.txt", "A");
  start({}, {"prlimit", "--nofile=24"});
  std::vector<int> fds;
  for (int i = 0; i < 40; ++i) {
    int fd = connect_to(port_);
    if (fd >= 0) fds.push_back(fd);
  }
  sleep_for(300ms);
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  auto cpu = [&] {
    std::ifstream in("/proc/" + std::to_string(workers[0]) + "/stat");
    std::string s((std::istreambuf_iterator<char>(in)), {});
    std::istringstream rest(s.substr(s.rfind(')') + 2));
    std::string f;
    long ut = 0, st = 0;
    for (int i = 3; i <= 15; ++i) {
      rest >> f;
      if (i == 14) ut = std::stol(f);
      if (i == 15) st = std::stol(f);
    }
    return ut + st;
  };
  long before = cpu();
  sleep_for(1000ms);
  long used = cpu() - before;
  EXPECT_LT(used, 30) << "worker used " << used << " ticks in 1 s while out of fds";
  for (int fd : fds) close(fd);
  sleep_for(500ms);
  EXPECT_EQ(split(get("/a.txt")).second, "A");
}

TEST(HttpCli, HelpAndVersion) {
  RunResult h = run({FILEHTTPD_BIN, "--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* flag : {"--root", "--listen", "--profile", "--listing", "--dotfiles", "--header-timeout",
                           "--keepalive-timeout", "--header-bytes", "--uri-bytes", "--max-connections", "--config"}) {
    EXPECT_NE(h.out.find(flag), std::string::npos) << flag;
  }
  RunResult v = run({FILEHTTPD_BIN, "--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, "filehttpd 0.1.0\n");
  EXPECT_EQ(run({FILEHTTPD_BIN, "--bogus"}).exit_code, 2);
  EXPECT_EQ(run({FILEHTTPD_BIN, "--root", "/tmp", "--listen", "nonsense:port"}).exit_code, 1);
}

TEST(HttpListen, SpecsOfEveryKind) {
  TempDir d;
  d.write("a.txt", "A");
  int p1 = free_port(), p2 = free_port(), p3 = free_port();
  std::string sock = d.path() + "/s.sock";
  Server s({"--root", d.path(), "--listen", std::to_string(p1), "--listen", "localhost:" + std::to_string(p2),
            "--listen", "[::1]:" + std::to_string(p3), "--listen", "unix:" + sock});
  ASSERT_TRUE(s.wait_ready(p1)) << s.stderr_text();
  EXPECT_EQ(curl({"http://127.0.0.1:" + std::to_string(p1) + "/a.txt"}).out, "A");
  EXPECT_EQ(curl({"http://127.0.0.1:" + std::to_string(p2) + "/a.txt"}).out, "A");
  RunResult v6 = curl({"-g", "http://[::1]:" + std::to_string(p3) + "/a.txt"});
  if (v6.exit_code == 7) {
    std::cout << "note: no IPv6 loopback on this host; [::1] not checked\n";
  } else {
    EXPECT_EQ(v6.out, "A");
  }
  EXPECT_EQ(curl({"--unix-socket", sock, "http://x/a.txt"}).out, "A");
  s.signal(SIGTERM);
  EXPECT_EQ(s.wait_exit(3s), 0);
}

TEST(HttpListen, ProfileClassicFlag) {
  TempDir d;
  d.write("a.txt", "A");
  int p = free_port();
  Server s({"--profile", "classic", "--root", d.path(), "--listen", "127.0.0.1:" + std::to_string(p)});
  ASSERT_TRUE(s.wait_ready(p)) << s.stderr_text();
  EXPECT_EQ(raw_request(p, "GET a.txt HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
}

TEST_F(Http, SlowReaderGetsIntactMultipart) {
  // Bigger than the socket buffers can hold, so the response is parked on EAGAIN
  // with part heads still to send.
  std::string data;
  data.reserve(16 << 20);
  for (int i = 0; i < (16 << 20); ++i) data += static_cast<char>('A' + (i * 7) % 26);
  put("big.txt", data);
  start();
  std::string multi =
      "GET /big.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
      "Range: bytes=0-5999999,7000000-12999999,15000000-15000099\r\n\r\n";
  std::string fast = raw_request(port_, multi, 10s);
  int slow = connect_to(port_, 4096);
  send(slow, multi.data(), multi.size(), 0);
  sleep_for(200ms);
  // Meanwhile other responses are built in the same worker's buffers.
  EXPECT_EQ(status_of(get("/big.txt", "Range: bytes=5-6,100-200,3000-4000\r\n")), 206);
  EXPECT_EQ(status_of(get("/missing")), 404);
  std::string slow_resp = read_all(slow, 10s);
  close(slow);
  ASSERT_EQ(status_of(slow_resp), 206);
  ASSERT_EQ(slow_resp.size(), fast.size());
  EXPECT_TRUE(slow_resp.substr(slow_resp.find("\r\nContent-Type:")) == fast.substr(fast.find("\r\nContent-Type:")));
  EXPECT_NE(slow_resp.find("Content-Range: bytes 15000000-15000099/16777216\r\n\r\n" + data.substr(15000000, 100)),
            std::string::npos);
}

TEST_F(Http, SendStallTimeoutClosesNonReadingClient) {
  put("big.bin", std::string(8 * 1024 * 1024, 'q'));
  start({"--send-timeout", "500ms"});
  int fd = connect_to(port_);
  std::string r = "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, r.data(), r.size(), 0);
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  sleep_for(200ms);
  int with_client = fd_count(workers[0]);
  // No reading at all: after the send timeout the server lets go of the connection.
  EXPECT_TRUE(wait_until([&] { return fd_count(workers[0]) < with_client; }, 2s));
  close(fd);
  EXPECT_NE(server_->stderr_text().find("no send progress"), std::string::npos);
}

// We never switch protocols: a request with Upgrade is answered as a plain
// request (never 101) and the pipelined request after it is answered too.
TEST_F(Http, UpgradeHeaderIsIgnored) {
  put("a.txt", "A");
  put("b.txt", "B");
  start();
  std::string r =
      req("GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
          "GET /b.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  // A status line, not the digits anywhere: an ETag's inode part may hold "101".
  EXPECT_EQ(r.find("HTTP/1.1 101"), std::string::npos) << r;
  EXPECT_EQ(r.find("\r\nUpgrade:"), std::string::npos) << r;
  std::size_t second = r.find("HTTP/1.1 200 OK", 1);
  ASSERT_NE(second, std::string::npos) << r;
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(body_of(r.substr(0, second)), "A");
  EXPECT_EQ(body_of(r.substr(second)), "B");
}

// An empty field name is 400, and the connection closes.
TEST_F(Http, EmptyHeaderNameIs400) {
  put("a.txt", "A");
  start();
  std::string r = req("GET /a.txt HTTP/1.1\r\nHost: t\r\n: x\r\n\r\n");
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_EQ(header(r, "Connection"), "close");
  EXPECT_EQ(body_of(get("/a.txt")), "A");
}

// A static GET whose chunked body turns out malformed after the 200 was
// sent: one request, one final response; no 400 follows it.
TEST_F(Http, MalformedBodyAfterTheResponseGetsNoSecondResponse) {
  put("a.txt", "A");
  start();
  std::string r = req("GET /a.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbad\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(r.find("HTTP/1.1", 1), std::string::npos) << "a second response:\n" << r;
  EXPECT_EQ(body_of(get("/a.txt")), "A");
}

// Requests two parsers could read differently get 400 and a close, and the
// server goes on serving fresh connections.
TEST_F(Http, AmbiguousHeadsAre400AndClose) {
  put("a.txt", "A");
  start();
  const char* heads[] = {
      "GET /a.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET /a.txt HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n",
      "GET http:///a.txt HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /a.txt HTTP/1.1\r\nHost : a\r\n\r\n",
  };
  for (const char* head : heads) {
    auto t0 = std::chrono::steady_clock::now();
    std::string r = req(std::string(head) + "GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n", 3s);
    EXPECT_EQ(status_of(r), 400) << head;
    EXPECT_EQ(header(r, "Connection"), "close") << head;
    EXPECT_EQ(r.find("HTTP/1.1", 1), std::string::npos) << "the pipelined request was answered: " << head;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << head;
    EXPECT_EQ(body_of(get("/a.txt")), "A");
  }
  std::string ok = req("GET http://elsewhere/a.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(ok), 200) << "the absolute form's authority stands in for Host";
  EXPECT_EQ(body_of(ok), "A");
  std::string no_host = req("GET http://elsewhere/a.txt HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(no_host), 400) << "an HTTP/1.1 request needs Host, whatever its target's form";
}

// RFC 9112 framing that the packaged llhttp lets through: each gets its
// status and a close, a pipelined request after it is never answered, and a
// fresh connection is served.
TEST_F(Http, StrictFramingTable) {
  put("a.txt", "0123456789");
  put("cgi.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  start();
  struct Row {
    std::string head;
    int status;
  } rows[] = {
      {"GET /a.txt HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400},
      {"GET /a.txt HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", 400},
      {"GET /a.txt HTTP/1.1\r\nHost: a\r\nX-Abc: \rxTransfer-Encoding: chunked\r\n\r\n", 400},
      {std::string("GET /a.txt HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 40), 400},
      {"POST /cgi.sh HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501},
      {"POST /cgi.sh HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"POST /cgi.sh HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400},
      {"CONNECT a.txt:443 HTTP/1.1\r\nHost: a.txt:443\r\n\r\n", 501},
      {"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 501},
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
  };
  for (const Row& row : rows) {
    std::string r = req(row.head + "GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n", 3s);
    EXPECT_EQ(status_of(r), row.status) << row.head << "\n" << r;
    EXPECT_EQ(header(r, "Connection"), "close") << row.head;
    EXPECT_EQ(r.find("HTTP/1.1", 1), std::string::npos) << "answered after a rejection: " << row.head;
    EXPECT_EQ(body_of(get("/a.txt")), "0123456789") << row.head;
  }
  // A malformed chunked body to a script that has not answered yet: 400 and close.
  for (const char* body : {"zz\r\nabc\r\n0\r\n\r\n", "ffffffffffffffffff\r\nabc\r\n0\r\n\r\n", "3\r\nabcX0\r\n\r\n"}) {
    put("slow.sh", "#!/bin/sh\nsleep 1\nprintf 'Content-Type: text/plain\\r\\n\\r\\nlate'\n", 0755);
    std::string r =
        req(std::string("POST /slow.sh HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") + body, 3s);
    EXPECT_EQ(status_of(r), 400) << body << "\n" << r;
    EXPECT_EQ(header(r, "Connection"), "close") << body;
    EXPECT_EQ(r.find("late"), std::string::npos) << body;
  }
  // Valid neighbours still work: gzip before a final chunked goes to the script.
  std::string ok =
      req("POST /cgi.sh HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n"
          "3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(ok), 200) << ok;
  EXPECT_NE(ok.find("abc"), std::string::npos) << ok;
  // A range end past 2^64 clamps like any other over-long end.
  std::string range = get("/a.txt", "Range: bytes=2-18446744073709551615\r\n");
  EXPECT_EQ(status_of(range), 206) << range;
  EXPECT_EQ(body_of(range), "23456789");
  EXPECT_EQ(header(range, "Content-Range"), "bytes 2-9/10");
}

// A client that sends its request and then half-closes (shutdown(SHUT_WR),
// as nc -N and some proxies do) still gets the whole response, from a file
// and from a script that takes its time.
TEST_F(Http, HalfClosedClientGetsTheWholeResponse) {
  std::string big(8u << 20, 'b');
  put("big.bin", big);
  put("slow.sh", "#!/bin/sh\nsleep 0.3\nprintf 'Content-Type: text/plain\\r\\n\\r\\nslow answer'\n", 0755);
  start();
  std::string file = raw_request(port_, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n", 10s, true);
  EXPECT_EQ(status_of(file), 200);
  EXPECT_EQ(body_of(file).size(), big.size());
  std::string cgi = raw_request(port_, "GET /slow.sh HTTP/1.1\r\nHost: t\r\n\r\n", 5s, true);
  EXPECT_EQ(status_of(cgi), 200) << cgi;
  EXPECT_NE(cgi.find("slow answer"), std::string::npos) << cgi;
  std::string http10 = raw_request(port_, "GET /slow.sh HTTP/1.0\r\n\r\n", 5s, true);
  EXPECT_EQ(body_of(http10), "slow answer") << http10;
}
