// PlainTransport over a real socket pair: reads, gathered writes, a file
// range by sendfile, a full socket, and the half-close the peer sees.
#include "transport.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

using filehttpd::PlainTransport;

namespace {

struct Pair {
  int fd[2] = {-1, -1};
  Pair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd), 0); }
  ~Pair() {
    close(fd[0]);
    close(fd[1]);
  }
  std::string drain() {
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd[1], buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
    return got;
  }
};

}  // namespace

TEST(PlainTransport, ReadsWhatThePeerSentAndSaysWhenNothingIsThere) {
  Pair p;
  PlainTransport io(p.fd[0]);
  char buf[16];
  errno = 0;
  EXPECT_EQ(io.read(buf, sizeof buf), -1);
  EXPECT_EQ(errno, EAGAIN);
  ASSERT_EQ(send(p.fd[1], "hello", 5, 0), 5);
  ASSERT_EQ(io.read(buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
  shutdown(p.fd[1], SHUT_WR);
  EXPECT_EQ(io.read(buf, sizeof buf), 0);
}

TEST(PlainTransport, WritesBuffersAndFileRangesInOrder) {
  Pair p;
  PlainTransport io(p.fd[0]);
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(fwrite("0123456789", 1, 10, f), 10u);
  fflush(f);
  iovec iov[2] = {{const_cast<char*>("head "), 5}, {const_cast<char*>("and "), 4}};
  EXPECT_EQ(io.send_iov(iov, 2, true), 9);
  off_t off = 3;
  EXPECT_EQ(io.send_file(fileno(f), &off, 4), 4);
  EXPECT_EQ(off, 7);
  EXPECT_EQ(io.send_file(fileno(f), &off, 100), 3);  // the rest of the file
  EXPECT_EQ(io.send_file(fileno(f), &off, 100), 0);  // the file has ended
  EXPECT_EQ(io.write(" tail", 5), 5);
  EXPECT_EQ(p.drain(), "head and 3456789 tail");
  fclose(f);
}

TEST(PlainTransport, FullSocketIsEagainAndHalfCloseEndsThePeersStream) {
  Pair p;
  PlainTransport io(p.fd[0]);
  std::string big(1 << 16, 'x');
  ssize_t n;
  int calls = 0;
  while ((n = io.write(big.data(), big.size())) > 0 && ++calls < 10000) {
  }
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, EAGAIN);
  io.shutdown_write();
  std::string got = p.drain();
  EXPECT_FALSE(got.empty());
  char c;
  EXPECT_EQ(recv(p.fd[1], &c, 1, 0), 0);  // end of stream after the bytes written
}
