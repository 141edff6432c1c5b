#include "http_date.hpp"

#include <cstring>

namespace filehttpd {

namespace {

// Formats t in UTC with a strftime pattern.
std::string format_utc(std::time_t t, const char* pattern) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, pattern, &tm);
  return std::string(buf, n);
}

}  // namespace

std::string format_http_date(std::time_t t) {
  return format_utc(t, "%a, %d %b %Y %H:%M:%S GMT");
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  std::string str(s);
  static const char* const k_formats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  for (const char* fmt : k_formats) {
    std::tm tm{};
    const char* end = strptime(str.c_str(), fmt, &tm);
    if (end && *end == '\0') return timegm(&tm);
  }
  return std::nullopt;
}

std::string format_clf_date(std::time_t t) {
  return format_utc(t, "%d/%b/%Y:%H:%M:%S +0000");
}

const std::string& SecondCache::get() {
  std::time_t now = std::time(nullptr);
  if (now != at_) {
    at_ = now;
    value_ = make_(now);
  }
  return value_;
}

}  // namespace filehttpd
