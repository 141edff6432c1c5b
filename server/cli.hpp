#pragma once
// Command line: getopt_long flags over config keys, and the classic `PORT DIR` form.
#include <optional>
#include <string>

#include "config.hpp"

namespace filehttpd {

enum class CliAction { run, check_config, help, version, usage_error, config_error };

struct CliOutcome {
  CliAction action = CliAction::run;
  std::string message;  // usage or config error text, without a trailing newline
};

// Fills cfg from -c FILE (if given), then the flags, then the positional
// PORT DIR. Returns the action main() should take; errors carry a message.
CliOutcome parse_cli(int argc, char** argv, Config& cfg);

// Returns the --help text.
std::string help_text();

// Parses "250ms", "5s", "2m" or a bare number of seconds. Returns false on
// junk, and on a value past what millis holds (then *overflow is set, when given).
bool parse_duration(const std::string& text, millis& out, bool* overflow = nullptr);

// Parses a byte size such as "32768", "32k", "16m". Returns false on junk,
// and on a value past 2^64-1 bytes (then *overflow is set, when given).
bool parse_size(const std::string& text, std::uint64_t& out, bool* overflow = nullptr);

// Returns n * unit, or nullopt when that overflows a signed 64-bit count.
std::optional<std::int64_t> checked_scale(std::uint64_t n, std::uint64_t unit);

// Checks cross-key rules (root set, listen set, ranges). Returns "" or an error.
std::string validate_config(const Config& cfg);

}  // namespace filehttpd
