// The status counters without a server: summing slots, the exposition text,
// and status.allow's address blocks.
#include "metrics.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <llhttp.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <memory>
#include <regex>

#include "cidr.hpp"

using namespace filehttpd;

namespace {

sockaddr_storage v4(const char* a) {
  sockaddr_storage ss{};
  auto& in = reinterpret_cast<sockaddr_in&>(ss);
  in.sin_family = AF_INET;
  inet_pton(AF_INET, a, &in.sin_addr);
  return ss;
}

sockaddr_storage v6(const char* a) {
  sockaddr_storage ss{};
  auto& in = reinterpret_cast<sockaddr_in6&>(ss);
  in.sin6_family = AF_INET6;
  inet_pton(AF_INET6, a, &in.sin6_addr);
  return ss;
}

// Expects parse_cidr(text) to give ok and, when ok, family and prefix.
void expect_parsed(std::string_view text, bool ok, int family, unsigned prefix) {
  Cidr c;
  EXPECT_EQ(parse_cidr(text, c), ok) << text;
  if (!ok) return;
  EXPECT_EQ(c.family, family) << text;
  EXPECT_EQ(c.prefix, prefix) << text;
}

}  // namespace

TEST(Cidr, ParseTable) {
  struct Row {
    const char* text;
    bool ok;
    int family;
    unsigned prefix;
  } rows[] = {
      {"127.0.0.0/8", true, AF_INET, 8}, {"10.1.2.3", true, AF_INET, 32}, {"::1/128", true, AF_INET6, 128},
      {"fd00::/8", true, AF_INET6, 8},   {"0.0.0.0/0", true, AF_INET, 0}, {"unix:", true, AF_UNIX, 0},
      {"10.0.0.0/33", false, 0, 0},      {"::/129", false, 0, 0},         {"10.0.0.0/", false, 0, 0},
      {"10.0.0.0/8x", false, 0, 0},      {"localhost", false, 0, 0},      {"", false, 0, 0},
      {"10.0.0.0/-1", false, 0, 0},      {"unix:/run/x", false, 0, 0},
  };
  for (const Row& r : rows) expect_parsed(r.text, r.ok, r.family, r.prefix);
}

// A NUL anywhere refuses the entry (inet_pton would stop at it and read a
// shorter text); an IPv4-mapped block is the IPv4 block it maps.
TEST(Cidr, NulAndMappedBlocks) {
  using namespace std::string_view_literals;
  struct Row {
    std::string_view text;
    bool ok;
    int family;
    unsigned prefix;
  } rows[] = {
      {"10.9.9.9\0junk/8"sv, false, 0, 0},
      {"10.9.9.9/8\0"sv, false, 0, 0},
      {"\0"sv, false, 0, 0},
      {"unix:\0"sv, false, 0, 0},
      {"10.9.9.9/8"sv, true, AF_INET, 8},
      {"::ffff:10.0.0.0/104"sv, true, AF_INET, 8},
      {"::ffff:10.1.2.3"sv, true, AF_INET, 32},
      {"::ffff:0.0.0.0/96"sv, true, AF_INET, 0},
      {"::FFFF:192.168.0.0/112"sv, true, AF_INET, 16},
      {"::ffff:0:0/95"sv, true, AF_INET6, 95},  // wider than the mapped space: stays IPv6
      {"::/0"sv, true, AF_INET6, 0},
      {"64:ff9b::10.0.0.0/104"sv, true, AF_INET6, 104},
  };
  for (const Row& r : rows) expect_parsed(r.text, r.ok, r.family, r.prefix);
  Cidr mapped;
  ASSERT_TRUE(parse_cidr("::ffff:10.0.0.0/104", mapped));
  EXPECT_TRUE(cidr_allows({mapped}, v4("10.200.0.1")));
  EXPECT_TRUE(cidr_allows({mapped}, v6("::ffff:10.200.0.1")));
  EXPECT_FALSE(cidr_allows({mapped}, v4("11.0.0.1")));
  EXPECT_FALSE(cidr_allows({mapped}, v6("::10.200.0.1")));
}

