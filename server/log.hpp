#pragma once
// Logging: spdlog set-up for the error log and the access log.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "config.hpp"

namespace filehttpd {

// Sets the default logger from cfg.log (stderr, syslog or a file). Returns ""
// or an error naming the target.
std::string setup_logging(const LogConfig& cfg, bool daemon);

// Returns the access logger, or nullptr when the access log is off.
spdlog::logger* access_log();

// Reopens file sinks (after logrotate moved them). Returns "" or an error.
std::string reopen_logs();

}  // namespace filehttpd
