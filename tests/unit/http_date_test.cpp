// HTTP-date parsing (RFC 9110 section 5.6.7): exactly the three forms, with
// real calendar dates; anything else is not a date (and a conditional
// request that carries it is evaluated as if the field were absent).
#include <gtest/gtest.h>

#include <limits>

#include "http_date.hpp"

using namespace filehttpd;

namespace {

constexpr std::time_t k_1994 = 784111777;     // Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::time_t k_now = 1795000000;     // Fri, 18 Nov 2026
constexpr std::time_t k_day = 86400;

struct DateRow {
  const char* text;
  std::optional<std::time_t> want;
};

TEST(HttpDate, ParsesOnlyTheThreeForms) {
  const DateRow rows[] = {
      // The valid neighbours.
      {"Sun, 06 Nov 1994 08:49:37 GMT", k_1994},
      {"Sunday, 06-Nov-94 08:49:37 GMT", k_1994},
      {"Sun Nov  6 08:49:37 1994", k_1994},
      {"Sun Nov 16 08:49:37 1994", k_1994 + 10 * k_day},
      {"Thu, 29 Feb 1996 00:00:00 GMT", 825552000},
      {"Wed, 01 Mar 2000 00:00:00 GMT", 951868800},
      {"Tue, 29 Feb 2000 00:00:00 GMT", 951782400},
      {"Sat, 06 Nov 1994 08:49:37 GMT", k_1994},  // a wrong day name is tolerated
      {"Sun, 06 Nov 1994 23:59:60 GMT", k_1994 + 15 * 3600 + 10 * 60 + 23},  // leap second
      {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
      // Not dates.
      {"Sun, 06 Nov 94 08:49:37 GMT", std::nullopt},  // two-digit year in IMF-fixdate
      {"Sun, 06 Nov 1994 08:49:37GMT", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37 GMT ", std::nullopt},
      {" Sun, 06 Nov 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37 UTC", std::nullopt},
      {"Sun, 6 Nov 1994 08:49:37 GMT", std::nullopt},
      {"sun, 06 nov 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 31 Feb 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 29 Feb 1900 08:49:37 GMT", std::nullopt},
      {"Sun, 31 Apr 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 00 Nov 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 24:00:00 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 08:60:00 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:61 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 8:49:37 GMT", std::nullopt},
      {"Sun, 06 Nov +994 08:49:37 GMT", std::nullopt},
      {"Sun, 06-Nov-94 08:49:37 GMT", std::nullopt},   // rfc850 needs the long day name
      {"Sunday, 06-Nov-1994 08:49:37 GMT", std::nullopt},
      {"Sunday, 31-Jun-94 08:49:37 GMT", std::nullopt},
      {"Sun Nov 6 08:49:37 1994", std::nullopt},
      {"Sun Nov 06 08:49:37 1994", k_1994},  // 2DIGIT is one of asctime's two day forms
      {"Sun Nov  6 08:49:37 94", std::nullopt},
      {"Sun Nov  6 08:49:37 1994 GMT", std::nullopt},
      {"", std::nullopt},
      {"not a date", std::nullopt},
  };
  for (const DateRow& r : rows) EXPECT_EQ(parse_http_date(r.text, k_now), r.want) << r.text;
}

// A two-digit rfc850 year is the year not more than 50 years in the future.
TEST(HttpDate, Rfc850CenturyFollowsNow) {
  const std::time_t y2070 = 3155760000;  // Wed, 01 Jan 2070 00:00:00 GMT
  const std::time_t y1977 = 220924800;   // Sat, 01 Jan 1977 00:00:00 GMT
  const std::time_t y2026 = 1767225600;  // Thu, 01 Jan 2026 00:00:00 GMT
  EXPECT_EQ(parse_http_date("Wednesday, 01-Jan-70 00:00:00 GMT", k_now), y2070);
  EXPECT_EQ(parse_http_date("Saturday, 01-Jan-77 00:00:00 GMT", k_now), y1977);
  EXPECT_EQ(parse_http_date("Thursday, 01-Jan-26 00:00:00 GMT", k_now), y2026);
  EXPECT_EQ(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT", 0), 0);
}

// Every time we format parses back to itself.
TEST(HttpDate, FormatParsesBack) {
  const std::time_t rows[] = {0, k_1994, k_now, 951782400, -1, 253402300799, -62135596800};
  for (std::time_t t : rows) {
    std::string text = format_http_date(t);
    EXPECT_EQ(text.size(), 29u) << text;
    EXPECT_EQ(parse_http_date(text, k_now), t) << text;
  }
}

// A time outside the years 0000-9999 (a file dated so on tmpfs) is formatted
// as the nearest one an HTTP-date can state, never as a malformed date.
TEST(HttpDate, FormatClampsToFourDigitYears) {
  constexpr std::time_t k_max = std::numeric_limits<std::time_t>::max();
  constexpr std::time_t k_min = std::numeric_limits<std::time_t>::min();
  struct Row {
    std::time_t t;
    const char* text;
  } rows[] = {
      {253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
      {253402300800, "Fri, 31 Dec 9999 23:59:59 GMT"},
      {k_max, "Fri, 31 Dec 9999 23:59:59 GMT"},
      {-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT"},
      {-62167219201, "Sat, 01 Jan 0000 00:00:00 GMT"},
      {-99999999999999, "Sat, 01 Jan 0000 00:00:00 GMT"},
      {k_min, "Sat, 01 Jan 0000 00:00:00 GMT"},
      {-62135596800, "Mon, 01 Jan 0001 00:00:00 GMT"},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(format_http_date(r.t), r.text) << r.t;
    EXPECT_EQ(parse_http_date(r.text, k_now), clamp_http_date(r.t)) << r.t;
  }
}

}  // namespace
