// The pure TLS decisions: certificate names against SNI, the pick among
// certificates, protocol versions, and the first byte of a TLS connection.
#include <gtest/gtest.h>

#include "tls_context.hpp"
#include "tls_transport.hpp"

using namespace filehttpd;

TEST(TlsNames, MatchTable) {
  struct Row {
    const char* pattern;
    const char* host;
    bool match;
  };
  const Row rows[] = {
      {"example.org", "example.org", true},
      {"example.org", "EXAMPLE.org", true},
      {"Example.ORG", "example.org", true},
      {"example.org", "example.org.", true},  // a fully qualified name
      {"example.org", "www.example.org", false},
      {"www.example.org", "example.org", false},
      {"example.org", "", false},
      {"", "example.org", false},
      {"*.example.org", "www.example.org", true},
      {"*.example.org", "WWW.Example.Org", true},
      {"*.example.org", "example.org", false},        // the wildcard needs a label
      {"*.example.org", ".example.org", false},       // an empty label is none
      {"*.example.org", "a.b.example.org", false},    // one label only
      {"*.example.org", "wwwexample.org", false},
      {"*.example.org", "www.example.org.", true},
      {"*.org", "example.org", true},
      {"*", "example", false},                        // a bare star is no pattern
      {"w*.example.org", "www.example.org", false},   // partial-label wildcards are not taken
      {"example.org", "exampleXorg", false},
  };
  for (const Row& r : rows)
    EXPECT_EQ(tls_name_matches(r.pattern, r.host), r.match) << r.pattern << " vs " << r.host;
}

TEST(TlsNames, PickTable) {
  std::vector<std::vector<std::string>> names = {
      {"a.test", "localhost"},
      {"*.b.test", "b.test"},
      {"x.b.test"},
  };
  struct Row {
    const char* host;
    std::size_t index;
  };
  const Row rows[] = {
      {"a.test", 0},   {"localhost", 0}, {"b.test", 1},   {"www.b.test", 1},
      {"x.b.test", 2},  // an exact name wins over an earlier wildcard
      {"X.B.TEST", 2}, {"c.test", 0},    {"", 0},         {"y.x.b.test", 0},
  };
  for (const Row& r : rows) EXPECT_EQ(pick_certificate(names, r.host), r.index) << r.host;
  EXPECT_EQ(pick_certificate({}, "a.test"), 0u);
}

TEST(TlsVersions, ParseTable) {
  struct Row {
    const char* text;
    bool ok;
    int version;
  };
  const Row rows[] = {{"1.2", true, 12}, {"1.3", true, 13}, {"1.1", false, 0}, {"1.0", false, 0},
                      {"", false, 0},    {"1.20", false, 0}, {"TLSv1.3", false, 0}, {" 1.2", false, 0}};
  for (const Row& r : rows) {
    int v = 0;
    EXPECT_EQ(parse_tls_version(r.text, v), r.ok) << r.text;
    if (r.ok) {
      EXPECT_EQ(v, r.version) << r.text;
    }
  }
}

TEST(TlsFirstByte, OnlyAHandshakeRecordStartsTls) {
  EXPECT_TRUE(starts_tls_handshake(0x16));
  for (int c : {0x47, 0x50, 0x48, 0x4f, 0x0d, 0x0a, 0x14, 0x15, 0x17, 0x80, 0x00})
    EXPECT_FALSE(starts_tls_handshake(static_cast<unsigned char>(c))) << c;
}
