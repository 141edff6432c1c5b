// HTTP/2 features (issue 24, tests besides the defences): nghttp -nv over h2c
// and TLS, curl with prior knowledge and by ALPN, one connection carrying a
// 100-stream mix, a client with a 16 KiB window fetching 50 MiB, the access
// log's HTTP/2.0 lines, and the preface answered 505 while h2c is off.
#include "h2_fixture.hpp"

using namespace h2_support;

namespace {

// Waits until the access log at path has at least n lines (it is flushed on a tick); returns its lines.
std::vector<std::string> log_lines(const std::string& path, std::size_t n) {
  wait_until([&] { return lines_of(read_file(path)).size() >= n; }, 5s);
  return lines_of(read_file(path));
}

// Counts the lines holding needle.
int count_with(const std::vector<std::string>& lines, const std::string& needle) {
  int n = 0;
  for (const std::string& l : lines) n += l.find(needle) != std::string::npos;
  return n;
}

// Returns the server's SETTINGS frame as `nghttp -v` printed it (it prints its
// own first, with the same names), or "" when none came.
std::string server_settings(const std::string& nghttp_out) {
  auto from = nghttp_out.find("recv SETTINGS frame <length=");
  if (from == std::string::npos) return "";
  return nghttp_out.substr(from, nghttp_out.find("recv SETTINGS frame <length=0, flags=0x01") - from);
}

TEST_F(H2, NghttpVerboseOverH2c) {
  start_h2c();
  RunResult r = run({"nghttp", "-nv", "http://127.0.0.1:" + std::to_string(port_) + "/small.txt"}, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string server = server_settings(r.out);
  EXPECT_NE(server.find("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]"), std::string::npos) << r.out;
  EXPECT_NE(server.find("[SETTINGS_INITIAL_WINDOW_SIZE(0x04):1048576]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(") :status: 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(") content-length: 11"), std::string::npos) << r.out;
  // The body in one DATA frame that ends the stream (flags 0x01: END_STREAM, no padding).
  EXPECT_NE(r.out.find("recv DATA frame <length=11, flags=0x01, stream_id="), std::string::npos) << r.out;
}

// [h2] settings from the config file are what SETTINGS advertises.
TEST_F(H2, ConfiguredSettingsAreAdvertised) {
  std::string cfg = base_.write("h2.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) +
                                               "\"]\nh2c = true\n\n[h2]\nmax_concurrent_streams = 10\n"
                                               "initial_window = 65535\n");
  start_with({"-c", cfg});
  RunResult r = run({"nghttp", "-nv", url_ + "/small.txt"}, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string server = server_settings(r.out);
  EXPECT_NE(server.find("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):10]"), std::string::npos) << r.out;
  EXPECT_NE(server.find("[SETTINGS_INITIAL_WINDOW_SIZE(0x04):65535]"), std::string::npos) << r.out;
}

TEST_F(H2, CurlPriorKnowledgeGetsFilesAnd404) {
  start_h2c();
  RunResult r = curl({"--http2-prior-knowledge", "-w", "|%{http_version}|%{response_code}", url_ + "/small.txt"});
  EXPECT_EQ(r.out, "small file\n|2|200") << r.err;
  r = curl({"--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version}|%{response_code}", url_ + "/nope"});
  EXPECT_EQ(r.out, "2|404") << r.err;
  r = curl({"--http2-prior-knowledge", "-I", url_ + "/small.txt"});
  EXPECT_NE(r.out.find("HTTP/2 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("content-length: 11"), std::string::npos) << r.out;
}

// With h2c off (the default) the preface is not HTTP/1.1: 505, as before the
// h2 session existed, and Upgrade: h2c is ignored.
TEST_F(H2, PrefaceGets505WhileH2cIsOff) {
  start();
  std::string r = req("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  EXPECT_EQ(status_of(r), 505) << r;
  r = get("/small.txt", "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n");
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "small file\n");
  RunResult c = curl({"--http2-prior-knowledge", "-w", "%{http_version}", "-o", "/dev/null", url_ + "/small.txt"});
  EXPECT_NE(c.out, "2") << "h2c answered while off";
}

// One connection, 100 concurrent streams: the 50 MiB file, 59 small files,
// 20 slow CGI requests, a 5 MiB CGI upload and 19 404s; every answer exact, and
// the small files all done before the big one.
TEST_F(H2, HundredStreamsOfAMixOnOneConnection) {
  put_big(true);
  for (int i = 1; i < 60; ++i) put("small/" + std::to_string(i) + ".txt", "small " + std::to_string(i) + "\n");
  put("slow.cgi", "#!/bin/sh\nsleep 1\nprintf 'Content-Type: text/plain\\r\\n\\r\\nslow %s' \"$QUERY_STRING\"\n", 0755);
  put_upload_cgi();
  start_h2c();
  Measured m = run_client("mix.py", {"--root", root_}, 60s);
  ASSERT_EQ(m.run.exit_code, 0) << m.run.out << m.run.err;
  EXPECT_EQ(json_int(m.json, "streams"), 100) << m.json;
  EXPECT_TRUE(json_true(m.json, "uploaded")) << m.json;
  EXPECT_EQ(json_int(m.json, "mismatch_count"), 0) << json_token(m.json, "mismatches");
  EXPECT_FALSE(json_true(m.json, "ended")) << m.json;
  EXPECT_GT(json_num(m.json, "small_last_done"), 0) << m.json;
  EXPECT_LT(json_num(m.json, "small_last_done"), json_num(m.json, "big_done")) << m.json;
  EXPECT_LT(json_num(m.json, "missing_last_done"), json_num(m.json, "big_done")) << m.json;
  EXPECT_EQ(m.probe_failures, 0) << m.first_probe_failure;
}

// A 40 MiB CGI upload on one stream: the server paces it with WINDOW_UPDATEs
// as the body goes to the spill file, the worker's RSS stays within a few
// MiB, and the script reads every byte (CONTENT_LENGTH and sha256 exact).
TEST_F(H2, BigCgiUploadIsPacedAndKeepsRssBounded) {
  put_upload_cgi();
  start_h2c({"--max-body", "64m", "--cgi-max-body", "64m"});
  Measured m = run_client("upload.py", {"--bytes", std::to_string(40 << 20), "--seconds", "30"}, 60s);
  ASSERT_EQ(m.run.exit_code, 0) << m.run.out << m.run.err;
  EXPECT_TRUE(json_true(m.json, "uploaded")) << m.json;
  EXPECT_EQ(json_int(m.json, "status"), 200) << m.json;
  EXPECT_TRUE(json_true(m.json, "body_matches")) << m.json;
  EXPECT_GE(json_int(m.json, "window_updates"), 20) << "40 MiB through a 1 MiB stream window: " << m.json;
  EXPECT_LE(m.rss_peak_kib - m.rss_before_kib, 6 * 1024) << m.rss_before_kib << " -> " << m.rss_peak_kib << " KiB";
  EXPECT_EQ(m.probe_failures, 0) << m.first_probe_failure;
}

// A client whose stream window is 16 KiB still gets the 50 MiB file whole.
TEST_F(H2, SixteenKibWindowGetsTheWholeBigFile) {
  put_big(true);
  start_h2c();
  RunResult r = run({"nghttp", "-w", "14", "-W", "16", url_ + "/big.bin"}, 120s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.size(), k_big_bytes);
  EXPECT_TRUE(r.out == read_file(root_ + "/big.bin")) << "the body differs from the file";
}

// The access log writes one Combined line per stream with HTTP/2.0.
TEST_F(H2, AccessLogHasOneHttp2LinePerStream) {
  std::string log = base_.path() + "/access.log";
  start_h2c({"--access-log", log});
  std::string u = url_;
  // Distinct URLs: nghttp requests a repeated one only once.
  RunResult r = run({"nghttp", "-n", u + "/small.txt?1", u + "/probe.txt", u + "/nope", u + "/small.txt?2"}, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = log_lines(log, 4);
  ASSERT_EQ(lines.size(), 4u) << read_file(log);
  EXPECT_EQ(count_with(lines, "\"GET /small.txt?1 HTTP/2.0\" 200 11 "), 1) << read_file(log);
  EXPECT_EQ(count_with(lines, "\"GET /small.txt?2 HTTP/2.0\" 200 11 "), 1) << read_file(log);
  EXPECT_EQ(count_with(lines, "\"GET /probe.txt HTTP/2.0\" 200 6 "), 1) << read_file(log);
  EXPECT_EQ(count_with(lines, "\"GET /nope HTTP/2.0\" 404 "), 1) << read_file(log);
}

// keepalive_timeout ends an idle h2 connection with GOAWAY NO_ERROR, then closes it.
TEST_F(H2, IdleConnectionGetsGoawayAtKeepaliveTimeout) {
  start_h2c({"--keepalive-timeout", "1"});
  Measured m = run_client("lifecycle.py", {"--mode", "idle", "--seconds", "6"});
  ASSERT_EQ(m.run.exit_code, 0) << m.run.out << m.run.err;
  EXPECT_EQ(json_int(m.json, "status"), 200) << m.json;
  EXPECT_TRUE(json_true(m.json, "goaway")) << m.json;
  EXPECT_EQ(json_int(m.json, "goaway_code"), 0) << m.json;
  EXPECT_TRUE(json_true(m.json, "closed")) << m.json;
  EXPECT_GE(json_num(m.json, "closed_at"), 0.9) << m.json;
  EXPECT_LT(json_num(m.json, "closed_at"), 3.5) << m.json;
}

// SIGTERM while a 50 MiB stream is in flight to a slow reader: GOAWAY
// NO_ERROR naming that stream as the last, the stream finishes whole within
// shutdown_timeout, a stream opened after the GOAWAY is not served, then the
// connection closes and the server exits 0.
TEST_F(H2, SigtermLetsTheStreamInFlightFinish) {
  put_big();
  start_h2c({"--shutdown-timeout", "20"});
  Measured m = run_client("lifecycle.py", {"--mode", "graceful", "--pid", std::to_string(server_->pid()), "--signal",
                                           "SIGTERM", "--seconds", "10"});
  ASSERT_EQ(m.run.exit_code, 0) << m.run.out << m.run.err;
  EXPECT_TRUE(json_true(m.json, "goaway")) << m.json;
  EXPECT_EQ(json_int(m.json, "goaway_code"), 0) << m.json;
  EXPECT_EQ(json_int(m.json, "goaway_last_stream"), json_int(m.json, "stream")) << m.json;
  EXPECT_TRUE(json_true(m.json, "stream_ended")) << m.json;
  EXPECT_EQ(json_int(m.json, "body_bytes"), static_cast<long long>(k_big_bytes)) << m.json;
  EXPECT_EQ(json_token(m.json, "late_status"), "null") << m.json;
  EXPECT_TRUE(json_true(m.json, "closed")) << m.json;
  EXPECT_EQ(server_->wait_exit(10s), 0);
}

// Over TLS, ALPN offers h2 first: curl --http2 and nghttp speak h2, a client
// offering only http/1.1 still gets HTTP/1.1.
class H2Tls : public H2 {
 protected:
  void SetUp() override {
    H2::SetUp();
    if (IsSkipped()) return;
    start_h2_tls();
  }
  RunResult https(std::vector<std::string> args) {
    std::vector<std::string> all{"--cacert", pki_ + "/ca.pem"};
    all.insert(all.end(), args.begin(), args.end());
    return curl(all);
  }
  std::string tls_url() { return "https://localhost:" + std::to_string(tls_port_); }
};

TEST_F(H2Tls, CurlGetsH2ByAlpn) {
  std::vector<std::string> resolve{"--resolve", "localhost:" + std::to_string(tls_port_) + ":127.0.0.1"};
  std::vector<std::string> a = resolve;
  a.insert(a.end(), {"--http2", "-w", "|%{http_version}|%{response_code}", tls_url() + "/small.txt"});
  RunResult r = https(a);
  EXPECT_EQ(r.out, "small file\n|2|200") << r.err;
  a = resolve;
  a.insert(a.end(), {"--http1.1", "-w", "|%{http_version}", tls_url() + "/small.txt"});
  r = https(a);
  EXPECT_EQ(r.out, "small file\n|1.1") << r.err;
}

TEST_F(H2Tls, NghttpVerboseOverTls) {
  RunResult r = run({"nghttp", "-nv", "https://127.0.0.1:" + std::to_string(tls_port_) + "/small.txt"}, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("The negotiated protocol: h2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(") :status: 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("recv DATA frame <length=11, flags=0x01, stream_id="), std::string::npos) << r.out;
}

}  // namespace
