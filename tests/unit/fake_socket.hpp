#pragma once
// Send-queue test helpers. A fake socket: each call takes a random prefix of what
// it is offered (seeded), or nothing with EAGAIN now and then, and keeps what
// it took in order.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <random>
#include <string>

#include "unique_fd.hpp"

namespace filehttpd::test {

struct FakeSocket {
  std::mt19937* rng;
  std::string got;
  int calls = 0;
  std::size_t fixed = 0;  // when set, every call takes up to this many bytes
  int more_calls = 0;     // send_iov calls told that more bytes follow
  // Takes a random prefix, or nothing (EAGAIN) now and then.
  std::size_t allowance() {
    ++calls;
    if (fixed) return fixed;
    if ((*rng)() % 5 == 0) return 0;
    return 1 + (*rng)() % ((*rng)() % 3 == 0 ? 100000 : 300);
  }
  // Appends up to room bytes of the buffers to got; returns how many.
  std::size_t take(const iovec* iov, int count, std::size_t room) {
    std::size_t taken = 0;
    for (int i = 0; i < count && taken < room; ++i) {
      std::size_t n = std::min(room - taken, iov[i].iov_len);
      got.append(static_cast<const char*>(iov[i].iov_base), n);
      taken += n;
    }
    return taken;
  }
  ssize_t send_iov(const iovec* iov, int count, bool more) {
    if (more) ++more_calls;
    std::size_t room = allowance();
    if (room == 0) {
      errno = EAGAIN;
      return -1;
    }
    return static_cast<ssize_t>(take(iov, count, room));
  }
  ssize_t send_file(int fd, off_t* off, std::size_t len) {
    std::size_t room = allowance();
    if (room == 0) {
      errno = EAGAIN;
      return -1;
    }
    std::string buf(std::min(room, len), '\0');
    ssize_t n = pread(fd, buf.data(), buf.size(), *off);
    if (n > 0) {
      got.append(buf.data(), static_cast<std::size_t>(n));
      *off += n;
    }
    return n;
  }
};

// A fixture with a temporary file of random bytes (content_), for queues that send file ranges.
class FileBodyTest : public ::testing::Test {
 protected:
  // Writes size random bytes (from seed) to a new temporary file.
  void make_file(const char* prefix, std::size_t size, unsigned seed) {
    path_ = std::filesystem::temp_directory_path() / (prefix + std::to_string(getpid()));
    std::mt19937 rng(seed);
    content_.resize(size);
    for (char& c : content_) c = static_cast<char>(rng());
    int fd = open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ASSERT_EQ(write(fd, content_.data(), content_.size()), static_cast<ssize_t>(content_.size()));
    close(fd);
  }
  void TearDown() override {
    if (!path_.empty()) std::filesystem::remove(path_);
  }
  // Opens the file for reading.
  unique_fd open_file() { return unique_fd(open(path_.c_str(), O_RDONLY | O_CLOEXEC)); }

  std::filesystem::path path_;
  std::string content_;
};

}  // namespace filehttpd::test
