// Durations and sizes from flags and config keys: a table, overflow included;
// the cross-key checks of validate_config; and what -t does with each kind
// of command line.
#include "cli.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace filehttpd;

TEST(ParseDuration, Table) {
  struct Row {
    const char* text;
    bool ok;
    long long ms;
    bool overflow;
  } rows[] = {
      {"30", true, 30000, false},
      {"30s", true, 30000, false},
      {"500ms", true, 500, false},
      {"2m", true, 120000, false},
      {"0", true, 0, false},
      {"", false, 0, false},
      {"soon", false, 0, false},
      {"5h", false, 0, false},
      {"-1", false, 0, false},
      {"9223372036854775", true, 9223372036854775000LL, false},
      {"9223372036854776", false, 0, true},
      {"18446744073709552", false, 0, true},
      {"1537228672809129302m", false, 0, false},  // 19 digits: more than we read as a number
      {"153722867280912930m", false, 0, true},
      {"153722867280913m", false, 0, true},
      {"999999999999999999ms", true, 999999999999999999LL, false},
  };
  for (const Row& r : rows) {
    millis out{-1};
    bool overflow = false;
    EXPECT_EQ(parse_duration(r.text, out, &overflow), r.ok) << r.text;
    EXPECT_EQ(overflow, r.overflow) << r.text;
    if (r.ok) {
      EXPECT_EQ(out.count(), r.ms) << r.text;
    }
  }
}

TEST(ParseSize, Table) {
  struct Row {
    const char* text;
    bool ok;
    unsigned long long bytes;
    bool overflow;
  } rows[] = {
      {"32768", true, 32768, false},
      {"32k", true, 32768, false},
      {"16M", true, 16ull << 20, false},
      {"1g", true, 1ull << 30, false},
      {"1t", false, 0, false},
      {"k", false, 0, false},
      {"17179869183g", true, 17179869183ull << 30, false},
      {"17179869184g", false, 0, true},
      {"17592186044416m", false, 0, true},
  };
  for (const Row& r : rows) {
    std::uint64_t out = 1;
    bool overflow = false;
    EXPECT_EQ(parse_size(r.text, out, &overflow), r.ok) << r.text;
    EXPECT_EQ(overflow, r.overflow) << r.text;
    if (r.ok) {
      EXPECT_EQ(out, r.bytes) << r.text;
    }
  }
}

// One address cannot speak both plain HTTP and TLS.
TEST(ValidateConfig, AnAddressInBothListenAndTlsListenIsRefused) {
  Config cfg;
  cfg.root = "/srv/www";
  cfg.profile = Profile::http;
  cfg.listen = {"127.0.0.1:8080", "127.0.0.1:8443"};
  cfg.tls.listen = {"127.0.0.1:8443"};
  cfg.tls.certificates.push_back({"/c.pem", "/k.pem", ""});
  EXPECT_EQ(validate_config(cfg), "listen spec '127.0.0.1:8443' is in both listen and tls.listen");
  cfg.listen = {"127.0.0.1:8080"};
  EXPECT_EQ(validate_config(cfg), "");
}

// -t with a file, with flags or with PORT DIR checks that configuration; with
// none of them it is a usage error. A bad command line under -t is a failed
// check (exit 1), as a bad file is; without -t it stays a usage error. The
// cases run one after another, as a reload parses again.
TEST(ParseCli, TestFlagTable) {
  struct Case {
    std::vector<std::string> args;
    CliAction action;
    std::string message_has;
  };
  const Case cases[] = {
      {{"-t"}, CliAction::usage_error, "-t needs -c FILE, PORT DIR or --root"},
      {{}, CliAction::usage_error, "missing PORT DIR"},
      {{"-t", "--root", "/srv/www", "--listen", "127.0.0.1:8080"}, CliAction::check_config, ""},
      {{"-t", "8080", "/srv/www"}, CliAction::check_config, ""},
      {{"-t", "--root", "/srv/www"}, CliAction::config_error, "no listen address given"},
      {{"--test-config", "--listen", "127.0.0.1:8080"}, CliAction::config_error, "no document root given"},
      {{"--root", "/srv/www"}, CliAction::usage_error, "no listen address given"},
      {{"--root", "/srv/www", "--listen", "127.0.0.1:8080"}, CliAction::run, ""},
  };
  for (const Case& c : cases) {
    std::vector<std::string> words = {"filehttpd"};
    words.insert(words.end(), c.args.begin(), c.args.end());
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    Config cfg;
    CliOutcome out = parse_cli(static_cast<int>(words.size()), argv.data(), cfg);
    std::string line;
    for (const std::string& a : c.args) line += a + " ";
    EXPECT_EQ(out.action, c.action) << line << "-> " << out.message;
    EXPECT_NE(out.message.find(c.message_has), std::string::npos) << line << "-> " << out.message;
  }
}
