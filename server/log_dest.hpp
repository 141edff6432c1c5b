#pragma once
// LogDest: one log destination that is never allowed to block its writer.
// Lines wait in a bounded queue and go out whole; a line that does not fit is
// dropped and counted, and once the destination takes bytes again the count
// is reported (through a callback) and reset.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "unique_fd.hpp"

namespace filehttpd {

// Bytes of lines a destination may hold while it takes nothing.
inline constexpr std::size_t k_log_queue_bytes = 256 * 1024;
// Largest single write to a pipe or tty: up to PIPE_BUF bytes are atomic, so
// lines from several processes sharing the pipe are never interleaved.
inline constexpr std::size_t k_log_pipe_write = 4096;
// Largest single send to a stream socket.
inline constexpr std::size_t k_log_socket_write = 64 * 1024;
// Time between attempts to reach a syslog socket that refused us.
inline constexpr std::chrono::seconds k_syslog_retry{1};
// The syslog socket.
inline constexpr const char* k_syslog_path = "/dev/log";

// How bytes reach the destination.
enum class DestKind {
  file,    // a regular file, appended with write(2)
  pipe,    // a pipe, FIFO or terminal, through a private non-blocking open file description
  socket,  // a stream socket (journald's stdout stream), send(2) with MSG_DONTWAIT
  syslog,  // datagrams of RFC 3164 lines to /dev/log, send(2) with MSG_DONTWAIT
};

class LogDest {
 public:
  // Opens "stderr", "syslog" or a file path. Returns nullptr with err set (naming the target) on failure.
  static std::unique_ptr<LogDest> open(const std::string& target, std::string& err);
  // Wraps an fd that is already open and set up for kind. For syslog, path is the socket's path.
  LogDest(DestKind kind, unique_fd fd, std::string path);
  ~LogDest() { unwatch(); }
  LogDest(const LogDest&) = delete;
  LogDest& operator=(const LogDest&) = delete;

  // Queues one line (no newline) of syslog severity 0-7, control bytes
  // escaped unless clean (the caller vouches there are none). Returns false when it was dropped.
  bool add(std::string_view line, int severity = 6, bool clean = false);
  // Writes queued lines until the destination takes no more. Returns true when none are left.
  bool flush();
  // Bytes queued and not yet written.
  std::size_t queued() const { return queue_.size() - sent_; }
  // Lines dropped since the destination was opened.
  std::uint64_t dropped() const { return dropped_; }
  // Sets what is told, once the destination moves again, how many lines were dropped meanwhile.
  void on_recovered(std::function<void(std::uint64_t)> report) { report_ = std::move(report); }
  // Forgets queued lines and takes the current pid for syslog lines (in a child after fork).
  void after_fork();
  // Writes what it can, then reopens a file destination at its path (after a rename). Returns "" or an error.
  std::string reopen();
  // Sets watcher: called (fd, true) when queued lines wait for fd to become
  // writable, and (fd, false) when they no longer do or before fd closes.
  void watch(std::function<void(int fd, bool want)> watcher) {
    unwatch();
    watcher_ = std::move(watcher);
  }
  DestKind kind() const { return kind_; }
  // The file path (file kind), the syslog socket path, or "stderr".
  const std::string& path() const { return path_; }

 private:
  // One pass of writes. Returns true when the queue is empty.
  bool write_queued();
  // Writes one piece; returns bytes taken, 0 when the destination is full, -1 on a hard error (errno set).
  ssize_t put(const char* data, std::size_t len);
  // Connects the syslog socket, at most once per k_syslog_retry. Returns true when connected.
  bool connect_syslog(bool force);
  // Drops every queued line after a hard error, counting them.
  void drop_queued();
  // Tells the watcher whether lines now wait for writability.
  void update_watch();
  // Tells the watcher to stop watching (before fd_ closes or changes).
  void unwatch();
  // Replaces fd_, unwatching the old one first.
  void replace_fd(unique_fd fd);

  DestKind kind_;
  unique_fd fd_;
  std::string path_;
  std::string queue_;     // whole lines, each ending in '\n'
  std::size_t sent_ = 0;  // bytes of queue_ already written
  std::uint64_t dropped_ = 0;
  std::uint64_t unreported_ = 0;
  std::function<void(std::uint64_t)> report_;
  bool in_flush_ = false;
  bool progressed_ = false;  // a write_queued() pass wrote something
  bool blocked_ = false;     // the last write found the destination full
  std::function<void(int, bool)> watcher_;
  int watched_fd_ = -1;  // the fd the watcher watches, or -1
  int pid_ = 0;
  std::chrono::steady_clock::time_point next_connect_{};
};

// Appends line to out with every byte below 0x20 or equal to 0x7F written as
// \xHH, so text from clients cannot start lines or drive a terminal.
void append_without_controls(std::string& out, std::string_view line);

// Returns the RFC 3164 prefix "<PRI>Mmm dd hh:mm:ss filehttpd[pid]: " for facility daemon.
std::string syslog_prefix(int severity, std::time_t when, int pid);

}  // namespace filehttpd
