// Unit tests for ranges and conditional requests (RFC 9110 sections 13 and 14).
#include "static_file.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "http_date.hpp"

using namespace filehttpd;

namespace {

Request make_request(llhttp_method_t method, std::vector<std::pair<std::string, std::string>> headers) {
  Request r;
  r.method = method;
  for (auto& [n, v] : headers) {
    r.headers.push_back({n, v});
  }
  r.header_count = r.headers.size();
  return r;
}

}  // namespace

struct RangeCase {
  const char* header;
  std::uint64_t size;
  RangeKind kind;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
};

TEST(ParseRange, Table) {
  const RangeCase cases[] = {
      {"bytes=0-0", 10, RangeKind::satisfiable, {{0, 0}}},
      {"bytes=0-4", 10, RangeKind::satisfiable, {{0, 4}}},
      {"bytes=5-", 10, RangeKind::satisfiable, {{5, 9}}},
      {"bytes=-3", 10, RangeKind::satisfiable, {{7, 9}}},
      {"bytes=-30", 10, RangeKind::satisfiable, {{0, 9}}},
      {"bytes=2-100", 10, RangeKind::satisfiable, {{2, 9}}},
      {"bytes=0-1,4-5", 10, RangeKind::satisfiable, {{0, 1}, {4, 5}}},
      {"bytes=4-5, 0-1", 10, RangeKind::satisfiable, {{0, 1}, {4, 5}}},
      {"bytes=0-5,3-8", 10, RangeKind::satisfiable, {{0, 8}}},  // overlap coalesced
      {"bytes=0-1,2-3", 10, RangeKind::satisfiable, {{0, 3}}},  // adjacent coalesced
      {"bytes=10-", 10, RangeKind::unsatisfiable, {}},
      {"bytes=20-30", 10, RangeKind::unsatisfiable, {}},
      {"bytes=-0", 10, RangeKind::unsatisfiable, {}},
      {"bytes=0-0", 0, RangeKind::unsatisfiable, {}},
      {"bytes=5-2", 10, RangeKind::none, {}},  // malformed: ignored
      {"bytes=abc", 10, RangeKind::none, {}},
      {"items=0-1", 10, RangeKind::none, {}},
      {"bytes=", 10, RangeKind::none, {}},
      {"bytes=1-2-3", 10, RangeKind::none, {}},
      // Positions past 2^64-1 are past any file: ends clamp, starts are unsatisfiable.
      {"bytes=0-18446744073709551615", 10, RangeKind::satisfiable, {{0, 9}}},
      {"bytes=0-99999999999999999999999", 10, RangeKind::satisfiable, {{0, 9}}},
      {"bytes=99999999999999999999-", 10, RangeKind::unsatisfiable, {}},
      {"bytes=-99999999999999999999", 10, RangeKind::satisfiable, {{0, 9}}},
  };
  for (const auto& c : cases) {
    RangeSet rs = parse_range(c.header, c.size);
    EXPECT_EQ(rs.kind, c.kind) << c.header;
    ASSERT_EQ(rs.ranges.size(), c.ranges.size()) << c.header;
    for (std::size_t i = 0; i < c.ranges.size(); ++i) {
      EXPECT_EQ(rs.ranges[i].first, c.ranges[i].first) << c.header;
      EXPECT_EQ(rs.ranges[i].last, c.ranges[i].second) << c.header;
    }
  }
}

TEST(ParseRange, TooManyRangesServesWholeFile) {
  std::string h = "bytes=";
  for (int i = 0; i < 17; ++i) h += std::to_string(i * 2) + "-" + std::to_string(i * 2) + ",";
  EXPECT_EQ(parse_range(h, 1000).kind, RangeKind::none);
  std::string ok = "bytes=";
  for (int i = 0; i < 16; ++i) ok += std::to_string(i * 10) + "-" + std::to_string(i * 10) + ",";
  EXPECT_EQ(parse_range(ok, 1000).kind, RangeKind::satisfiable);
}

