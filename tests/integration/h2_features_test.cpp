// The http profile's features over HTTP/2, with curl over h2c (prior
// knowledge) and over TLS (ALPN h2): files and HEAD, validators, ranges,
// listings, redirects, the fallback, the status and health paths, and CGI
// with SERVER_PROTOCOL=HTTP/2, no connection-specific fields in its
// environment and none of a script's relayed.
#include "h2_fixture.hpp"

using namespace h2_support;

namespace {

enum class Mode { h2c, h2tls };

std::string mode_name(const ::testing::TestParamInfo<Mode>& info) {
  return info.param == Mode::h2c ? "h2c" : "h2tls";
}

class H2Features : public H2, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    H2::SetUp();
    if (IsSkipped()) return;
    put("dir/a.txt", "0123456789abcdefghij");
    put("env.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv\n", 0755);
    put("hop.cgi",
        "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nConnection: close\\r\\nKeep-Alive: timeout=5\\r\\n"
        "Transfer-Encoding: chunked\\r\\nX-Kept: yes\\r\\n\\r\\nbody'\n",
        0755);
    put("index.html", "<!doctype html><title>app</title>\n");
    std::vector<std::string> args{"--cgi-max-body", "1m",         "--h2c",       "--workers",     "1",
                                  "--listing",      "--fallback", "/index.html", "--health-path", "/-/health",
                                  "--status-path",  "/-/metrics"};
    if (GetParam() == Mode::h2tls) {
      add_tls(args);
      if (IsSkipped() || HasFatalFailure()) return;
    }
    start(args);
  }
  // curl over this mode: -i (head and body in out), then args and the URL of path.
  RunResult h2(const std::string& path, std::vector<std::string> args = {}) {
    std::vector<std::string> all{"-i"};
    if (GetParam() == Mode::h2c) {
      all.push_back("--http2-prior-knowledge");
    } else {
      all.insert(all.end(), {"--http2", "--cacert", pki_ + "/ca.pem", "--resolve",
                             "localhost:" + std::to_string(tls_port_) + ":127.0.0.1"});
    }
    all.insert(all.end(), args.begin(), args.end());
    all.push_back(GetParam() == Mode::h2c ? url_ + path : "https://localhost:" + std::to_string(tls_port_) + path);
    return curl(all);
  }
};

