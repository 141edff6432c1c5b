// The test harness's free_port(): the port it returns stays held for the test
// process, so a client's source port or another test's pick cannot take it
// before the server binds, while the server (with SO_REUSEADDR) still can.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "harness.hpp"

using namespace testing_support;

namespace {

// Binds a new TCP socket to 127.0.0.1:port, with SO_REUSEADDR when reuse; returns the fd, or -1 with errno.
int bound_socket(int port, bool reuse) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (reuse) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

}  // namespace

TEST(Harness, AFreePortIsHeldForTheTestAndStillTakesAServer) {
  int port = free_port();
  ASSERT_GT(port, 0);
  // What a connecting client or another test's pick would do: refused.
  errno = 0;
  EXPECT_EQ(bound_socket(port, false), -1);
  EXPECT_EQ(errno, EADDRINUSE);
  // What every server the tests start does: bind and listen.
  int server = bound_socket(port, true);
  ASSERT_GE(server, 0) << std::strerror(errno);
  EXPECT_EQ(listen(server, 8), 0) << std::strerror(errno);
  close(server);
  EXPECT_NE(free_port(), port);
}
