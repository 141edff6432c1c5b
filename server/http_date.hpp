#pragma once
// IMF-fixdate formatting and parsing (RFC 9110 section 5.6.7).
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace filehttpd {

// Returns t as "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);

// Parses IMF-fixdate, RFC 850 and asctime forms. Returns nullopt on junk.
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