TEST(EtagList, Comparison) {
  EXPECT_TRUE(etag_list_matches("\"a\"", "\"a\"", false));
  EXPECT_TRUE(etag_list_matches("\"x\", \"a\"", "\"a\"", false));
  EXPECT_TRUE(etag_list_matches("*", "\"a\"", false));
  EXPECT_FALSE(etag_list_matches("W/\"a\"", "\"a\"", false));
  EXPECT_TRUE(etag_list_matches("W/\"a\"", "\"a\"", true));
  EXPECT_FALSE(etag_list_matches("\"b\"", "\"a\"", true));
  // An opaque-tag may hold commas (etagc, RFC 9110 section 8.8.3): the list
  // splits only outside its quotes, and a backslash in it is an ordinary byte.
  EXPECT_TRUE(etag_list_matches("\"a,b\"", "\"a,b\"", false));
  EXPECT_TRUE(etag_list_matches("\"x\", W/\"a,b\"", "\"a,b\"", true));
  EXPECT_FALSE(etag_list_matches("\"a,b\"", "\"a\"", true));
  EXPECT_FALSE(etag_list_matches("\"a,b\"", "\"b\"", true));
  EXPECT_TRUE(etag_list_matches("\"x\\\", \"a\"", "\"a\"", false));
  EXPECT_TRUE(etag_list_matches("\"x\\\", \"a\"", "\"x\\\"", false));
}

struct CondCase {
  const char* name;
  llhttp_method_t method;
  std::vector<std::pair<std::string, std::string>> headers;
  int expected;
};

TEST(Preconditions, Table) {
  Validators v;
  v.etag = "\"abc\"";
  v.mtime = 1000000000;  // Sun, 09 Sep 2001 01:46:40 GMT
  v.last_modified = format_http_date(v.mtime);
  const std::string same = format_http_date(v.mtime);
  const std::string before = format_http_date(v.mtime - 10);
  const std::string after = format_http_date(v.mtime + 10);
  const CondCase cases[] = {
      {"none", HTTP_GET, {}, 0},
      {"inm match", HTTP_GET, {{"If-None-Match", "\"abc\""}}, 304},
      {"inm weak match", HTTP_GET, {{"If-None-Match", "W/\"abc\""}}, 304},
      {"inm list", HTTP_GET, {{"If-None-Match", "\"x\", \"abc\""}}, 304},
      {"inm star", HTTP_HEAD, {{"If-None-Match", "*"}}, 304},
      {"inm miss", HTTP_GET, {{"If-None-Match", "\"zzz\""}}, 0},
      {"inm on put", HTTP_PUT, {{"If-None-Match", "\"abc\""}}, 412},
      {"ims same", HTTP_GET, {{"If-Modified-Since", same}}, 304},
      {"ims after", HTTP_GET, {{"If-Modified-Since", after}}, 304},
      {"ims before", HTTP_GET, {{"If-Modified-Since", before}}, 0},
      {"ims garbage", HTTP_GET, {{"If-Modified-Since", "yesterday"}}, 0},
      {"inm wins over ims", HTTP_GET, {{"If-None-Match", "\"zzz\""}, {"If-Modified-Since", after}}, 0},
      {"im match", HTTP_GET, {{"If-Match", "\"abc\""}}, 0},
      {"im miss", HTTP_GET, {{"If-Match", "\"zzz\""}}, 412},
      {"im weak never matches", HTTP_GET, {{"If-Match", "W/\"abc\""}}, 412},
      {"im star", HTTP_GET, {{"If-Match", "*"}}, 0},
      {"ius before", HTTP_GET, {{"If-Unmodified-Since", before}}, 412},
      {"ius same", HTTP_GET, {{"If-Unmodified-Since", same}}, 0},
      {"im wins over ius", HTTP_GET, {{"If-Match", "\"abc\""}, {"If-Unmodified-Since", before}}, 0},
      {"412 before 304", HTTP_GET, {{"If-Match", "\"zzz\""}, {"If-None-Match", "\"abc\""}}, 412},
  };
  for (const auto& c : cases) {
    Request r = make_request(c.method, c.headers);
    EXPECT_EQ(evaluate_preconditions(r, v), c.expected) << c.name;
  }
}

