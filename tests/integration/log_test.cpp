// Logging under outside faults: a stderr nobody reads, a SIGPIPE that would
// feed itself, signal floods, a stopped syslog daemon; and the access log:
// one line per response, byte counts, rename-and-reopen, escaping.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

// Sends count GETs for "/a.txt?<tag>-<i>" on one keep-alive connection, in
// pipelined batches, and returns how many 200 responses came back whole.
int keepalive_gets(int port, int count, const std::string& tag, const std::string& path = "/a.txt") {
  int fd = connect_to(port);
  if (fd < 0) return 0;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int ok = 0;
  std::string buf;
  constexpr int k_batch = 50;
  for (int i = 0; i < count; i += k_batch) {
    std::string reqs;
    int n = std::min(k_batch, count - i);
    for (int j = 0; j < n; ++j)
      reqs += "GET " + path + "?" + tag + "-" + std::to_string(i + j) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    if (send(fd, reqs.data(), reqs.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(reqs.size())) break;
    int got = 0;
    while (got < n) {
      std::size_t end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buf.substr(0, end + 4);
        std::size_t size = end + 4 + std::stoul("0" + header(head, "Content-Length"));
        if (buf.size() >= size) {
          if (status_of(head) == 200) ++ok;
          buf.erase(0, size);
          ++got;
          continue;
        }
      }
      char chunk[65536];
      ssize_t r = recv(fd, chunk, sizeof chunk, 0);
      if (r <= 0) {
        close(fd);
        return ok;
      }
      buf.append(chunk, static_cast<std::size_t>(r));
    }
  }
  close(fd);
  return ok;
}

// Lines of path that contain needle.
std::size_t count_lines_with(const std::string& path, const std::string& needle) {
  std::size_t n = 0;
  for (const std::string& line : lines_of(read_file(path)))
    if (line.find(needle) != std::string::npos) ++n;
  return n;
}

