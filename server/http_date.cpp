#include "http_date.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace filehttpd {

namespace {

constexpr std::string_view k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view k_long_days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                            "Thursday", "Friday", "Saturday"};
constexpr std::string_view k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Formats t in UTC with a strftime pattern.
std::string format_utc(std::time_t t, const char* pattern) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, pattern, &tm);
  return std::string(buf, n);
}

// A cursor over a date string: each step consumes an exact piece or fails.
struct Reader {
  std::string_view s;
  bool ok = true;

  // Consumes lit exactly.
  void lit(std::string_view l) {
    if (ok && s.starts_with(l))
      s.remove_prefix(l.size());
    else
      ok = false;
  }
  // Consumes n digits and returns their value.
  int digits(std::size_t n) {
    int v = 0;
    if (!ok || s.size() < n) return ok = false, 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (s[i] < '0' || s[i] > '9') return ok = false, 0;
      v = v * 10 + (s[i] - '0');
    }
    s.remove_prefix(n);
    return v;
  }
  // Consumes one of names (case-sensitive, RFC 9110) and returns its index.
  template <std::size_t N>
  int name(const std::string_view (&names)[N]) {
    for (std::size_t i = 0; ok && i < N; ++i)
      if (s.starts_with(names[i])) {
        s.remove_prefix(names[i].size());
        return static_cast<int>(i);
      }
    ok = false;
    return 0;
  }
  // Consumes time-of-day = hour ":" minute ":" second.
  void time_of_day(std::tm& tm) {
    tm.tm_hour = digits(2);
    lit(":");
    tm.tm_min = digits(2);
    lit(":");
    tm.tm_sec = digits(2);
    if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) ok = false;
  }
};

bool is_leap(int year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

// Returns the time of a complete reading, or nullopt when the day does not exist.
std::optional<std::time_t> to_time(const Reader& r, std::tm tm, int year) {
  static constexpr int k_month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (!r.ok || !r.s.empty()) return std::nullopt;
  int last = k_month_days[tm.tm_mon] + (tm.tm_mon == 1 && is_leap(year) ? 1 : 0);
  if (tm.tm_mday < 1 || tm.tm_mday > last) return std::nullopt;
  tm.tm_year = year - 1900;
  return timegm(&tm);
}

// Reads what follows the day name in IMF-fixdate and rfc850-date:
// ", " day sep month sep year " " time-of-day " GMT"; returns the year digits' value.
int date_time_gmt(Reader& r, std::tm& tm, std::string_view sep, std::size_t year_digits) {
  r.lit(", ");
  tm.tm_mday = r.digits(2);
  r.lit(sep);
  tm.tm_mon = r.name(k_months);
  r.lit(sep);
  int year = r.digits(year_digits);
  r.lit(" ");
  r.time_of_day(tm);
  r.lit(" GMT");
  return year;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<std::time_t> parse_imf(std::string_view s) {
  Reader r{s};
  std::tm tm{};
  r.name(k_days);
  int year = date_time_gmt(r, tm, " ", 4);
  return to_time(r, tm, year);
}

// rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT".
std::optional<std::time_t> parse_rfc850(std::string_view s, std::time_t now) {
  Reader r{s};
  std::tm tm{};
  r.name(k_long_days);
  int yy = date_time_gmt(r, tm, "-", 2);
  std::tm today{};
  gmtime_r(&now, &today);
  int this_year = today.tm_year + 1900;
  int year = this_year - this_year % 100 + yy;
  if (year > this_year + 50) year -= 100;
  return to_time(r, tm, year);
}

// asctime-date: "Sun Nov  6 08:49:37 1994" (a one-digit day after a space).
std::optional<std::time_t> parse_asctime(std::string_view s) {
  Reader r{s};
  std::tm tm{};
  r.name(k_days);
  r.lit(" ");
  tm.tm_mon = r.name(k_months);
  r.lit(" ");
  if (r.ok && r.s.starts_with(' ')) {
    r.lit(" ");
    tm.tm_mday = r.digits(1);
  } else {
    tm.tm_mday = r.digits(2);
  }
  r.lit(" ");
  r.time_of_day(tm);
  r.lit(" ");
  int year = r.digits(4);
  return to_time(r, tm, year);
}

}  // namespace

std::time_t clamp_http_date(std::time_t t) {
  return std::clamp(t, k_http_date_min, k_http_date_max);
}

std::string format_http_date(std::time_t t) {
  t = clamp_http_date(t);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", k_days[tm.tm_wday].data(), tm.tm_mday,
                        k_months[tm.tm_mon].data(), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return std::string(buf, static_cast<std::size_t>(n));
}

std::optional<std::time_t> parse_http_date(std::string_view s, std::time_t now) {
  if (auto t = parse_imf(s)) return t;
  if (auto t = parse_rfc850(s, now)) return t;
  return parse_asctime(s);
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  return parse_http_date(s, std::time(nullptr));
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
