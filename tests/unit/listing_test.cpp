// Directory listings without sockets: the query and Accept decisions as a
// table, sorting, and the JSON and HTML renderings.
#include "listing.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(ListingQuery, Table) {
  using F = ListingFormat;
  using K = ListingKey;
  struct Row {
    const char* query;
    const char* accept;  // null: no Accept header
    F format;
    K key;
    bool descending;
  } rows[] = {
      {"", nullptr, F::html, K::name, false},
      {"format=json", nullptr, F::json, K::name, false},
      {"format=html", "application/json", F::html, K::name, false},
      {"sort=size&order=desc", nullptr, F::html, K::size, true},
      {"a=1&sort=mtime&format=json&order=asc", nullptr, F::json, K::mtime, false},
      {"sort=bogus&order=sideways&format=xml", nullptr, F::html, K::name, false},
      {"xsort=size", nullptr, F::html, K::name, false},
      {"", "application/json", F::json, K::name, false},
      {"", "text/html,application/json;q=0.9", F::html, K::name, false},
      {"", "text/html;q=0.5, application/json", F::json, K::name, false},
      {"", "*/*", F::html, K::name, false},
      {"", "application/*", F::json, K::name, false},
      {"", "application/json;q=0", F::html, K::name, false},
      {"", "text/*;q=0.2, application/json;q=0.8", F::json, K::name, false},
  };
  for (const Row& r : rows) {
    std::string accept = r.accept ? r.accept : "";
    ListingQuery q = parse_listing_query(r.query, r.accept ? &accept : nullptr);
    EXPECT_EQ(q.format, r.format) << r.query << " / " << accept;
    EXPECT_EQ(q.key, r.key) << r.query;
    EXPECT_EQ(q.descending, r.descending) << r.query;
  }
}

TEST(Listing, SortsByKeyAndOrderWithNameTies) {
  std::vector<ListingEntry> e = {{"b", false, 5, 300}, {"a", false, 5, 100}, {"c", true, 0, 200}, {"d", false, 9, 100}};
  auto names = [&] {
    std::string s;
    for (const auto& x : e) s += x.name;
    return s;
  };
  sort_listing(e, {ListingFormat::html, ListingKey::name, false});
  EXPECT_EQ(names(), "abcd");
  sort_listing(e, {ListingFormat::html, ListingKey::name, true});
  EXPECT_EQ(names(), "dcba");
  sort_listing(e, {ListingFormat::html, ListingKey::size, false});
  EXPECT_EQ(names(), "cabd");
  sort_listing(e, {ListingFormat::html, ListingKey::size, true});
  EXPECT_EQ(names(), "dbac");
  sort_listing(e, {ListingFormat::html, ListingKey::mtime, false});
  EXPECT_EQ(names(), "adcb");
}

TEST(Listing, JsonIsValidWhateverTheNames) {
  Listing l;
  l.entries = {{"dir", true, 0, 10},
               {"q\"uo\\te", false, 3, 20},
               {"tab\there\x01", false, 1, 30},
               {"caf\xc3\xa9", false, 2, 40},
               {"bad\xff\xc3(", false, 5, 50}};
  std::string out;
  render_listing_json(l, out);
  EXPECT_EQ(out,
            "[\n{\"name\":\"dir\",\"type\":\"directory\",\"size\":0,\"mtime\":10},"
            "\n{\"name\":\"q\\\"uo\\\\te\",\"type\":\"file\",\"size\":3,\"mtime\":20},"
            "\n{\"name\":\"tab\\u0009here\\u0001\",\"type\":\"file\",\"size\":1,\"mtime\":30},"
            "\n{\"name\":\"caf\xc3\xa9\",\"type\":\"file\",\"size\":2,\"mtime\":40},"
            "\n{\"name\":\"bad\\ufffd\\ufffd(\",\"type\":\"file\",\"size\":5,\"mtime\":50}\n]\n");
  std::string empty;
  render_listing_json(Listing{}, empty);
  EXPECT_EQ(empty, "[\n]\n");
}

TEST(Listing, HtmlEscapesNamesAndLinks) {
  Listing l;
  l.entries = {{"<b>&x y", false, 7, 0}, {"sub", true, 0, 0}};
  l.truncated = true;
  std::string out;
  render_listing_html(l, "/a&b/", out);
  EXPECT_NE(out.find("<title>Index of /a&amp;b/</title>"), std::string::npos) << out;
  EXPECT_NE(out.find("<a href=\"%3Cb%3E%26x%20y\">&lt;b&gt;&amp;x y</a></td><td>7</td>"), std::string::npos) << out;
  EXPECT_NE(out.find("<a href=\"sub/\">sub/</a></td><td>-</td>"), std::string::npos) << out;
  EXPECT_NE(out.find("<a href=\"../\">../</a>"), std::string::npos);
  EXPECT_NE(out.find("Only the first 100000 entries are listed."), std::string::npos);
}
