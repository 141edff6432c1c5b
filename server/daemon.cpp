#include "daemon.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace filehttpd {

namespace {

constexpr char k_ready = '\x01';

// Closes fds first..last (inclusive) when the range is not empty.
void close_between(int first, int last) {
  if (first <= last) syscall(SYS_close_range, static_cast<unsigned>(first), static_cast<unsigned>(last), 0u);
}

[[noreturn]] void launcher_wait(int read_fd, pid_t first_child) {
  waitpid(first_child, nullptr, 0);  // the intermediate process exits at once
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = read(read_fd, buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    msg.append(buf, static_cast<std::size_t>(n));
  }
  if (!msg.empty() && msg[0] == k_ready) _exit(0);
  if (msg.empty()) msg = "filehttpd: the daemon exited during start-up\n";
  ssize_t ignored = write(2, msg.data(), msg.size());
  (void)ignored;
  _exit(1);
}

}  // namespace

unique_fd daemonize(std::string& err, int keep_fd) {
  int lifeline[2];
  if (pipe2(lifeline, O_CLOEXEC) != 0) {
    err = std::string("pipe: ") + std::strerror(errno);
    return unique_fd();
  }
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    err = std::string("fork: ") + std::strerror(errno);
    return unique_fd();
  }
  if (pid > 0) {
    close(lifeline[1]);
    launcher_wait(lifeline[0], pid);
  }
  close(lifeline[0]);
  setsid();
  pid = fork();
  if (pid < 0) _exit(1);
  if (pid > 0) _exit(0);  // the daemon is not a session leader, so it never gets a terminal
  umask(027);
  if (chdir("/") != 0) {
    err = std::string("chdir /: ") + std::strerror(errno);
    return unique_fd();
  }
  // Close everything we did not open on purpose; keep the lifeline and keep_fd.
  int keep = lifeline[1];
  int lo = std::min(keep, keep_fd < 0 ? keep : keep_fd);
  int hi = std::max(keep, keep_fd);
  close_between(3, lo - 1);
  if (hi != lo) close_between(lo + 1, hi - 1);
  close_between(hi + 1, INT_MAX);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
  return unique_fd(keep);
}

void release_launcher(unique_fd& lifeline, bool ok, const std::string& message) {
  if (!lifeline) return;
  std::string out = ok ? std::string(1, k_ready) : message;
  ssize_t ignored = write(lifeline.get(), out.data(), out.size());
  (void)ignored;
  lifeline.reset();
}

Pidfile::~Pidfile() = default;

std::string Pidfile::lock(const std::string& path) {
  path_ = path;
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot open pidfile '" + path + "': " + std::strerror(errno);
  fd_.reset(fd);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    std::string other = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!other.empty() && (other.back() == '\n' || other.back() == ' ')) other.pop_back();
    fd_.reset();
    path_.clear();
    return "another filehttpd is running (pid " + other + ", pidfile '" + path + "' is locked)";
  }
  return "";
}

std::string Pidfile::write_pid() {
  if (!fd_) return "";
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_.get(), 0) != 0 || pwrite(fd_.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return "cannot write pidfile '" + path_ + "': " + std::strerror(errno);
  return "";
}

void Pidfile::remove() {
  if (fd_ && !path_.empty()) unlink(path_.c_str());
  fd_.reset();
  path_.clear();
}

}  // namespace filehttpd
