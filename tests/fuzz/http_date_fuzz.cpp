// Fuzz target: HTTP dates. A text that parses formats back to a 29-byte
// IMF-fixdate that parses to the same time; any time formats to a date that
// parses to the time clamped into the years 0000-9999.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "http_date.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::time_t now = 1795000000;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto t = filehttpd::parse_http_date(text, now)) {
    std::string back = filehttpd::format_http_date(*t);
    if (back.size() != 29 || filehttpd::parse_http_date(back, now) != t) std::abort();
  }
  if (size >= sizeof(std::time_t)) {
    std::time_t t;
    std::memcpy(&t, data, sizeof t);
    std::string s = filehttpd::format_http_date(t);
    if (s.size() != 29 || filehttpd::parse_http_date(s, now) != filehttpd::clamp_http_date(t)) std::abort();
  }
  return 0;
}
