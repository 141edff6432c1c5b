#include "log_dest.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "access_log.hpp"

namespace filehttpd {

namespace {

// Compacts the queue once this many written bytes sit at its front.
constexpr std::size_t k_compact_after = 64 * 1024;
constexpr int k_facility_daemon = 3 << 3;

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}

// The piece of queue_[from, end) to write next: at most limit bytes, cut
// after the last whole line when one fits.
std::size_t piece_length(std::string_view rest, std::size_t limit) {
  if (rest.size() <= limit) return rest.size();
  std::size_t nl = rest.rfind('\n', limit - 1);
  return nl == std::string_view::npos ? limit : nl + 1;
}

// Opens stderr for non-blocking writes without changing the file
// description the launching shell shares. Returns the fd and its kind.
unique_fd open_stderr(DestKind& kind) {
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) {
    kind = DestKind::file;
    return unique_fd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  }
  if (S_ISREG(st.st_mode)) {
    kind = DestKind::file;
    return unique_fd(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
  }
  if (S_ISSOCK(st.st_mode)) {
    kind = DestKind::socket;
    return unique_fd(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
  }
  kind = DestKind::pipe;
  // A new open file description of the same pipe or terminal: O_NONBLOCK on
  // it is ours alone. It fails with ENXIO when a FIFO has no reader left; the
  // shared one then fails every write with EPIPE, which never blocks.
  int fd = ::open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd >= 0) return unique_fd(fd);
  return unique_fd(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
}

}  // namespace

void append_without_controls(std::string& out, std::string_view line) {
  append_hex_escaped(out, line, is_control);
}

std::string syslog_prefix(int severity, std::time_t when, int pid) {
  std::tm tm{};
  localtime_r(&when, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  return "<" + std::to_string(k_facility_daemon | (severity & 7)) + ">" + stamp + " filehttpd[" + std::to_string(pid) +
         "]: ";
}

std::unique_ptr<LogDest> LogDest::open(const std::string& target, std::string& err) {
  if (target == "syslog") {
    auto d = std::make_unique<LogDest>(DestKind::syslog, unique_fd(), k_syslog_path);
    d->connect_syslog(true);  // no syslog daemon yet is not an error: lines are counted as dropped
    return d;
  }
  if (target == "stderr") {
    DestKind kind;
    unique_fd fd = open_stderr(kind);
    if (!fd) {
      err = std::string("cannot use stderr for logging: ") + std::strerror(errno);
      return nullptr;
    }
    return std::make_unique<LogDest>(kind, std::move(fd), "stderr");
  }
  int fd = ::open(target.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    err = "cannot open log target '" + target + "': " + std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<LogDest>(DestKind::file, unique_fd(fd), target);
}

LogDest::LogDest(DestKind kind, unique_fd fd, std::string path)
    : kind_(kind), fd_(std::move(fd)), path_(std::move(path)), pid_(getpid()) {}

bool LogDest::add(std::string_view line, int severity, bool clean) {
  std::size_t need = line.size() + 1 + (kind_ == DestKind::syslog ? 48 : 0);
  if (queued() + need > k_log_queue_bytes) {
    ++dropped_;
    ++unreported_;
    return false;
  }
  if (sent_ == queue_.size()) {
    queue_.clear();
    sent_ = 0;
  }
  if (kind_ == DestKind::syslog) queue_ += syslog_prefix(severity, std::time(nullptr), pid_);
  if (clean)
    queue_.append(line);
  else
    append_without_controls(queue_, line);
  queue_ += '\n';
  return true;
}

bool LogDest::flush() {
  if (in_flush_) return queued() == 0;
  in_flush_ = true;
  progressed_ = false;
  bool empty = write_queued();
  if (progressed_ && unreported_ > 0) {
    std::uint64_t n = unreported_;
    unreported_ = 0;
    if (report_) {
      report_(n);
    } else {
      add(std::to_string(n) + " log lines dropped while the destination was not taking them", 4);
    }
    empty = write_queued();
  }
  in_flush_ = false;
  update_watch();
  return empty;
}

void LogDest::update_watch() {
  if (!watcher_) return;
  int want = blocked_ && queued() > 0 && fd_ ? fd_.get() : -1;
  if (want == watched_fd_) return;
  unwatch();
  if (want >= 0) {
    watched_fd_ = want;
    watcher_(want, true);
  }
}

void LogDest::unwatch() {
  if (watched_fd_ < 0) return;
  if (watcher_) watcher_(watched_fd_, false);
  watched_fd_ = -1;
}

void LogDest::replace_fd(unique_fd fd) {
  unwatch();
  fd_ = std::move(fd);
}

bool LogDest::write_queued() {
  blocked_ = false;
  while (sent_ < queue_.size()) {
    std::string_view rest(queue_.data() + sent_, queue_.size() - sent_);
    std::size_t len = rest.size();
    switch (kind_) {
      case DestKind::file: len = rest.size(); break;
      case DestKind::pipe: len = piece_length(rest, k_log_pipe_write); break;
      case DestKind::socket: len = piece_length(rest, k_log_socket_write); break;
      case DestKind::syslog: len = rest.find('\n'); break;  // one datagram per line, without the newline
    }
    ssize_t n = put(rest.data(), len);
    if (n == 0) {  // full: wait until it is writable again (see watch())
      blocked_ = true;
      break;
    }
    if (n < 0) {
      if (kind_ == DestKind::syslog && errno == EMSGSIZE) {
        ++dropped_;
        ++unreported_;
        sent_ += len + 1;
        continue;
      }
      drop_queued();
      break;
    }
    sent_ += static_cast<std::size_t>(n) + (kind_ == DestKind::syslog ? 1 : 0);
    progressed_ = true;
  }
  if (sent_ >= queue_.size()) {
    queue_.clear();
    sent_ = 0;
    return true;
  }
  if (sent_ >= k_compact_after) {
    queue_.erase(0, sent_);
    sent_ = 0;
  }
  return false;
}

ssize_t LogDest::put(const char* data, std::size_t len) {
  if (kind_ == DestKind::syslog && !fd_ && !connect_syslog(false)) {
    errno = ENOTCONN;
    return -1;
  }
  if (!fd_) {
    errno = EBADF;
    return -1;
  }
  for (int attempt = 0;; ++attempt) {
    ssize_t n = (kind_ == DestKind::socket || kind_ == DestKind::syslog)
                    ? send(fd_.get(), data, len, MSG_DONTWAIT | MSG_NOSIGNAL)
                    : write(fd_.get(), data, len);
    if (n >= 0) return n == 0 && len > 0 ? 0 : n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return 0;
    // A syslog daemon that restarted made a new socket: reconnect once.
    bool stale = errno == ECONNREFUSED || errno == ENOTCONN || errno == ECONNRESET;
    if (kind_ == DestKind::syslog && stale && attempt == 0 && connect_syslog(true)) continue;
    if (kind_ == DestKind::syslog) replace_fd(unique_fd());
    return -1;
  }
}

bool LogDest::connect_syslog(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now < next_connect_) return false;
  next_connect_ = now + k_syslog_retry;
  replace_fd(unique_fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)));
  if (!fd_) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  if (connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    replace_fd(unique_fd());
    return false;
  }
  return true;
}

void LogDest::drop_queued() {
  std::string_view rest(queue_.data() + sent_, queue_.size() - sent_);
  auto lines = static_cast<std::uint64_t>(std::count(rest.begin(), rest.end(), '\n'));
  dropped_ += lines;
  unreported_ += lines;
  queue_.clear();
  sent_ = 0;
}

void LogDest::after_fork() {
  watched_fd_ = -1;  // the parent's watcher is not ours
  watcher_ = nullptr;
  blocked_ = false;
  queue_.clear();
  sent_ = 0;
  unreported_ = 0;
  pid_ = getpid();
}

std::string LogDest::reopen() {
  if (kind_ != DestKind::file || path_ == "stderr") return "";
  flush();
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return "cannot reopen log file '" + path_ + "': " + std::strerror(errno);
  replace_fd(unique_fd(fd));
  return "";
}

}  // namespace filehttpd