TEST_P(H2Features, FilesHeadAndValidators) {
  RunResult r = h2("/dir/a.txt");
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out << r.err;
  EXPECT_EQ(header(r.out, "content-length"), "20");
  EXPECT_EQ(header(r.out, "content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(body_of(r.out), "0123456789abcdefghij");
  EXPECT_EQ(header(r.out, "connection"), "") << "connection-specific fields are not sent over h2";
  std::string etag = header(r.out, "etag");
  ASSERT_FALSE(etag.empty()) << r.out;

  r = h2("/dir/a.txt", {"-I"});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out;
  EXPECT_EQ(header(r.out, "content-length"), "20");
  EXPECT_EQ(body_of(r.out), "");

  r = h2("/dir/a.txt", {"-H", "If-None-Match: " + etag});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 304 \r\n") << r.out;
  EXPECT_EQ(body_of(r.out), "");
  r = h2("/dir/a.txt", {"-H", "If-Match: \"other\""});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 412 \r\n") << r.out;
}

TEST_P(H2Features, SingleAndMultipartRanges) {
  RunResult r = h2("/dir/a.txt", {"-H", "Range: bytes=2-5"});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 206 \r\n") << r.out << r.err;
  EXPECT_EQ(header(r.out, "content-range"), "bytes 2-5/20");
  EXPECT_EQ(body_of(r.out), "2345");
  r = h2("/dir/a.txt", {"-H", "Range: bytes=0-1,18-"});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 206 \r\n") << r.out;
  std::string type = header(r.out, "content-type");
  ASSERT_EQ(type.rfind("multipart/byteranges; boundary=", 0), 0u) << r.out;
  std::string boundary = type.substr(type.find('=') + 1);
  std::string body = body_of(r.out);
  EXPECT_NE(body.find("Content-Range: bytes 0-1/20\r\n\r\n01\r\n--" + boundary), std::string::npos) << body;
  EXPECT_NE(body.find("Content-Range: bytes 18-19/20\r\n\r\nij\r\n--" + boundary + "--"), std::string::npos) << body;
  EXPECT_EQ(header(r.out, "content-length"), std::to_string(body.size()));
  r = h2("/dir/a.txt", {"-H", "Range: bytes=50-"});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 416 \r\n") << r.out;
}

TEST_P(H2Features, ListingsRedirectFallbackStatusAndHealth) {
  RunResult r = h2("/dir/");
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out << r.err;
  EXPECT_NE(body_of(r.out).find("a.txt"), std::string::npos) << r.out;
  r = h2("/dir/?format=json");
  EXPECT_EQ(header(r.out, "content-type").rfind("application/json", 0), 0u) << r.out;
  EXPECT_NE(body_of(r.out).find("\"a.txt\""), std::string::npos) << r.out;
  r = h2("/dir");
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 301 \r\n") << r.out;
  EXPECT_EQ(header(r.out, "location"), "/dir/") << r.out;
  r = h2("/app/route/7");
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out;
  EXPECT_EQ(body_of(r.out), "<!doctype html><title>app</title>\n");
  r = h2("/-/health");
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out;
  r = h2("/-/metrics");
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out;
  EXPECT_NE(body_of(r.out).find("filehttpd_"), std::string::npos) << r.out;
}

TEST_P(H2Features, CgiSeesHttp2AndNoConnectionFields) {
  std::string body(300000, 'b');
  std::string file = base_.write("post.bin", body);
  RunResult r = h2("/env.cgi?x=1", {"--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out << r.err;
  std::string env = body_of(r.out);
  EXPECT_NE(env.find("SERVER_PROTOCOL=HTTP/2\n"), std::string::npos) << env;
  EXPECT_NE(env.find("CONTENT_LENGTH=300000\n"), std::string::npos) << env;
  EXPECT_NE(env.find("REQUEST_METHOD=POST\n"), std::string::npos) << env;
  EXPECT_NE(env.find("QUERY_STRING=x=1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("HTTP_HOST="), std::string::npos) << "the :authority becomes HTTP_HOST: " << env;
  for (const char* hop : {"HTTP_CONNECTION=", "HTTP_KEEP_ALIVE=", "HTTP_TRANSFER_ENCODING=", "HTTP_UPGRADE=",
                          "HTTP_TE=", "HTTP2_SETTINGS="})
    EXPECT_EQ(env.find(hop), std::string::npos) << hop << " in " << env;

  r = h2("/hop.cgi");
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out << r.err;
  EXPECT_EQ(header(r.out, "x-kept"), "yes") << r.out;
  EXPECT_EQ(header(r.out, "connection"), "") << r.out;
  EXPECT_EQ(header(r.out, "keep-alive"), "") << r.out;
  EXPECT_EQ(header(r.out, "transfer-encoding"), "") << r.out;
  EXPECT_EQ(body_of(r.out), "body");
}

// limits.header_bytes (32 KiB) counts the decoded header list: one field of
// 40000 bytes gets 431. cgi.max_body applies per stream: 2 MiB to a CGI with
// a 1 MiB limit gets 413, and the connection serves the next request.
TEST_P(H2Features, HeaderAndBodyLimitsApplyPerStream) {
  RunResult r = h2("/dir/a.txt", {"-H", "X-Big: " + std::string(40000, 'x')});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 431 \r\n") << r.out.substr(0, 300) << r.err;
  std::string file = base_.write("two.bin", std::string(2 << 20, 't'));
  r = h2("/env.cgi", {"--data-binary", "@" + file});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 413 \r\n") << r.out.substr(0, 300) << r.err;
  r = h2("/dir/a.txt");
  EXPECT_EQ(body_of(r.out), "0123456789abcdefghij") << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(Modes, H2Features, ::testing::Values(Mode::h2c, Mode::h2tls), mode_name);

}  // namespace
