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

TEST(HttpsRedirect, LocationTable) {
  struct Row {
    const char* host;
    const char* port;
    const char* target;
    const char* location;
  };
  const Row rows[] = {
      {"example.org", "443", "/", "https://example.org/"},
      {"example.org:80", "443", "/a?b=c", "https://example.org/a?b=c"},
      {"example.org:8080", "8443", "/a/b", "https://example.org:8443/a/b"},
      {"127.0.0.1:8080", "8443", "/x", "https://127.0.0.1:8443/x"},
      {"[::1]:8080", "8443", "/x", "https://[::1]:8443/x"},
      {"[::1]", "443", "/", "https://[::1]/"},
      {"Example.ORG", "443", "/%41?q", "https://Example.ORG/%41?q"},
      {"", "443", "/", ""},
      {":80", "443", "/", ""},
      {"example.org", "443", "*", "https://example.org/*"},
  };
  for (const Row& r : rows) EXPECT_EQ(https_location(r.host, r.port, r.target), r.location) << r.host << r.target;
}

TEST(HttpsRedirect, AcmeChallengeTable) {
  EXPECT_TRUE(is_acme_challenge("/.well-known/acme-challenge/token123"));
  EXPECT_TRUE(is_acme_challenge("/.well-known/acme-challenge/"));
  EXPECT_FALSE(is_acme_challenge("/.well-known/acme-challenge"));
  EXPECT_FALSE(is_acme_challenge("/.well-known/other"));
  EXPECT_FALSE(is_acme_challenge("/"));
  EXPECT_FALSE(is_acme_challenge("/x/.well-known/acme-challenge/t"));
}

TEST(HttpsRedirect, FirstTlsPort) {
  TlsConfig t;
  EXPECT_EQ(first_tls_port(t), "443");
  t.listen = {"unix:/run/x.sock", "0.0.0.0:8443", "[::]:9443"};
  EXPECT_EQ(first_tls_port(t), "8443");
  t.listen = {"[::]:9443"};
  EXPECT_EQ(first_tls_port(t), "9443");
}