TEST(IfRange, EtagAndDate) {
  Validators v;
  v.etag = "\"abc\"";
  v.mtime = 1000000000;
  EXPECT_TRUE(if_range_matches(make_request(HTTP_GET, {}), v));
  EXPECT_TRUE(if_range_matches(make_request(HTTP_GET, {{"If-Range", "\"abc\""}}), v));
  EXPECT_FALSE(if_range_matches(make_request(HTTP_GET, {{"If-Range", "\"old\""}}), v));
  EXPECT_FALSE(if_range_matches(make_request(HTTP_GET, {{"If-Range", "W/\"abc\""}}), v));
  EXPECT_TRUE(if_range_matches(make_request(HTTP_GET, {{"If-Range", format_http_date(v.mtime)}}), v));
  EXPECT_FALSE(if_range_matches(make_request(HTTP_GET, {{"If-Range", format_http_date(v.mtime - 1)}}), v));
}

TEST(HttpDate, RoundTripAndOldForms) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_clf_date(784111777), "06/Nov/1994:08:49:37 +0000");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_FALSE(parse_http_date("not a date").has_value());
}

// Last-Modified is never later than the response's Date (RFC 9110 section
// 8.8.2.1): a file dated in the future is stamped with the current time, and
// the conditionals compare against that.
TEST(Validators, ClampedToTheDate) {
  const std::time_t now = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT
  const std::time_t y2100 = 4102444800;
  struct Row {
    std::time_t mtime;
    std::time_t date;
    std::time_t clamped;
  } rows[] = {
      {now - 60, now, now - 60}, {now, now, now}, {now + 1, now, now}, {y2100, now, now}, {0, now, 0},
      // Before the year 0000 (possible on tmpfs): the first second an HTTP-date can state.
      {-62167219201, now, -62167219200}, {std::numeric_limits<std::time_t>::min(), now, -62167219200},
      // A clock past the year 9999: the last second an HTTP-date can state.
      {253402300900, 253402300999, 253402300799},
  };
  for (const Row& r : rows) EXPECT_EQ(last_modified_time(r.mtime, r.date), r.clamped) << r.mtime;

  struct stat st {};
  st.st_ino = 7;
  st.st_size = 10;
  st.st_mtim.tv_sec = y2100;
  Validators v = make_validators(st, now);
  EXPECT_EQ(v.mtime, now);
  EXPECT_EQ(v.last_modified, "Tue, 14 Nov 2023 22:13:20 GMT");
  Validators later = make_validators(st, y2100 + 5);
  EXPECT_EQ(later.last_modified, "Fri, 01 Jan 2100 00:00:00 GMT");
  EXPECT_EQ(later.etag, v.etag) << "the tag is of the file, whatever the date";
  struct Cond {
    const char* name;
    const char* value;
    int result;
  } conds[] = {
      {"If-Modified-Since", "Tue, 14 Nov 2023 22:13:20 GMT", 304},
      {"If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT", 0},
      {"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT", 304},
      {"If-Unmodified-Since", "Tue, 14 Nov 2023 22:13:20 GMT", 0},
      {"If-Unmodified-Since", "Tue, 14 Nov 2023 22:13:19 GMT", 412},
      // A value that is not an HTTP-date is ignored (RFC 9110 sections 13.1.3, 13.1.4).
      {"If-Unmodified-Since", "Sun, 06 Nov 94 08:49:37 GMT", 0},
      {"If-Modified-Since", "Tue, 14 Nov 2023 22:13:20GMT", 0},
      {"If-Modified-Since", "Sun, 31 Feb 2100 00:00:00 GMT", 0},
      {"If-Unmodified-Since", "Sun, 31 Feb 2000 00:00:00 GMT", 0},
  };
  for (const Cond& c : conds)
    EXPECT_EQ(evaluate_preconditions(make_request(HTTP_GET, {{c.name, c.value}}), v), c.result) << c.name << c.value;
  EXPECT_TRUE(if_range_matches(make_request(HTTP_GET, {{"If-Range", "Tue, 14 Nov 2023 22:13:20 GMT"}}), v));
  EXPECT_FALSE(if_range_matches(make_request(HTTP_GET, {{"If-Range", "Fri, 01 Jan 2100 00:00:00 GMT"}}), v));
}
