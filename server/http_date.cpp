#include "http_date.hpp"

#include <cstring>

namespace filehttpd {

std::string format_http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
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

const std::string& cached_http_date() {
  static std::string value;
  static std::time_t at = 0;
  std::time_t now = std::time(nullptr);
  if (now != at) {
    at = now;
    value = format_http_date(now);
  }
  return value;
}

}  // namespace filehttpd
