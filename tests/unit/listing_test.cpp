// Directory listings without sockets: the query and Accept decisions as a
// table, sorting, keeping the first entries of a directory over the cap (a
// small cap here), and the JSON and HTML renderings.
#include "listing.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

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
      // Type and subtype are case-insensitive (RFC 9110 section 8.3.1).
      {"", "Application/JSON", F::json, K::name, false},
      {"", "APPLICATION/*", F::json, K::name, false},
      {"", "TEXT/HTML, application/json;q=0.9", F::html, K::name, false},
      {"", "Text/*;q=0.9, application/json", F::json, K::name, false},
      {"", "text/html;q=0.5, Application/Json", F::json, K::name, false},
      {"", "application/JSON;Q=0", F::html, K::name, false},
      // An item whose weight is not a qvalue is ignored.
      {"", "text/html;q=-1, application/json;q=0.5", F::json, K::name, false},
      {"", "text/html;q=nan, application/json;q=0.1", F::json, K::name, false},
      {"", "application/json;q=nan", F::html, K::name, false},
      {"", "application/json;q=2, text/html;q=0.5", F::html, K::name, false},
      // A comma inside a quoted parameter does not start a new item.
      {"", "text/html;x=\"a,application/json\"", F::html, K::name, false},
      {"", "text/html;x=\"a,b\";q=0.1, application/json;q=0.5", F::json, K::name, false},
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
  l.total = 9;
  std::string out;
  render_listing_html(l, "/a&b/", out);
  EXPECT_NE(out.find("<title>Index of /a&amp;b/</title>"), std::string::npos) << out;
  EXPECT_NE(out.find("<a href=\"%3Cb%3E%26x%20y\">&lt;b&gt;&amp;x y</a></td><td>7</td>"), std::string::npos) << out;
  EXPECT_NE(out.find("<a href=\"sub/\">sub/</a></td><td>-</td>"), std::string::npos) << out;
  EXPECT_NE(out.find("<a href=\"../\">../</a>"), std::string::npos);
  EXPECT_NE(out.find("Only the first 2 of 9 entries are listed."), std::string::npos) << out;
  std::string whole;
  l.truncated = false;
  render_listing_html(l, "/", whole);
  EXPECT_EQ(whole.find("Only the first"), std::string::npos);
}

// The HTML page is UTF-8: a name's bytes that are not UTF-8 show as U+FFFD,
// while its link is percent-encoded from the raw bytes, so it still works.
TEST(Listing, HtmlNamesAreValidUtf8) {
  struct Row {
    std::string name;
    const char* link;  // the expected row's start: href and visible text
  } rows[] = {
      {"plain.txt", "<a href=\"plain.txt\">plain.txt</a>"},
      {"caf\xc3\xa9", "<a href=\"caf%C3%A9\">caf\xc3\xa9</a>"},
      {"\xe2\x82\xac", "<a href=\"%E2%82%AC\">\xe2\x82\xac</a>"},
      {"a\xff" "b", "<a href=\"a%FFb\">a\xef\xbf\xbd" "b</a>"},
      {"latin\xe9", "<a href=\"latin%E9\">latin\xef\xbf\xbd</a>"},
      {"\xc0\xaf", "<a href=\"%C0%AF\">\xef\xbf\xbd\xef\xbf\xbd</a>"},  // overlong: one U+FFFD a byte
      {"\xed\xa0\x80", "<a href=\"%ED%A0%80\">\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd</a>"},  // a surrogate
      {"x\xe2\x82&", "<a href=\"x%E2%82%26\">x\xef\xbf\xbd\xef\xbf\xbd&amp;</a>"},  // a cut sequence
  };
  for (const Row& r : rows) {
    Listing l;
    l.entries.push_back({r.name, false, 1, 100});
    std::string out;
    render_listing_html(l, "/d\xff/", out);
    EXPECT_NE(out.find(r.link), std::string::npos) << r.name << "\n" << out;
    EXPECT_NE(out.find("<title>Index of /d\xef\xbf\xbd/</title>"), std::string::npos) << out;
  }
}