TEST(Cidr, AllowsTable) {
  auto blocks = [](std::initializer_list<const char*> texts) {
    std::vector<Cidr> out;
    for (const char* t : texts) {
      Cidr c;
      EXPECT_TRUE(parse_cidr(t, c)) << t;
      out.push_back(c);
    }
    return out;
  };
  sockaddr_storage unix_peer{};
  unix_peer.ss_family = AF_UNIX;
  struct Row {
    std::vector<Cidr> allow;
    sockaddr_storage peer;
    bool allowed;
  } rows[] = {
      {blocks({"127.0.0.0/8", "::1/128"}), v4("127.0.0.1"), true},
      {blocks({"127.0.0.0/8", "::1/128"}), v4("127.200.3.4"), true},
      {blocks({"127.0.0.0/8", "::1/128"}), v4("128.0.0.1"), false},
      {blocks({"127.0.0.0/8", "::1/128"}), v6("::1"), true},
      {blocks({"127.0.0.0/8", "::1/128"}), v6("::2"), false},
      {blocks({"127.0.0.0/8"}), v6("::ffff:127.0.0.1"), true},  // an IPv4 client on a dual-stack socket
      {blocks({"10.0.0.0/8"}), v6("::ffff:127.0.0.1"), false},
      {blocks({"192.168.0.0/20"}), v4("192.168.15.255"), true},  // a prefix inside a byte
      {blocks({"192.168.0.0/20"}), v4("192.168.16.0"), false},
      {blocks({"fd00::/8"}), v6("fd12:3456::1"), true},
      {blocks({"fd00::/8"}), v6("fe80::1"), false},
      {blocks({"0.0.0.0/0"}), v4("203.0.113.9"), true},
      {blocks({"0.0.0.0/0"}), v6("2001:db8::1"), false},
      {blocks({}), v4("127.0.0.1"), false},
      {blocks({"127.0.0.0/8"}), unix_peer, false},
      {blocks({"unix:"}), unix_peer, true},
  };
  int i = 0;
  for (const Row& r : rows) EXPECT_EQ(cidr_allows(r.allow, r.peer), r.allowed) << "row " << i++;
}

