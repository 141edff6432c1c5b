#include "request_body.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace filehttpd {

namespace {

// Writes all of data to fd. Returns 0 or an errno.
int write_all(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

bool body_over_limit(std::uint64_t received, std::uint64_t more, std::uint64_t limit) {
  return received > limit || more > limit - received;
}

int open_spill_file(const std::string& dir) {
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
  // No O_TMPFILE on this file system: a fresh name, removed at once.
  std::string name = dir + "/filehttpd-body-XXXXXX";
  fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) unlink(name.c_str());
  return fd;
}

std::string check_spill_dir(const std::string& dir) {
  int fd = open_spill_file(dir);
  if (fd < 0) return std::strerror(errno);
  close(fd);
  return "";
}

std::string spill_dir_for(const std::string& configured) {
  if (!configured.empty()) return configured;
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp == '/' ? tmp : "/tmp";
}

void BodyStore::reset(std::string dir, std::size_t memory_limit) {
  clear();
  dir_ = std::move(dir);
  memory_limit_ = memory_limit;
}

int BodyStore::append(const char* data, std::size_t len) {
  if (len == 0) return 0;
  if (!file_ && mem_.size() + len <= memory_limit_) {
    mem_.append(data, len);
    size_ += len;
    return 0;
  }
  if (!file_) {
    int fd = open_spill_file(dir_);
    if (fd < 0) return errno;
    file_.reset(fd);
    if (int err = write_all(fd, mem_.data(), mem_.size())) return err;
    mem_.clear();
    mem_.shrink_to_fit();
  }
  if (int err = write_all(file_.get(), data, len)) return err;
  size_ += len;
  return 0;
}

ssize_t BodyStore::read_at(std::uint64_t offset, char* buf, std::size_t len) const {
  if (offset >= size_) return 0;
  len = static_cast<std::size_t>(std::min<std::uint64_t>(len, size_ - offset));
  if (!file_) {
    std::memcpy(buf, mem_.data() + offset, len);
    return static_cast<ssize_t>(len);
  }
  ssize_t n;
  do {
    n = pread(file_.get(), buf, len, static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  return n;
}

void BodyStore::clear() {
  mem_.clear();
  mem_.shrink_to_fit();
  file_.reset();
  size_ = 0;
}

}  // namespace filehttpd
