// Site features over every transport: error pages (a file and a CGI
// script), the single-page-app fallback, the directory-slash redirect, the
// status and health paths, CGI GET and POST, and the limits (431, 413,
// header_timeout), each checked by status, fields and body.
#include <gtest/gtest.h>

#include <string>

#include "transport_fixture.hpp"

using namespace transport_testing;

namespace {

class TransportSite : public TransportTest {};

// A CGI script that echoes its method, query, HTTPS and its body.
const char* k_echo_cgi =
    "#!/bin/sh\n"
    "printf 'Content-Type: text/plain\\r\\nX-Script: echo\\r\\n\\r\\n'\n"
    "echo \"method=$REQUEST_METHOD query=$QUERY_STRING https=${HTTPS:-off} length=${CONTENT_LENGTH:-0}\"\n"
    "cat\n";

// A CGI error page: says which status it stands for.
const char* k_page_cgi =
    "#!/bin/sh\n"
    "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
    "echo \"page for $REDIRECT_STATUS at $REQUEST_URI\"\n";

}  // namespace

INSTANTIATE_TEST_SUITE_P(Over, TransportSite, all_transports(), transport_name);

TEST_P(TransportSite, ErrorPagesStaticAndScript) {
  put("404.html", "<h1>custom not found</h1>\n");
  put("page.cgi", k_page_cgi, 0755);
  put("private/x.txt", "x");
  start("listing = false\n[error_pages]\n404 = \"/404.html\"\n403 = \"/page.cgi\"");
  Reply nf = fetch("/nope.txt");
  EXPECT_EQ(nf.status, 404) << nf.error;
  EXPECT_EQ(nf.field("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(nf.body, "<h1>custom not found</h1>\n");
  Reply head = fetch("/nope.txt", {"-I"});
  EXPECT_EQ(head.status, 404);
  EXPECT_EQ(head.field("Content-Length"), "26");
  Reply forbidden = fetch("/private/");
  EXPECT_EQ(forbidden.status, 403) << forbidden.error;
  EXPECT_EQ(forbidden.body, "page for 403 at /private/\n");
}

TEST_P(TransportSite, SinglePageAppFallback) {
  put("index.html", "<div id=app></div>\n");
  put("real.txt", "real\n");
  start("fallback = \"/index.html\"");
  Reply route = fetch("/app/route/7");
  EXPECT_EQ(route.status, 200) << route.error;
  EXPECT_EQ(route.field("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(route.body, "<div id=app></div>\n");
  EXPECT_EQ(fetch("/real.txt").body, "real\n");
  EXPECT_EQ(fetch("/missing.png").status, 404) << "a path with an extension is no client route";
}

TEST_P(TransportSite, DirectorySlashRedirect) {
  put("dir/index.html", "INDEX");
  start();
  Reply r = fetch("/dir?x=1");
  EXPECT_EQ(r.status, 301) << r.error;
  EXPECT_EQ(r.field("Location"), "/dir/?x=1");
  // curl 7.88.1 fails the second request on a reused prior-knowledge connection ("Error in the HTTP2
  // framing layer", curl issue 10634, fixed in 8.0): over h2c the redirect is followed on a new connection.
  Reply followed = GetParam() == Transport::h2c ? fetch(r.field("Location")) : fetch("/dir", {"-L"});
  EXPECT_EQ(followed.status, 200) << followed.error;
  EXPECT_EQ(followed.body, "INDEX");
}

TEST_P(TransportSite, StatusAndHealthPaths) {
  start("[status]\npath = \"/-/metrics\"\n[health]\npath = \"/-/health\"");
  Reply health = fetch("/-/health");
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(health.field("Cache-Control"), "no-store");
  EXPECT_EQ(health.body, "ok\n");
  Reply m = fetch("/-/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.field("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("filehttpd_requests_total{method=\"GET\",code=\"2xx\"} "), std::string::npos) << m.body;
  bool tls = secure();
  EXPECT_NE(m.body.find(std::string("filehttpd_tls_connections_total{send_path=\"userspace\"} ") + (tls ? "" : "0\n")),
            std::string::npos)
      << m.body;
}

TEST_P(TransportSite, CgiGetAndPost) {
  put("echo.cgi", k_echo_cgi, 0755);
  start();
  std::string https = secure() ? "on" : "off";
  Reply get = fetch("/echo.cgi?a=1&b=2");
  EXPECT_EQ(get.status, 200) << get.error;
  EXPECT_EQ(get.field("X-Script"), "echo");
  EXPECT_EQ(get.body, "method=GET query=a=1&b=2 https=" + https + " length=0\n");
  std::string body(100000, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::string file = dir_.write("post.bin", body);
  Reply post = fetch("/echo.cgi", {"--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"});
  EXPECT_EQ(post.status, 200) << post.error;
  std::string expect = "method=POST query= https=" + https + " length=100000\n" + body;
  EXPECT_EQ(sha256_hex(post.body), sha256_hex(expect)) << post.body.substr(0, 100);
}

TEST_P(TransportSite, HeaderAndBodyLimits) {
  put("echo.cgi", k_echo_cgi, 0755);
  start("[limits]\nheader_bytes = 4096\nmax_body = 1000");
  Reply big_head = fetch("/", {"-H", "X-Big: " + std::string(8000, 'h')});
  EXPECT_EQ(big_head.status, 431) << big_head.error;
  std::string file = dir_.write("post.bin", std::string(5000, 'p'));
  Reply big_body = fetch("/echo.cgi", {"--data-binary", "@" + file});
  EXPECT_EQ(big_body.status, 413) << big_body.error;
  EXPECT_EQ(fetch("/echo.cgi").status, 200) << "the server goes on";
}

// Half a request head, or over h2 half the connection preface: closed by
// header_timeout with no answer (over TLS with ALPN h2 the server may have
// sent its own SETTINGS and connection WINDOW_UPDATE first, and a GOAWAY
// before it closes).
TEST_P(TransportSite, HeaderTimeoutClosesAHalfRequest) {
  start("[limits]\nheader_timeout = \"1s\"");
  std::string out = raw(h2() ? "PRI * HTTP/2.0\r\n" : "GET / HTTP/1.1\r\nHost: t\r\n", 8);
  ASSERT_EQ(out.rfind("error", 0), std::string::npos) << out;
  double seconds = std::stod(out);
  std::string got = out.substr(out.find('\n') + 1);
  EXPECT_GE(seconds, 0.8) << out;
  EXPECT_LT(seconds, 5) << "still open long after header_timeout: " << out;
  if (GetParam() == Transport::h2) {
    // Only frames on stream 0: SETTINGS (type 4), the connection window's WINDOW_UPDATE (type 8) that
    // follows the server's SETTINGS, and GOAWAY (type 7); no response to anything.
    for (std::size_t p = 0; p + 9 <= got.size();
         p += 9 + ((std::uint8_t(got[p]) << 16) | (std::uint8_t(got[p + 1]) << 8) | std::uint8_t(got[p + 2]))) {
      EXPECT_TRUE(got[p + 3] == 4 || got[p + 3] == 7 || got[p + 3] == 8) << "frame type " << int(got[p + 3]);
      EXPECT_EQ(got.substr(p + 5, 4), std::string(4, '\0')) << "a frame on a stream";
    }
  } else {
    EXPECT_EQ(got, "");
  }
}
