// A chunked CGI request body over cgi.max_body: refused with 413 as soon as
// a chunk-size line takes it over the limit, without waiting for the bytes.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

class CgiBodyLimit : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    mark_ = base_.path() + "/ran";
    put("echo.sh", "#!/bin/sh\ntouch " + mark_ + "\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  }
  // Starts the server with limits; a body timeout far longer than the client
  // waits: only a prompt 413 passes.
  void start_limits(std::vector<std::string> limits = {"--cgi-max-body", "100"}) {
    limits.insert(limits.end(), {"--body-timeout", "30s"});
    start(limits);
  }
  // Sends a chunked POST head and body_start, keeps the connection open,
  // and returns what arrives within 3 s.
  std::string answer_to(const std::string& body_start) {
    int fd = connect_to(port_);
    EXPECT_GE(fd, 0);
    std::string data = "POST /echo.sh HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body_start;
    EXPECT_EQ(send(fd, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
    std::string r = read_all(fd, 3s);
    close(fd);
    return r;
  }
  std::string mark_;
};

}  // namespace

TEST_F(CgiBodyLimit, HugeChunkSizeIs413AtOnce) {
  start_limits();
  std::string r = answer_to("ffffffffffffffff\r\n");
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_FALSE(std::filesystem::exists(mark_)) << "a script ran for a refused body";
}

TEST_F(CgiBodyLimit, ChunkJustOverTheLimitIs413BeforeItsBytes) {
  start_limits();
  std::string r = answer_to("65\r\nonly a few bytes of the 101");
  EXPECT_EQ(status_of(r), 413) << r;
}

TEST_F(CgiBodyLimit, ChunksAddingUpOverTheLimitAre413AtTheLastSizeLine) {
  start_limits();
  std::string r = answer_to("3c\r\n" + std::string(60, 'a') + "\r\n29\r\n");  // 60 + 41 > 100
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_FALSE(std::filesystem::exists(mark_)) << "a script ran for a refused body";
}

TEST_F(CgiBodyLimit, ChunksExactlyAtTheLimitRunTheScript) {
  start_limits();
  std::string r = answer_to("3c\r\n" + std::string(60, 'a') + "\r\n28\r\n" + std::string(40, 'b') + "\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_NE(r.find(std::string(60, 'a') + std::string(40, 'b')), std::string::npos) << r;
}

TEST_F(CgiBodyLimit, TheSmallerOfTheTwoLimitsApplies) {
  // limits.max_body refuses a declared length before cgi.max_body is looked
  // at; a chunked body is held to it too.
  start_limits({"--max-body", "50", "--cgi-max-body", "100"});
  std::string r = answer_to("40\r\n");  // 64 > 50
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_FALSE(std::filesystem::exists(mark_)) << "a script ran for a refused body";
}
