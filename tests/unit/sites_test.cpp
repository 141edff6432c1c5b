// Sites as tables: which site an authority names (case, port, trailing dot,
// wildcards of one label), the names a [[site]] may have, and what a
// [[site]] table may set, with the key and line of each refusal.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config.hpp"
#include "config_text.hpp"
#include "config_sites.hpp"
#include "sites.hpp"

using namespace filehttpd;

namespace {

std::string load(const std::string& text, Config& cfg) { return unit_support::load_config_text(text, cfg); }

}  // namespace

TEST(Sites, HostKey) {
  struct Row {
    const char* authority;
    const char* key;
  } rows[] = {
      {"example.org", "example.org"},   {"Example.ORG", "example.org"},       {"example.org.", "example.org"},
      {"example.org:8080", "example.org"}, {"EXAMPLE.org.:443", "example.org"}, {"[::1]:8080", "[::1]"},
      {"[::1]", "[::1]"},              {"127.0.0.1:80", "127.0.0.1"},        {"", ""},
      {":80", ""},                     {".", ""},                             {"[::1", ""},
  };
  for (const Row& r : rows) {
    char buf[k_max_host];
    EXPECT_EQ(host_key(r.authority, buf), std::string_view(r.key)) << r.authority;
  }
  char buf[k_max_host];
  EXPECT_EQ(host_key(std::string(300, 'a'), buf), "");
}

TEST(Sites, NamesFindTheirSite) {
  SiteNames names;
  names.add("example.org", 0);
  names.add("www.example.org", 0);
  names.add("*.example.org", 1);
  names.add("blog.example.net", 2);
  names.add("*.dev.example.net", 3);
  struct Row {
    const char* authority;
    int site;
  } rows[] = {
      {"example.org", 0},          {"EXAMPLE.org:8080", 0},   {"www.example.org.", 0},  // exact wins over wildcard
      {"a.example.org", 1},        {"A.Example.Org:1", 1},    {"a.b.example.org", -1},  // one label only
      {"example.org.evil", -1},    {"xexample.org", -1},      {".example.org", -1},
      {"blog.example.net", 2},     {"x.blog.example.net", -1}, {"api.dev.example.net", 3},
      {"dev.example.net", -1},     {"", -1},                  {"[::1]:80", -1},
      {"127.0.0.1", -1},
  };
  for (const Row& r : rows) EXPECT_EQ(names.find(r.authority), r.site) << r.authority;
  EXPECT_EQ(SiteNames().find("example.org"), -1);
}

TEST(Sites, SiteNameForms) {
  struct Row {
    const char* name;
    const char* form;  // "" when refused
  } rows[] = {
      {"Example.ORG", "example.org"}, {"example.org.", "example.org"}, {"*.example.org", "*.example.org"},
      {"localhost", "localhost"},     {"xn--bcher-kva.example", "xn--bcher-kva.example"},
      {"example.org:8080", ""},       {"*", ""},                       {"*.", ""},
      {"a.*.org", ""},                {"*example.org", ""},            {"exa mple.org", ""},
      {"", ""},                       {"a..b", ""},                    {"[::1]", ""},
  };
  for (const Row& r : rows) EXPECT_EQ(site_name(r.name), r.form) << r.name;
}

TEST(Sites, ConfigTables) {
  struct Row {
    std::string text;
    const char* error;  // a part of the message; "" for none
  } rows[] = {
      {"[[site]]\nnames = [\"a.example\"]\nroot = \"/srv/a\"\n", ""},
      {"[[site]]\nnames = [\"a.example\"]\nindex = [\"home.html\"]\nlisting = true\n[site.cgi]\nenabled = false\n", ""},
      {"[[site]]\nroot = \"/srv/a\"\n", ":1:1: site[1] needs names"},
      {"[[site]]\nnames = []\n", ":2:9: site[1].names must be a non-empty array"},
      {"[[site]]\nnames = [\"a.example:80\"]\n", ":2:10: site[1].names: 'a.example:80' is not a host name"},
      {"[[site]]\nnames = [\"a.example\"]\n[[site]]\nnames = [\"b.example\", \"A.example.\"]\n",
       ":4:23: site[2].names: 'a.example' is given to two sites (lines 2 and 4)"},
      {"[[site]]\nnames = [\"a.example\"]\nworkers = 2\n", ":3:1: site[1]: 'workers' cannot be set per site"},
      {"[[site]]\nnames = [\"a.example\"]\n[site.cgi]\ntimeout = 5\n", ":4:1: site[1]: 'cgi.timeout' cannot be set per site"},
      {"[[site]]\nnames = [\"a.example\"]\nlisting = 1\n", ":3:11: site[1]: listing must be true or false"},
      {"[[site]]\nnames = [\"a.example\"]\nfallback = \"x\"\n", ":3:12: site[1]: fallback must start with '/'"},
      {"[[site]]\nnames = [\"a.example\"]\nprecompressed = [\"lz4\"]\n", "site[1]: precompressed entries must be"},
      {"site = 1\n", ":1:8: site must be [[site]] tables"},
      {"profile = \"classic\"\n[[site]]\nnames = [\"a.example\"]\n", "[[site]] needs profile = \"http\""},
  };
  for (const Row& r : rows) {
    Config cfg;
    cfg.profile = Profile::http;
    std::string err = load(r.text, cfg);
    if (*r.error == 0)
      EXPECT_EQ(err, "") << r.text;
    else
      EXPECT_NE(err.find(r.error), std::string::npos) << r.text << "\n" << err;
  }
}

TEST(Sites, SiteKeysOverTheTopLevel) {
  Config cfg;
  cfg.profile = Profile::http;
  std::string err = load(
      "index = [\"index.htm\"]\nlisting = true\n[mime]\n\".md\" = \"text/markdown\"\n"
      "[[site]]\nnames = [\"a.example\", \"*.a.example\"]\nroot = \"/srv/a\"\ndotfiles = true\n"
      "[site.error_pages]\n404 = \"/404.html\"\n"
      "[[site]]\nnames = [\"b.example\"]\nlisting = false\n[site.mime]\n\".x\" = \"text/x\"\n"
      "[cgi]\npaths = [\"/cgi-bin/\"]\n",
      cfg);
  ASSERT_EQ(err, "");
  ASSERT_EQ(cfg.sites.size(), 2u);
  const Config& a = *cfg.sites[0].cfg;
  const Config& b = *cfg.sites[1].cfg;
  EXPECT_EQ(cfg.sites[0].names, (std::vector<std::string>{"a.example", "*.a.example"}));
  EXPECT_EQ(a.root, "/srv/a");
  EXPECT_TRUE(a.dotfiles);
  EXPECT_TRUE(a.listing);                                        // from the top level
  EXPECT_EQ(a.index_files, std::vector<std::string>{"index.htm"});  // from the top level
  EXPECT_EQ(a.cgi.paths, std::vector<std::string>{"/cgi-bin/"});    // set after the site, still inherited
  EXPECT_EQ(a.error_pages.at(404), "/404.html");
  EXPECT_FALSE(cfg.sites[0].own_mime);
  EXPECT_TRUE(cfg.sites[1].own_mime);
  EXPECT_FALSE(b.listing);
  EXPECT_EQ(b.mime_types.size(), 1u);
  EXPECT_TRUE(cfg.error_pages.empty());
  EXPECT_FALSE(cfg.dotfiles);
  EXPECT_EQ(cfg.root, "");
}
