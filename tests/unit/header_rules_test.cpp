// [[headers]] rules as tables: which paths a rule matches, and what the lines come to.
#include "header_rules.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(HeaderRules, Matching) {
  struct Row {
    const char* rule;
    const char* path;
    bool match;
  } rows[] = {
      {"/assets", "/assets", true},
      {"/assets", "/assets/app.js", true},
      {"/assets", "/assetsx/app.js", false},
      {"/assets/", "/assets/app.js", true},
      {"/", "/anything", true},
      {"/a/b", "/a", false},
      {"*.js", "/deep/dir/app.js", true},
      {"*.js", "/app.json", false},
      {"/assets/*.css", "/assets/x/y.css", true},
      {"/img/?.png", "/img/a.png", true},
      {"/img/?.png", "/img/ab.png", false},
      {"/[ab]/*", "/b/x", true},
      {"/[ab]/*", "/c/x", false},
      // An empty path (config refuses it) matches nothing, and reads no byte before its start.
      {"", "/x", false},
      {"", "", false},
  };
  for (const Row& r : rows) {
    HeaderRule rule{r.rule, {}};
    EXPECT_EQ(rule_matches(rule, r.path), r.match) << r.rule << " ~ " << r.path;
  }
}

TEST(HeaderRules, InOrderAndTheLastRuleWins) {
  std::vector<HeaderRule> rules = {
      {"/", {{"X-Frame-Options", "DENY"}, {"Cache-Control", "no-cache"}}},
      {"/assets", {{"cache-control", "max-age=31536000, immutable"}}},
      {"*.html", {{"X-Extra", "1"}}},
  };
  FieldList out;
  append_rule_headers(rules, "/assets/app.js", out);
  EXPECT_EQ(out.http1_lines(), "X-Frame-Options: DENY\r\ncache-control: max-age=31536000, immutable\r\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].name, "cache-control");
  EXPECT_EQ(out[1].value, "max-age=31536000, immutable");
  out.clear();
  append_rule_headers(rules, "/index.html", out);
  EXPECT_EQ(out.http1_lines(), "X-Frame-Options: DENY\r\nCache-Control: no-cache\r\nX-Extra: 1\r\n");
  out.clear();
  append_rule_headers({}, "/index.html", out);
  EXPECT_TRUE(out.empty());
}

TEST(HeaderRules, VaryMergesTokensOnce) {
  struct Row {
    const char* server;
    const char* rule;
    const char* merged;
  } rows[] = {
      {"Accept-Encoding", "Origin", "Accept-Encoding, Origin"},
      {"Accept-Encoding", "accept-encoding", "Accept-Encoding"},
      {"Accept-Encoding", "Origin, ACCEPT-ENCODING, Origin", "Accept-Encoding, Origin"},
      {"Accept", "Accept-Language,  Accept", "Accept, Accept-Language"},
      {"Accept", "*", "*"},
      {"*", "Origin", "*"},
      {"", "Origin, Origin", "Origin"},
      {"Accept", "", "Accept"},
  };
  for (const Row& r : rows) EXPECT_EQ(merge_vary(r.server, r.rule), r.merged) << r.server << " + " << r.rule;
}

TEST(HeaderRules, ARuleVaryJoinsTheServersVaryLine) {
  std::vector<HeaderRule> rules = {
      {"/", {{"vary", "Accept-Encoding, Origin"}, {"X-A", "1"}}},
  };
  struct Row {
    std::vector<Field> head;
    const char* out;
  } rows[] = {
      {{{"Vary", "Accept-Encoding"}, {"ETag", "\"x\""}},
       "Vary: Accept-Encoding, Origin\r\nETag: \"x\"\r\nX-A: 1\r\n"},
      {{{"ETag", "\"x\""}, {"Vary", "Accept"}},
       "ETag: \"x\"\r\nVary: Accept, Accept-Encoding, Origin\r\nX-A: 1\r\n"},
      {{{"X-Vary", "no"}}, "X-Vary: no\r\nvary: Accept-Encoding, Origin\r\nX-A: 1\r\n"},
  };
  for (const Row& r : rows) {
    FieldList out;
    for (const Field& f : r.head) out.add(f.name, f.value);
    append_rule_headers(rules, "/x", out);
    EXPECT_EQ(out.http1_lines(), r.out);
    EXPECT_EQ(out[out.size() - 1].value, "1");  // the index follows a merged value's new length
  }
  // Without a server Vary, the rule's own value still lists each token once.
  FieldList out;
  append_rule_headers({{"/", {{"Vary", "Origin, origin, Accept"}}}}, "/x", out);
  EXPECT_EQ(out.http1_lines(), "Vary: Origin, Accept\r\n");
}