// A row's date is always an HTTP-date, however odd the file's mtime.
TEST(Listing, HtmlDatesStayInFourDigitYears) {
  struct Row {
    std::time_t mtime;
    const char* date;
  } rows[] = {
      {784111777, "<td>Sun, 06 Nov 1994 08:49:37 GMT</td>"},
      {-70000000000, "<td>Sat, 01 Jan 0000 00:00:00 GMT</td>"},
      {300000000000, "<td>Fri, 31 Dec 9999 23:59:59 GMT</td>"},
  };
  for (const Row& r : rows) {
    Listing l;
    l.entries.push_back({"f", false, 1, r.mtime});
    std::string out;
    render_listing_html(l, "/", out);
    EXPECT_NE(out.find(r.date), std::string::npos) << r.mtime << "\n" << out;
  }
}

namespace {

// Twelve entries with ties in size and in mtime, so names break them.
std::vector<ListingEntry> twelve() {
  std::vector<ListingEntry> e;
  for (int i = 0; i < 12; ++i)
    e.push_back({std::string(1, static_cast<char>('a' + (i * 5) % 12)), i % 4 == 3, static_cast<std::uint64_t>(i % 3),
                 static_cast<std::time_t>(100 + (i * 7) % 5)});
  return e;
}

std::string names_of(const std::vector<ListingEntry>& e) {
  std::string s;
  for (const auto& x : e) s += x.name;
  return s;
}

const ListingQuery k_orders[] = {
    {ListingFormat::json, ListingKey::name, false},  {ListingFormat::json, ListingKey::name, true},
    {ListingFormat::json, ListingKey::size, false},  {ListingFormat::json, ListingKey::size, true},
    {ListingFormat::json, ListingKey::mtime, false}, {ListingFormat::json, ListingKey::mtime, true},
};

}  // namespace

// Keeping the first cap entries while reading gives what sorting everything
// and cutting would, in every order, whatever order the entries come in.
TEST(Listing, KeepsTheFirstEntriesInTheAskedOrder) {
  for (const ListingQuery& q : k_orders) {
    std::vector<ListingEntry> all = twelve();
    sort_listing(all, q);
    for (std::size_t cap : {0u, 1u, 5u, 11u, 12u, 20u}) {
      std::string want = names_of(all).substr(0, cap);
      for (int feed = 0; feed < 3; ++feed) {  // as made, reversed, rotated
        std::vector<ListingEntry> in = twelve();
        if (feed == 1) std::reverse(in.begin(), in.end());
        if (feed == 2) std::rotate(in.begin(), in.begin() + 7, in.end());
        std::vector<ListingEntry> kept;
        for (ListingEntry& e : in) keep_listing_entry(kept, e, q, cap);
        EXPECT_LE(kept.size(), cap);
        sort_listing(kept, q);
        EXPECT_EQ(names_of(kept), want) << "key " << int(q.key) << " desc " << q.descending << " cap " << cap
                                        << " feed " << feed;
      }
    }
  }
}

// read_listing over a real directory of 12 files (and a dotfile) with a cap of 5.
TEST(Listing, ReadsTheFirstEntriesOfABigDirectory) {
  char tmpl[] = "/tmp/filehttpd-listing-unit-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::vector<ListingEntry> made = twelve();
  for (const ListingEntry& e : made) {
    std::string path = dir + "/" + e.name;
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(write(fd, "xx", e.size), static_cast<ssize_t>(e.size));
    close(fd);
    timespec times[2] = {{e.mtime, 0}, {e.mtime, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }
  close(open((dir + "/.hidden").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dfd, 0);
  for (auto& e : made) e.is_dir = false;
  for (const ListingQuery& q : k_orders) {
    std::vector<ListingEntry> all = made;
    sort_listing(all, q);
    Listing l;
    ASSERT_TRUE(read_listing(dfd, false, q, l, 5));
    sort_listing(l.entries, q);
    EXPECT_EQ(names_of(l.entries), names_of(all).substr(0, 5)) << int(q.key) << q.descending;
    EXPECT_TRUE(l.truncated);
    EXPECT_EQ(l.total, 12u);
    FieldList head;
    append_listing_fields(l, head);
    EXPECT_EQ(head.http1_lines(), "X-Listing-Truncated: true\r\nX-Listing-Total: 12\r\n");
  }
  Listing whole;
  ASSERT_TRUE(read_listing(dfd, true, k_orders[0], whole, 13));
  EXPECT_FALSE(whole.truncated);
  EXPECT_EQ(whole.total, 13u);
  EXPECT_EQ(whole.entries.size(), 13u);
  FieldList head;
  append_listing_fields(whole, head);
  EXPECT_TRUE(head.empty());
  close(dfd);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