class Logging : public HttpServerTest {
 protected:
  std::string access_ = base_.path() + "/access.log";
  std::vector<std::string> http_args() { return {"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_)}; }
  // Waits until the access log has lines lines (the log is flushed on a tick).
  bool wait_access_lines(std::size_t lines) {
    return wait_until([&] { return lines_of(read_file(access_)).size() >= lines; }, 3s);
  }
};

// A pipe whose reader never reads, with a test-side fd for each end.
struct UnreadPipe {
  int r = -1, w = -1;
  UnreadPipe() {
    int p[2];
    if (pipe2(p, O_CLOEXEC) == 0) {
      r = p[0];
      w = p[1];
    }
  }
  ~UnreadPipe() {
    if (r >= 0) close(r);
    if (w >= 0) close(w);
  }
};

}  // namespace

// ---------------------------------------------------------------- signals and a broken stderr

// `filehttpd ... 2>&1 | head -c1`: the reader of stderr is gone, every log
// write raises SIGPIPE. The supervisor must not spin on it, and must still
// reload, reopen and stop.
TEST_F(Logging, BrokenStderrPipeNeitherSpinsNorBlocksStop) {
  put("a.txt", "A");
  UnreadPipe p;
  ASSERT_GE(p.w, 0);
  server_ = std::make_unique<Server>(http_args(), std::vector<std::string>{}, p.w);
  ASSERT_TRUE(server_->wait_ready(port_));
  close(p.w);
  p.w = -1;
  char one;
  ASSERT_EQ(read(p.r, &one, 1), 1);  // head -c1
  close(p.r);
  p.r = -1;
  EXPECT_EQ(body_of(get("/a.txt")), "A");
  server_->signal(SIGUSR1);
  sleep_for(200ms);
  server_->signal(SIGHUP);
  sleep_for(300ms);
  EXPECT_EQ(body_of(get("/a.txt")), "A");
  sleep_for(300ms);
  double cpu = cpu_seconds(server_->pid());
  EXPECT_GE(cpu, 0);
  EXPECT_LT(cpu, 0.2) << "the supervisor spun on SIGPIPE";
  auto t0 = std::chrono::steady_clock::now();
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(1s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

// stderr on a pipe that is never read: 5000 requests from 4 clients, each
// logged, fill the pipe many times over. Every request is answered and
// SIGTERM still ends the server at once. Both profiles.
TEST_F(Logging, UnreadStderrPipeNeverBlocksTheServer) {
  put("a.txt", "A");
  for (bool classic : {false, true}) {
    SCOPED_TRACE(classic ? "classic" : "http");
    int port = free_port();
    UnreadPipe p;
    ASSERT_GE(p.w, 0);
    std::vector<std::string> args =
        classic
            ? std::vector<std::string>{"--access-log", "stderr", "--log-level", "debug", std::to_string(port), root_}
            : std::vector<std::string>{"--root",      root_,  "--listen", "127.0.0.1:" + std::to_string(port),
                                       "--log-level", "debug"};
    Server srv(args, {}, p.w);
    ASSERT_TRUE(srv.wait_ready(port));
    std::atomic<int> ok{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        if (!classic) {
          ok += keepalive_gets(port, 1250, "c" + std::to_string(c));
          return;
        }
        for (int i = 0; i < 1250; ++i) {
          std::string r = raw_request(port, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 5s);
          if (status_of(r) == 200 && body_of(r) == "A") ++ok;
        }
      });
    }
    for (auto& t : clients) t.join();
    EXPECT_EQ(ok.load(), 5000);
    int bytes = 0;
    EXPECT_EQ(ioctl(p.r, FIONREAD, &bytes), 0);
    EXPECT_GT(bytes, 60000) << "the test means to fill the pipe";
    auto t0 = std::chrono::steady_clock::now();
    srv.signal(SIGTERM);
    EXPECT_EQ(srv.wait_exit(1s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  }
}

// 20000 SIGUSR2 while serving: none of them delays SIGTERM, and only a
// handful of log lines mention them.
TEST_F(Logging, SignalFloodNeitherDelaysStopNorFloodsTheLog) {
  put("a.txt", "A");
  start();
  std::atomic<bool> done{false};
  std::thread load([&] {
    while (!done) keepalive_gets(port_, 50, "load");
  });
  for (int i = 0; i < 20000; ++i) server_->signal(SIGUSR2);
  done = true;
  load.join();
  EXPECT_EQ(body_of(get("/a.txt")), "A");
  auto t0 = std::chrono::steady_clock::now();
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(1s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  std::size_t lines = 0;
  for (const std::string& line : lines_of(server_->stderr_text()))
    if (line.find("User defined signal 2") != std::string::npos) ++lines;
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 3u) << server_->stderr_text().substr(0, 2000);
}

// The classic form writes nothing per request unless asked.
TEST_F(Logging, ClassicFormIsQuietByDefault) {
  put("a.txt", "A");
  server_ = std::make_unique<Server>(std::vector<std::string>{std::to_string(port_), root_});
  ASSERT_TRUE(server_->wait_ready(port_));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(body_of(raw_request(port_, "GET /a.txt HTTP/1.1\r\n\r\n")), "A");
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(2s), 0);
  EXPECT_EQ(server_->stderr_text(), "");
}

// ---------------------------------------------------------------- the access log

TEST_F(Logging, EveryKeepAliveResponseHasExactlyOneLine) {
  put("a.txt", "A");
  start({"--access-log", access_});
  std::atomic<int> ok{0};
  std::thread a([&] { ok += keepalive_gets(port_, 5000, "a"); });
  std::thread b([&] { ok += keepalive_gets(port_, 5000, "b"); });
  a.join();
  b.join();
  ASSERT_EQ(ok.load(), 10000);
  server_->signal(SIGTERM);
  ASSERT_EQ(server_->wait_exit(2s), 0);
  std::vector<std::string> lines = lines_of(read_file(access_));
  EXPECT_EQ(lines.size(), 10000u);
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    std::size_t q = line.find("?");
    std::size_t sp = line.find(' ', q);
    if (q != std::string::npos && sp != std::string::npos) seen.insert(line.substr(q + 1, sp - q - 1));
    EXPECT_NE(line.find(" HTTP/1.1\" 200 1 \"-\" \"-\""), std::string::npos) << line;
  }
  EXPECT_EQ(seen.size(), 10000u);
}

// logrotate: rename, SIGUSR1, go on. The two files hold every line once.
TEST_F(Logging, RenameAndReopenLosesAndRepeatsNothing) {
  put("a.txt", "A");
  start({"--access-log", access_});
  std::atomic<int> ok{0};
  std::atomic<int> phase{0};
  std::thread client([&] {
    for (int round = 0; round < 60; ++round) {
      ok += keepalive_gets(port_, 100, "r" + std::to_string(round));
      if (round == 20) phase = 1;
    }
  });
  while (phase == 0) sleep_for(1ms);
  std::filesystem::rename(access_, access_ + ".1");
  server_->signal(SIGUSR1);
  client.join();
  ASSERT_EQ(ok.load(), 6000);
  server_->signal(SIGTERM);
  ASSERT_EQ(server_->wait_exit(2s), 0);
  std::vector<std::string> old_lines = lines_of(read_file(access_ + ".1"));
  std::vector<std::string> new_lines = lines_of(read_file(access_));
  EXPECT_GT(old_lines.size(), 0u);
  EXPECT_GT(new_lines.size(), 0u) << "the reopen never happened";
  std::multiset<std::string> ids;
  for (const auto* lines : {&old_lines, &new_lines}) {
    for (const std::string& line : *lines) {
      std::size_t q = line.find("?");
      std::size_t sp = line.find(' ', q);
      ASSERT_TRUE(q != std::string::npos && sp != std::string::npos) << line;
      ids.insert(line.substr(q + 1, sp - q - 1));
    }
  }
  EXPECT_EQ(ids.size(), 6000u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 6000u) << "a line was written twice";
}

// A client that reads 1 MiB of a 64 MiB file and goes away: one line, with
// the status and the body bytes actually handed to the socket.
TEST_F(Logging, AbortedDownloadGetsOneLineWithBytesSent) {
  std::string big(64u << 20, 'x');
  put("big.bin", big);
  start({"--access-log", access_});
  int fd = connect_to(port_, 65536);
  ASSERT_GE(fd, 0);
  std::string req = "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_EQ(send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  std::string got = read_n(fd, 1u << 20, 5s);
  ASSERT_GE(got.size(), 1u << 20);
  close(fd);  // unread data: RST
  ASSERT_TRUE(wait_access_lines(1)) << server_->stderr_text();
  sleep_for(300ms);
  std::vector<std::string> lines = lines_of(read_file(access_));
  ASSERT_EQ(lines.size(), 1u);
  std::smatch m;
  const std::regex shape("\"GET /big.bin HTTP/1.1\" 200 (\\d+) ");
  bool matched = std::regex_search(lines[0], m, shape);
  ASSERT_TRUE(matched) << lines[0];
  unsigned long long bytes = std::stoull(m[1]);
  EXPECT_GE(bytes, (1ull << 20) - 1024);
  EXPECT_LT(bytes, 64ull << 20);
}

// %b is body bytes: no head, no chunk framing, 0 for HEAD and 304.
TEST_F(Logging, ByteCountsAreBodyBytes) {
  put("a.txt", "hello");
  put("cgi.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nsix ch'\n", 0755);
  start({"--access-log", access_});
  std::string r = get("/a.txt");
  std::string etag = header(r, "ETag");
  ASSERT_FALSE(etag.empty());
  req("HEAD /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  get("/a.txt", "If-None-Match: " + etag + "\r\n");
  std::string chunked = get("/cgi.sh");
  ASSERT_EQ(header(chunked, "Transfer-Encoding"), "chunked");
  req("HEAD /cgi.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  get("/missing");
  ASSERT_TRUE(wait_access_lines(6));
  std::vector<std::string> lines = lines_of(read_file(access_));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_NE(lines[0].find("\"GET /a.txt HTTP/1.1\" 200 5 "), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"HEAD /a.txt HTTP/1.1\" 200 0 "), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("\"GET /a.txt HTTP/1.1\" 304 0 "), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find("\"GET /cgi.sh HTTP/1.1\" 200 6 "), std::string::npos) << lines[3];
  EXPECT_NE(lines[4].find("\"HEAD /cgi.sh HTTP/1.1\" 200 0 "), std::string::npos) << lines[4];
  std::size_t body404 = body_of(get("/missing")).size();
  EXPECT_NE(lines[5].find("\"GET /missing HTTP/1.1\" 404 " + std::to_string(body404) + " "), std::string::npos)
      << lines[5];
}

// A client whose connection breaks (a reset) while its CGI has not answered
// yet: 499, 0 bytes. (A plain close looks like a half-close until a send
// fails, and a half-closed client still gets its answer.)
TEST_F(Logging, ClientGoneBeforeAnyResponseIs499) {
  put("slow.sh", "#!/bin/sh\nsleep 1\nprintf 'Content-Type: text/plain\\r\\n\\r\\nlate'\n", 0755);
  start({"--access-log", access_});
  int fd = connect_to(port_);
  ASSERT_GE(fd, 0);
  std::string rq = "GET /slow.sh HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_EQ(send(fd, rq.data(), rq.size(), 0), static_cast<ssize_t>(rq.size()));
  sleep_for(200ms);
  linger hard{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  close(fd);  // RST
  ASSERT_TRUE(wait_access_lines(1));
  EXPECT_NE(read_file(access_).find("\"GET /slow.sh HTTP/1.1\" 499 0 "), std::string::npos) << read_file(access_);
}

// Quotes, backslashes and bytes outside printable ASCII from the client
// cannot forge fields or reach a terminal: they come out as \xHH. Control
// bytes in a head are a 400, logged without any of the client's bytes.
TEST_F(Logging, ClientTextIsEscaped) {
  put("a.txt", "A");
  put("caf\xc3\xa9.txt", "B");
  start({"--access-log", access_});
  std::string r =
      req("GET /a.txt?q=\"x\" HTTP/1.1\r\nHost: t\r\nReferer: back\\slash\r\n"
          "User-Agent: x\" 404 0 \"-\" \"evil\xc3\xa9\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(status_of(r), 200);
  ASSERT_EQ(body_of(req("GET /caf\xc3\xa9.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")), "B");
  ASSERT_EQ(status_of(req("GET /a.txt HTTP/1.1\r\nHost: t\r\nUser-Agent: \x1b[31m\r\n\r\n")), 400);
  ASSERT_TRUE(wait_access_lines(3));
  std::vector<std::string> lines = lines_of(read_file(access_));
  ASSERT_EQ(lines.size(), 3u);
  const std::string stamp = "\\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\]";
  const std::regex forged("^127\\.0\\.0\\.1 - - " + stamp +
                          " \"GET /a\\.txt\\?q=\\\\x22x\\\\x22 HTTP/1\\.1\" 200 1 \"back\\\\x5Cslash\" "
                          "\"x\\\\x22 404 0 \\\\x22-\\\\x22 \\\\x22evil\\\\xC3\\\\xA9\"$");
  EXPECT_TRUE(std::regex_match(lines[0], forged)) << lines[0];
  EXPECT_NE(lines[1].find("\"GET /caf\\xC3\\xA9.txt HTTP/1.1\" 200 1 "), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("] \"-\" 400 "), std::string::npos) << lines[2];
  EXPECT_EQ(lines[2].find("31m"), std::string::npos) << lines[2];
}

// ---------------------------------------------------------------- syslog that stops reading

// A real busybox syslogd, stopped with SIGSTOP: serving goes on, lines are
// dropped and counted, and after SIGCONT the count reaches the log.
TEST_F(Logging, StoppedSyslogDaemonNeitherBlocksNorLosesTheCount) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to give the test its own /dev/log in a private mount namespace";
  put("a.txt", "A");
  std::string messages = base_.path() + "/messages";
  std::string pids = base_.path() + "/pids";
  std::string script = syslogd_script(messages) + std::string(FILEHTTPD_BIN) + " --root " + root_ +
                       " --listen 127.0.0.1:" + std::to_string(port_) +
                       " --log-target syslog --access-log syslog &\n"
                       "SRV=$!\n"
                       "echo \"$SYSLOGD $SRV\" > " +
                       pids + ".tmp && mv " + pids + ".tmp " + pids +
                       "\n"
                       "wait $SRV; RC=$?\n"
                       "kill -CONT $SYSLOGD; sleep 0.2; kill $SYSLOGD\n"
                       "exit $RC\n";
  RunResult result;
  std::thread runner([&] { result = run_with_private_mounts(script, 60s); });
  pid_t syslogd = -1, srv = -1;
  bool started = wait_until(
      [&] {
        std::istringstream in(read_file(pids));
        return static_cast<bool>(in >> syslogd >> srv);
      },
      10s);
  if (!started) {
    runner.join();
    if (private_mounts_refused(result))
      GTEST_SKIP() << "this machine does not allow a private mount namespace: " << result.err;
    FAIL() << "the syslog set-up did not start: " << result.err;
  }
  bool ready = wait_until([&] { return body_of(get("/a.txt")) == "A"; }, 5s);
  EXPECT_TRUE(ready);
  ASSERT_EQ(kill(syslogd, SIGSTOP), 0);
  auto t0 = std::chrono::steady_clock::now();
  int ok = keepalive_gets(port_, 8000, "stopped");
  EXPECT_EQ(ok, 8000) << "serving stalled behind a stopped syslog daemon";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s);
  kill(syslogd, SIGCONT);
  // The worker writes its queue on the next tick; the count follows once the daemon takes lines again.
  bool reported = wait_until(
      [&] {
        get("/a.txt?after");
        return read_file(messages).find("log lines dropped") != std::string::npos;
      },
      5s);
  EXPECT_TRUE(reported) << count_lines_with(messages, "stopped-") << " lines of the stopped phase arrived";
  kill(srv, SIGTERM);
  runner.join();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::smatch m;
  std::string log = read_file(messages);
  const std::regex count("(\\d+) log lines dropped");
  bool found = std::regex_search(log, m, count);
  ASSERT_TRUE(found);
  EXPECT_GT(std::stoull(m[1]), 0u);
  EXPECT_LT(count_lines_with(messages, "stopped-"), 8000u);
}
