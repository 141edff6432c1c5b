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
  std::string out;
  append_rule_headers(rules, "/assets/app.js", out);
  EXPECT_EQ(out, "X-Frame-Options: DENY\r\ncache-control: max-age=31536000, immutable\r\n");
  out.clear();
  append_rule_headers(rules, "/index.html", out);
  EXPECT_EQ(out, "X-Frame-Options: DENY\r\nCache-Control: no-cache\r\nX-Extra: 1\r\n");
  out.clear();
  append_rule_headers({}, "/index.html", out);
  EXPECT_EQ(out, "");
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
    const char* head;
    const char* out;
  } rows[] = {
      {"HTTP/1.1 200 OK\r\nVary: Accept-Encoding\r\nETag: \"x\"\r\n",
       "HTTP/1.1 200 OK\r\nVary: Accept-Encoding, Origin\r\nETag: \"x\"\r\nX-A: 1\r\n"},
      {"HTTP/1.1 200 OK\r\nETag: \"x\"\r\nVary: Accept\r\n",
       "HTTP/1.1 200 OK\r\nETag: \"x\"\r\nVary: Accept, Accept-Encoding, Origin\r\nX-A: 1\r\n"},
      {"HTTP/1.1 200 OK\r\nX-Vary: no\r\n",
       "HTTP/1.1 200 OK\r\nX-Vary: no\r\nvary: Accept-Encoding, Origin\r\nX-A: 1\r\n"},
  };
  for (const Row& r : rows) {
    std::string out = r.head;
    append_rule_headers(rules, "/x", out);
    EXPECT_EQ(out, r.out);
  }
  // Without a server Vary, the rule's own value still lists each token once.
  std::string out = "HTTP/1.1 200 OK\r\n";
  append_rule_headers({{"/", {{"Vary", "Origin, origin, Accept"}}}}, "/x", out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nVary: Origin, Accept\r\n");
}
