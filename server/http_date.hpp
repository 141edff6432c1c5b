#pragma once
// HTTP-date formatting and parsing (RFC 9110 section 5.6.7).
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace filehttpd {

// The first and last second an HTTP-date can state (its year has four
// digits): 0000-01-01 00:00:00 and 9999-12-31 23:59:59 UTC.
inline constexpr std::time_t k_http_date_min = -62167219200;
inline constexpr std::time_t k_http_date_max = 253402300799;

// Returns t moved into [k_http_date_min, k_http_date_max].
std::time_t clamp_http_date(std::time_t t);

// Returns t as IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"; a time outside
// the years 0000-9999 is formatted as the nearest one an HTTP-date can state.
std::string format_http_date(std::time_t t);

// Parses exactly one of IMF-fixdate, rfc850-date and asctime-date with a
// real calendar date (hour 00-23, minute 00-59, second 00-60) and returns
// its time; nullopt for anything else. The day name must be a day name but
// may disagree with the date (RFC 9110 lets a recipient ignore it). An
// rfc850 two-digit year is the one not more than 50 years after now's year.
std::optional<std::time_t> parse_http_date(std::string_view s, std::time_t now);

// parse_http_date(s, now) with the current time.
std::optional<std::time_t> parse_http_date(std::string_view s);

// Returns t as the Common Log Format timestamp "10/Oct/2000:13:55:36 +0000".
std::string format_clf_date(std::time_t t);

// A string derived from the current second: make runs at most once a second.
class SecondCache {
 public:
  explicit SecondCache(std::string (*make)(std::time_t)) : make_(make) {}
  // Returns make(now), recomputed only when the second has changed.
  const std::string& get();

 private:
  std::string (*make_)(std::time_t);
  std::time_t at_ = -1;
  std::string value_;
};

}  // namespace filehttpd
