#pragma once
// Logging: the error log (spdlog formatting into a LogDest) and the buffered
// access log. No write ever blocks: see log_dest.hpp.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <functional>
#include <string>

#include "access_log.hpp"
#include "config.hpp"

namespace filehttpd {

// The access log is written once this many bytes are buffered (and on every flush_logs()).
inline constexpr std::size_t k_access_flush_bytes = 64 * 1024;

// Sets the default logger from cfg (stderr, syslog or a file) and opens the
// access log. Returns "" or an error naming the target.
std::string setup_logging(const LogConfig& cfg, bool daemon);

// Returns true when the access log is on.
bool access_log_on();

// Buffers the access line for e; writes the buffer once it holds k_access_flush_bytes.
void write_access(const AccessEntry& e);

// Writes what every destination will take now. Returns true when nothing is left queued.
bool flush_logs();

// Flushes, then reopens the file destinations (after logrotate moved them). Returns "" or an error.
std::string reopen_logs();

// Calls want(fd, tag, true) when a log destination holds lines that wait for
// fd to become writable, and want(fd, tag, false) when they no longer do;
// nullptr stops the calls. tag identifies the destination for on_log_writable().
void watch_log_writability(std::function<void(int fd, void* tag, bool want)> want);

// The fd of a watched destination became writable: writes what it takes.
void on_log_writable(void* tag);

// In a child after fork: forgets the parent's queued lines and takes the child's pid.
void log_after_fork();

// Lines dropped so far by this process, error and access log together.
std::uint64_t log_lines_dropped();

}  // namespace filehttpd
