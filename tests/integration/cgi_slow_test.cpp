// CGI timing against a slow client: cgi.timeout measures the script's
// silence only while the server waits on its output; a client that reads
// slowly is held to send_timeout instead.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t k_big = 12 * 1024 * 1024;

class CgiSlowClient : public HttpServerTest {
 protected:
  // Writes big.bin (k_big bytes) and a script that sends size bytes of it
  // after its header block, then runs tail (shell lines) after it.
  void put_streamer(const std::string& tail = "", std::size_t size = k_big) {
    put("big.bin", std::string(k_big, 'x'));
    put("stream.sh",
        "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\r\\n\\r\\n'\nhead -c " + std::to_string(size) +
            " big.bin\n" + tail,
        0755);
  }
  // Sends request on a fresh connection with a small receive buffer.
  int ask(const std::string& request) {
    int fd = connect_to(port_, 16 * 1024);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    return fd;
  }
};

// Reads at most step bytes (up to 16 KiB) every 50 ms for span. Returns the
// bytes read; eof tells whether the server closed meanwhile.
std::string read_slowly(int fd, std::chrono::milliseconds span, bool& eof, std::size_t step = 16 * 1024) {
  std::string got;
  eof = false;
  auto end = std::chrono::steady_clock::now() + span;
  char buf[16 * 1024];
  step = std::min(step, sizeof buf);
  for (int i = 0; i < 1000 && std::chrono::steady_clock::now() < end; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      ssize_t n = recv(fd, buf, step, 0);
      if (n <= 0) {
        eof = true;
        break;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
    sleep_for(50ms);
  }
  return got;
}

}  // namespace

TEST_F(CgiSlowClient, SlowReaderOfABigResponseIsNotCutByTheCgiTimeout) {
  put_streamer();
  start({"--cgi-timeout", "1s"});
  int fd = ask("GET /stream.sh HTTP/1.0\r\n\r\n");
  bool eof = false;
  // Three times the CGI timeout at about 320 KiB/s: far less than 12 MiB, so
  // the script spends most of it blocked on a full pipe.
  std::string got = read_slowly(fd, 3s, eof);
  EXPECT_FALSE(eof) << "the server closed after " << got.size() << " bytes";
  EXPECT_EQ(status_of(got), 200);
  got += read_all(fd, 20s);
  close(fd);
  EXPECT_EQ(body_of(got).size(), k_big);
  EXPECT_EQ(server_->stderr_text().find("CGI produced nothing"), std::string::npos) << server_->stderr_text();
}

TEST_F(CgiSlowClient, ScriptThatExitsWhileTheClientLagsLosesNoOutput) {
  // The script leaves its output to a child and exits at once; the pipe stays
  // open and full while the client lags. Its bytes are still sent: the exit
  // linger counts only while the server waits on the pipe.
  constexpr std::size_t size = 8 * 1024 * 1024;  // more than the socket buffers hold
  put("big.bin", std::string(size, 'x'));
  put("bg.sh", "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\r\\n\\r\\n'\nhead -c " +
                   std::to_string(size) + " big.bin &\n",
      0755);
  start({"--cgi-timeout", "30s"});
  int fd = ask("GET /bg.sh HTTP/1.0\r\n\r\n");
  bool eof = false;
  std::string got = read_slowly(fd, 2500ms, eof);
  got += read_all(fd, 20s);
  close(fd);
  EXPECT_EQ(body_of(got).size(), size);
  EXPECT_EQ(server_->stderr_text().find("output stayed open"), std::string::npos) << server_->stderr_text();
}

TEST_F(CgiSlowClient, ScriptSilentAfterASlowlyReadBodyIsStillStopped) {
  // The timeout starts again once the server waits on the script's output:
  // a script that goes silent after its big body is stopped one timeout later.
  put_streamer("sleep 30\n");
  start({"--cgi-timeout", "1s"});
  int fd = ask("GET /stream.sh HTTP/1.1\r\nHost: t\r\n\r\n");
  bool eof = false;
  std::string got = read_slowly(fd, 2500ms, eof);
  EXPECT_FALSE(eof) << "the server closed after " << got.size() << " bytes";
  auto t0 = std::chrono::steady_clock::now();
  got += read_all(fd, 20s);  // the rest, then the close of the silent script's response
  close(fd);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s);
  EXPECT_GT(got.size(), k_big);
  EXPECT_FALSE(got.ends_with("0\r\n\r\n")) << "a cut response must not look complete";
  EXPECT_TRUE(wait_until([&] { return server_->stderr_text().find("CGI produced nothing") != std::string::npos; }, 3s));
}

TEST_F(CgiSlowClient, SilentScriptBeforeItsHeadIsStill504) {
  put("quiet.sh", "#!/bin/sh\nsleep 30\n", 0755);
  start({"--cgi-timeout", "500ms", "--send-timeout", "30s"});
  int fd = ask("GET /quiet.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto t0 = std::chrono::steady_clock::now();
  std::string r = read_all(fd, 5s);
  close(fd);
  EXPECT_EQ(status_of(r), 504);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(CgiSlowClient, ClientThatStopsReadingIsHeldToTheSendTimeout) {
  put_streamer();
  start({"--cgi-timeout", "30s", "--send-timeout", "1s"});
  int fd = ask("GET /stream.sh HTTP/1.0\r\n\r\n");
  auto t0 = std::chrono::steady_clock::now();
  sleep_for(2500ms);  // no reads at all: no send progress
  std::string got = read_all(fd, 10s);
  close(fd);
  EXPECT_LT(got.size(), k_big) << "the response should have been cut";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 12s);
  EXPECT_TRUE(wait_until([&] { return server_->stderr_text().find("no send progress") != std::string::npos; }, 3s))
      << server_->stderr_text();
}
