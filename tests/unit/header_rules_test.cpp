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
