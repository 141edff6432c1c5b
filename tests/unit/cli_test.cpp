// Durations and sizes from flags and config keys: a table, overflow included;
// and the cross-key checks of validate_config.
#include "cli.hpp"

#include <gtest/gtest.h>

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