// Every slot a worker was given is summed; gauges and totals alike; slots
// never given are not read.
TEST(Metrics, SnapshotSumsTheSlotsInUse) {
  auto m = std::make_unique<SharedMetrics>();
  m->slots_seen = 3;
  m->start_mono_ns = 1'000'000'000;
  m->start_unix = 1'700'000'000;
  m->respawns = 2;
  m->reloads = 1;
  m->supervisor_log_dropped = 4;
  for (int s = 0; s < 3; ++s) {
    bump(m->slots[s].requests[0][1], 10);  // GET 2xx
    bump(m->slots[s].body_bytes, 1000);
    bump(m->slots[s].open, 2);
    bump(m->slots[s].log_dropped);
    bump(m->slots[s].rejections[static_cast<std::size_t>(Rejection::malformed)]);
    bump(m->slots[s].accept_errors[static_cast<std::size_t>(AcceptError::memory)], 2);
  }
  bump(m->slots[5].requests[0][1], 999);  // beyond slots_seen: never given to a worker
  MetricsSnapshot s = metrics_snapshot(*m, 3'500'000'000, "9.9.9");
  EXPECT_EQ(s.requests[0][1], 30u);
  EXPECT_EQ(s.body_bytes, 3000u);
  EXPECT_EQ(s.open, 6u);
  EXPECT_EQ(s.log_dropped, 3u + 4u);
  EXPECT_EQ(s.rejections[static_cast<std::size_t>(Rejection::malformed)], 3u);
  EXPECT_EQ(s.accept_errors[static_cast<std::size_t>(AcceptError::memory)], 6u);
  EXPECT_EQ(s.respawns, 2u);
  EXPECT_EQ(s.reloads, 1u);
  EXPECT_DOUBLE_EQ(s.uptime_seconds, 2.5);
  EXPECT_EQ(s.start_unix, 1'700'000'000u);
}

// The exposition: each family has HELP and TYPE before its samples, every
// sample line is NAME{LABELS} VALUE, and the values are the snapshot's.
TEST(Metrics, ExpositionFormat) {
  MetricsSnapshot s;
  s.requests[static_cast<std::size_t>(MethodLabel::post)][4] = 7;
  s.body_bytes = 12345678901234ull;
  s.cgi_running = 3;
  s.rejections[static_cast<std::size_t>(Rejection::uri_too_long)] = 5;
  s.accept_errors[static_cast<std::size_t>(AcceptError::other)] = 4;
  s.tls_handshakes[static_cast<std::size_t>(TlsHandshake::ok_tls13)] = 9;
  s.tls_connections[static_cast<std::size_t>(TlsSendPath::userspace)] = 6;
  s.h2_data_bytes[static_cast<std::size_t>(H2DataPath::by_reference)] = 1048576;
  s.uptime_seconds = 12.3456;
  s.version = "1.2.3";
  s.compress_hits = 11;
  s.compress_fills = 2;
  s.compress_evictions = 1;
  std::string out;
  render_metrics(s, out);
  EXPECT_NE(out.find("# TYPE filehttpd_compress_cache_hits_total counter\nfilehttpd_compress_cache_hits_total 11\n"),
            std::string::npos);
  EXPECT_NE(out.find("filehttpd_compress_cache_fills_total 2\n"), std::string::npos);
  EXPECT_NE(out.find("filehttpd_compress_cache_evictions_total 1\n"), std::string::npos);
  EXPECT_NE(out.find("filehttpd_requests_total{method=\"POST\",code=\"5xx\"} 7\n"), std::string::npos);
  EXPECT_NE(out.find("filehttpd_response_body_bytes_total 12345678901234\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE filehttpd_cgi_running gauge\nfilehttpd_cgi_running 3\n"), std::string::npos);
  EXPECT_NE(out.find("filehttpd_rejections_total{reason=\"uri_too_long\"} 5\n"), std::string::npos);
  EXPECT_EQ(out.find("reason=\"none\""), std::string::npos);
  EXPECT_NE(out.find("# TYPE filehttpd_accept_errors_total counter\n"
                     "filehttpd_accept_errors_total{reason=\"fd_limit\"} 0\n"
                     "filehttpd_accept_errors_total{reason=\"memory\"} 0\n"
                     "filehttpd_accept_errors_total{reason=\"other\"} 4\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# TYPE filehttpd_tls_handshakes_total counter\n"
                     "filehttpd_tls_handshakes_total{result=\"ok\",version=\"TLSv1.2\"} 0\n"
                     "filehttpd_tls_handshakes_total{result=\"ok\",version=\"TLSv1.3\"} 9\n"
                     "filehttpd_tls_handshakes_total{result=\"failed\",version=\"none\"} 0\n"
                     "filehttpd_tls_handshakes_total{result=\"not_tls\",version=\"none\"} 0\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# TYPE filehttpd_tls_connections_total counter\n"
                     "filehttpd_tls_connections_total{send_path=\"ktls\"} 0\n"
                     "filehttpd_tls_connections_total{send_path=\"userspace\"} 6\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# TYPE filehttpd_h2_data_bytes_total counter\n"
                     "filehttpd_h2_data_bytes_total{path=\"by_reference\"} 1048576\n"
                     "filehttpd_h2_data_bytes_total{path=\"copied\"} 0\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("filehttpd_uptime_seconds 12.346\n"), std::string::npos);
  EXPECT_NE(out.find("filehttpd_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');

  std::regex sample_re(R"([a-z_][a-z0-9_]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.]+)");
  std::string typed;  // the family whose TYPE came last
  int samples = 0;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t nl = out.find('\n', pos);
    std::string line = out.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("# TYPE ")) {
      typed = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    ++samples;
    EXPECT_TRUE(std::regex_match(line, sample_re)) << line;
    EXPECT_TRUE(line.starts_with(typed)) << line << " follows the TYPE of " << typed;
  }
  // 5: the auth and access counters
  EXPECT_EQ(samples, static_cast<int>(k_methods * k_status_classes + (k_rejections - 1) + k_accept_errors + k_tls_handshakes +
                                     k_tls_send_paths + k_h2_data_paths + 16 + 5));
}


// The version label is escaped as the exposition format asks: backslash,
// double quote and newline.
TEST(Metrics, VersionLabelIsEscaped) {
  struct Row {
    const char* version;
    const char* line;
  } rows[] = {
      {"1.2.3", "filehttpd_build_info{version=\"1.2.3\"} 1\n"},
      {"1.2\"x", "filehttpd_build_info{version=\"1.2\\\"x\"} 1\n"},
      {"a\\b", "filehttpd_build_info{version=\"a\\\\b\"} 1\n"},
      {"a\nb", "filehttpd_build_info{version=\"a\\nb\"} 1\n"},
      {"", "filehttpd_build_info{version=\"\"} 1\n"},
  };
  for (const Row& r : rows) {
    MetricsSnapshot s;
    s.version = r.version;
    std::string out;
    render_metrics(s, out);
    EXPECT_NE(out.find(r.line), std::string::npos) << r.version << "\n" << out;
  }
}

TEST(Metrics, MethodLabels) {
  EXPECT_EQ(method_label(HTTP_GET), MethodLabel::get);
  EXPECT_EQ(method_label(HTTP_HEAD), MethodLabel::head);
  EXPECT_EQ(method_label(HTTP_POST), MethodLabel::post);
  EXPECT_EQ(method_label(HTTP_PUT), MethodLabel::put);
  EXPECT_EQ(method_label(HTTP_DELETE), MethodLabel::del);
  EXPECT_EQ(method_label(HTTP_OPTIONS), MethodLabel::options);
  EXPECT_EQ(method_label(HTTP_PATCH), MethodLabel::other);
  EXPECT_EQ(method_label(HTTP_PROPFIND), MethodLabel::other);
}
