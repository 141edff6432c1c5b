// status.allow, [mime] and tls.watch as read from a file: what -t must refuse, with the
// key and line, and what it accepts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "config.hpp"
#include "config_text.hpp"

using namespace filehttpd;

namespace {

std::string load(const std::string& text, Config& cfg) { return unit_support::load_config_text(text, cfg); }

TEST(ConfigFields, StatusAllowAndMime) {
  struct Row {
    std::string text;
    const char* error;  // a part of the message; "" for none
  } rows[] = {
      {"[status]\nallow = [\"10.0.0.0/8\"]\n", ""},
      {"[status]\nallow = [\"10.9.9.9\\u0000junk/8\"]\n", ":2:9: status.allow entries must be"},
      {"[status]\nallow = [\"127.0.0.1\", \"::1\\u0000\"]\n", ":2:9: status.allow entries must be"},
      {"[status]\nallow = [\"::ffff:10.0.0.0/104\"]\n", ""},
      {"[mime]\n\".md\" = \"Text/Markdown\"\n", ""},
      {"[mime]\n\".md\" = \"text/mark\\u0000down\"\n", ":2:9: mime.\".md\" must be a type/subtype"},
  };
  for (const Row& r : rows) {
    Config cfg;
    std::string err = load(r.text, cfg);
    if (*r.error == '\0') {
      EXPECT_EQ(err, "") << r.text;
    } else {
      EXPECT_NE(err.find(r.error), std::string::npos) << r.text << " -> " << err;
    }
  }
}

TEST(ConfigFields, TlsWatchKeys) {
  struct Row {
    std::string text;
    const char* error;  // a part of the message; "" for none
    bool watch;
    long long interval_ms;
  } rows[] = {
      {"[tls]\n", "", true, 60000},
      {"[tls]\nwatch = false\n", "", false, 60000},
      {"[tls]\nwatch_interval = \"1s\"\n", "", true, 1000},
      {"[tls]\nwatch_interval = \"5m\"\n", "", true, 300000},
      {"[tls]\nwatch_interval = 30\n", "", true, 30000},
      {"[tls]\nwatch = \"yes\"\n", ":2:9: tls.watch must be true or false", true, 60000},
      {"[tls]\nwatch_interval = \"500ms\"\n", ":2:18: tls.watch_interval must be a duration", true, 60000},
      {"[tls]\nwatch_interval = 0\n", ":2:18: tls.watch_interval must be a duration", true, 60000},
      {"[tls]\nwatch_interval = -5\n", ":2:18: tls.watch_interval must be a duration", true, 60000},
      {"[tls]\nwatch_interval = \"1441m\"\n", ":2:18: tls.watch_interval must be a duration", true, 60000},
      {"[tls]\nwatch_interval = \"soon\"\n", ":2:18: tls.watch_interval must be a duration", true, 60000},
  };
  for (const Row& r : rows) {
    Config cfg;
    std::string err = load(r.text, cfg);
    if (*r.error == 0) {
      EXPECT_EQ(err, "") << r.text;
    } else {
      EXPECT_NE(err.find(r.error), std::string::npos) << r.text << " gave " << err;
    }
    EXPECT_EQ(cfg.tls.watch, r.watch) << r.text;
    EXPECT_EQ(cfg.tls.watch_interval.count(), r.interval_ms) << r.text;
  }
}

}  // namespace
