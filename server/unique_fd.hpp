#pragma once
// RAII owner of one file descriptor.
#include <unistd.h>

#include <utility>

namespace filehttpd {

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~unique_fd() { reset(); }

  // Returns the fd, or -1 when empty.
  int get() const { return fd_; }
  // Returns true when an fd is held.
  explicit operator bool() const { return fd_ >= 0; }
  // Gives up ownership and returns the fd.
  int release() { return std::exchange(fd_, -1); }
  // Closes the held fd (if any) and takes ownership of fd.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace filehttpd
