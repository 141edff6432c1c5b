// The syntax of request fields as tables: list items, and Host values (RFC
// 3986 authority without userinfo).
#include "field_syntax.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(ListItems, HasItem) {
  struct Row {
    const char* value;
    const char* item;
    bool has;
  } rows[] = {
      {"100-continue", "100-continue", true},
      {"100-Continue", "100-continue", true},
      {", 100-continue", "100-continue", true},
      {"foo, 100-continue ,bar", "100-continue", true},
      {"\t100-continue\t", "100-continue", true},
      {"", "100-continue", false},
      {"100-continued", "100-continue", false},
      {"x100-continue", "100-continue", false},
      {"foo; 100-continue", "100-continue", false},
  };
  for (const Row& r : rows) EXPECT_EQ(list_has_item(r.value, r.item), r.has) << r.value;
}

// Commas and semicolons inside a quoted string (with its quoted-pairs) do
// not split a list or an item's parameters (RFC 9110 sections 5.6.1, 5.6.4).
TEST(ListItems, SplitOutsideQuotesOnly) {
  struct Row {
    const char* value;
    std::vector<std::string_view> items;
  } rows[] = {
      {"a, b ,c", {"a", "b", "c"}},
      {"a,,b,", {"a", "b"}},
      {"text/html;x=\"a,b\"", {"text/html;x=\"a,b\""}},
      {"text/html;x=\"a,b\", text/plain", {"text/html;x=\"a,b\"", "text/plain"}},
      {"a;x=\"q\\\",b\", c", {"a;x=\"q\\\",b\"", "c"}},   // an escaped quote stays inside
      {"a;x=\"q\\\\\", c", {"a;x=\"q\\\\\"", "c"}},       // an escaped backslash does not escape the quote
      {"a;x=\"open, b", {"a;x=\"open, b"}},                    // an unclosed quote runs to the end
      {"W/\"x,y\", \"z\"", {"W/\"x,y\"", "\"z\""}},
  };
  for (const Row& r : rows) {
    std::vector<std::string_view> items;
    append_list_items(r.value, items);
    EXPECT_EQ(items, r.items) << r.value;
  }
  EXPECT_FALSE(list_has_item("x=\"a, 100-continue\"", "100-continue"));
  WeightedItem w = parse_weighted_item("text/html;x=\"a;q=0\";q=0.5");
  EXPECT_EQ(w.name, "text/html");
  EXPECT_TRUE(w.valid);
  EXPECT_DOUBLE_EQ(w.q, 0.5);
  w = parse_weighted_item("a;x=\"b;q=nan\"");
  EXPECT_TRUE(w.valid);
  EXPECT_DOUBLE_EQ(w.q, 1);
}

// iequals compares every byte, a NUL too, not the strings up to it.
TEST(Iequals, Table) {
  using namespace std::string_view_literals;
  struct Row {
    std::string_view a, b;
    bool equal;
  } rows[] = {
      {"Host"sv, "host"sv, true},          {"HOST"sv, "hOsT"sv, true},        {""sv, ""sv, true},
      {"a\0b"sv, "A\0B"sv, true},          {"a\0b"sv, "a\0c"sv, false},       {"\0x"sv, "\0y"sv, false},
      {"host"sv, "hosts"sv, false},        {"a"sv, "b"sv, false},             {"["sv, "{"sv, false},
      {"\xc4"sv, "\xe4"sv, false},          {"@"sv, "`"sv, false},
  };
  for (const Row& r : rows) EXPECT_EQ(iequals(r.a, r.b), r.equal) << r.a << " / " << r.b;
}

TEST(HostSyntax, Table) {
  struct Row {
    const char* value;
    bool valid;
  } rows[] = {
      // reg-name: unreserved, sub-delims, pct-encoded; any case; a final dot.
      {"", true},
      {"a", true},
      {"example.org", true},
      {"example.org.", true},
      {"EXAMPLE.org", true},
      {"xn--bcher-kva.example", true},
      {"under_score.example", true},
      {"tilde~.example", true},
      {"a!$&'()*+,;=b", true},
      {"a,b", true},  // a sub-delim: RFC 3986 allows it in a reg-name
      {"%41%7a.example", true},
      {"%4", false},
      {"%zz.example", false},
      {"a%", false},
      {"a b", false},
      {"a\tb", false},
      {"a, b", false},
      {"a/b@c", false},
      {"a/b", false},
      {"a\\b", false},
      {"a?b", false},
      {"a#b", false},
      {"a\"b", false},
      {"a<b", false},
      {"a{b", false},
      {"a[b", false},
      {"a]", false},
      {"\xc3\xa9.example", false},
      // No userinfo in Host (RFC 9110 section 4.2.1).
      {"user@a", false},
      {"user:pw@a", false},
      {"@a", false},
      // IPv4address, and digits that are only a reg-name.
      {"127.0.0.1", true},
      {"127.0.0.1:8080", true},
      {"256.1.1.1", true},
      {"1.2.3", true},
      // port = *DIGIT, at most 65535.
      {"a:80", true},
      {"EXAMPLE.org:80", true},
      {"a:0", true},
      {"a:65535", true},
      {"a:065535", true},
      {"a:", true},
      {"a:65536", false},
      {"a:99999", false},
      {"a:4294967376", false},
      {"a:99999999999999999999999", false},
      {"a:80x", false},
      {"a:x80", false},
      {"a:-1", false},
      {"a:+80", false},
      {"a: 80", false},
      {"a:80:90", false},
      {"a::80", false},
      // An http URI's host is never empty (RFC 9110 section 4.2.1).
      {":80", false},
      {":", false},
      // IP-literal: IPv6address.
      {"[::1]", true},
      {"[::1]:8080", true},
      {"[::]", true},
      {"[2001:db8::1]", true},
      {"[2001:DB8:0:0:0:0:0:1]", true},
      {"[1:2:3:4:5:6:7:8]", true},
      {"[1:2:3:4:5:6:7::]", true},
      {"[::2:3:4:5:6:7:8]", true},
      {"[::ffff:192.0.2.1]", true},
      {"[1:2:3:4:5:6:192.0.2.1]", true},
      {"[fe80::1]:65535", true},
      {"[1:2:3:4:5:6:7:8:9]", false},
      {"[1:2:3:4:5:6:7]", false},
      {"[1:2:3:4:5:6:7:8::]", false},
      {"[1::2::3]", false},
      {"[:::]", false},
      {"[:1::]", false},
      {"[1::2:]", false},
      {"[12345::1]", false},
      {"[::g]", false},
      {"[::ffff:192.0.2]", false},
      {"[::ffff:192.0.2.256]", false},
      {"[::ffff:192.0.02.1]", false},
      {"[::192.0.2.1:1]", false},
      {"[fe80::1%25eth0]", false},
      {"[::1", false},
      {"::1", false},
      {"[::1]8080", false},
      {"[::1]:80x", false},
      {"[::1]:65536", false},
      {"[]", false},
      {"[a.example]", false},
      // IP-literal: IPvFuture.
      {"[v1.x]", true},
      {"[vF.a:b!]:80", true},
      {"[v1.]", false},
      {"[v.x]", false},
      {"[vg.x]", false},
      {"[v1.a/b]", false},
  };
  for (const Row& r : rows) EXPECT_EQ(is_valid_host(r.value), r.valid) << "\"" << r.value << "\"";
}
