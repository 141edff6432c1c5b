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

// Returns the current date header value, formatted at most once per second.
const std::string& cached_http_date();

}  // namespace filehttpd
