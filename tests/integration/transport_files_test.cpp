// File serving over every transport: GET and HEAD, single and multipart
// ranges, conditional requests, listings, precompressed sidecars, header
// rules and a 50 MiB download on one worker and on two, each checked by
// status, fields and the SHA-256 of the body.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "transport_fixture.hpp"

using namespace transport_testing;

namespace {

class TransportFiles : public TransportTest {};

// A deterministic body of n bytes that no simple pattern repeats.
std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Over, TransportFiles, all_transports(), transport_name);

TEST_P(TransportFiles, GetAndHead) {
  std::string small = pattern(3000, 1), mid = pattern(200000, 2);
  put("small.bin", small);
  put("mid.bin", mid);
  put("page.html", "<p>page</p>\n");
  start();
  for (const auto& [path, content] : {std::pair<std::string, std::string>{"/small.bin", small}, {"/mid.bin", mid}}) {
    Reply r = fetch(path);
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.field("Content-Length"), std::to_string(content.size()));
    EXPECT_EQ(r.field("Content-Type"), "application/octet-stream");
    EXPECT_EQ(r.field("Accept-Ranges"), "bytes");
    EXPECT_FALSE(r.field("ETag").empty());
    EXPECT_EQ(sha256_hex(r.body), sha256_hex(content)) << path;
    Reply h = fetch(path, {"-I"});
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.field("Content-Length"), std::to_string(content.size()));
    EXPECT_EQ(h.field("ETag"), r.field("ETag"));
    // curl -I reads no body, so a raw HEAD shows that none is sent (over h2
    // the END_STREAM on HEADERS says so, and curl would fail on DATA after it).
    if (h2()) continue;
    std::string raw_head = raw("HEAD " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5);
    std::string bytes = raw_head.substr(raw_head.find('\n') + 1);
    EXPECT_EQ(bytes.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw_head;
    EXPECT_EQ(bytes.find("\r\n\r\n") + 4, bytes.size()) << "bytes after the head of a HEAD response";
  }
  Reply page = fetch("/page.html");
  EXPECT_EQ(page.field("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.body, "<p>page</p>\n");
}

TEST_P(TransportFiles, SingleAndMultipartRanges) {
  std::string data = pattern(100000, 3);
  put("data.bin", data);
  start();
  Reply one = fetch("/data.bin", {"-H", "Range: bytes=1000-70999"});
  EXPECT_EQ(one.status, 206) << one.error;
  EXPECT_EQ(one.field("Content-Range"), "bytes 1000-70999/100000");
  EXPECT_EQ(one.field("Content-Length"), "70000");
  EXPECT_EQ(sha256_hex(one.body), sha256_hex(data.substr(1000, 70000)));
  Reply tail = fetch("/data.bin", {"-H", "Range: bytes=-10"});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, data.substr(99990));
  Reply multi = fetch("/data.bin", {"-H", "Range: bytes=0-9,50000-50019"});
  EXPECT_EQ(multi.status, 206) << multi.error;
  std::string type = multi.field("Content-Type");
  ASSERT_EQ(type.rfind("multipart/byteranges; boundary=", 0), 0u) << type;
  std::string boundary = type.substr(type.find('=') + 1);
  std::string expect = "--" + boundary + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-9/100000\r\n\r\n" +
                       data.substr(0, 10) + "\r\n--" + boundary +
                       "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 50000-50019/100000\r\n\r\n" +
                       data.substr(50000, 20) + "\r\n--" + boundary + "--\r\n";
  EXPECT_EQ(multi.body.size(), std::stoul(multi.field("Content-Length")));
  // Some servers start the body with a CRLF before the first boundary: accept that one shape too.
  std::string body = multi.body.rfind("\r\n", 0) == 0 ? multi.body.substr(2) : multi.body;
  EXPECT_EQ(sha256_hex(body), sha256_hex(expect)) << multi.body.substr(0, 200);
  Reply bad = fetch("/data.bin", {"-H", "Range: bytes=200000-"});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.field("Content-Range"), "bytes */100000");
}

TEST_P(TransportFiles, ConditionalRequests) {
  put("c.txt", "conditional body\n");
  start();
  Reply r = fetch("/c.txt");
  ASSERT_EQ(r.status, 200) << r.error;
  std::string etag = r.field("ETag"), lm = r.field("Last-Modified");
  ASSERT_FALSE(etag.empty());
  ASSERT_FALSE(lm.empty());
  Reply inm = fetch("/c.txt", {"-H", "If-None-Match: " + etag});
  EXPECT_EQ(inm.status, 304);
  EXPECT_EQ(inm.field("ETag"), etag);
  EXPECT_EQ(inm.body, "");
  Reply ims = fetch("/c.txt", {"-H", "If-Modified-Since: " + lm});
  EXPECT_EQ(ims.status, 304);
  EXPECT_EQ(ims.body, "");
  Reply other = fetch("/c.txt", {"-H", "If-None-Match: \"other\""});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, "conditional body\n");
  Reply im_fail = fetch("/c.txt", {"-H", "If-Match: \"nope\""});
  EXPECT_EQ(im_fail.status, 412);
  Reply im_ok = fetch("/c.txt", {"-H", "If-Match: " + etag});
  EXPECT_EQ(im_ok.status, 200);
  EXPECT_EQ(im_ok.body, "conditional body\n");
}

TEST_P(TransportFiles, ListingsHtmlAndJson) {
  put("d/alpha.txt", "a");
  put("d/beta.txt", std::string(1234, 'b'));
  start("listing = true");
  Reply html = fetch("/d/");
  EXPECT_EQ(html.status, 200) << html.error;
  EXPECT_EQ(html.field("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("alpha.txt"), std::string::npos) << html.body;
  EXPECT_LT(html.body.find("alpha.txt"), html.body.find("beta.txt"));
  EXPECT_EQ(html.body.size(), std::stoul(html.field("Content-Length")));
  Reply json = fetch("/d/?format=json");
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.field("Content-Type"), "application/json");
  EXPECT_EQ(json.field("Vary"), "Accept");
  EXPECT_NE(json.body.find("\"name\":\"alpha.txt\""), std::string::npos) << json.body;
  EXPECT_NE(json.body.find("\"size\":1234"), std::string::npos) << json.body;
  EXPECT_EQ(fetch("/d/?format=json", {"-H", "If-None-Match: " + json.field("ETag")}).status, 304);
}

TEST_P(TransportFiles, PrecompressedSidecarsWithVary) {
  std::string js = "console.log('x');\n" + std::string(4000, ' ') + "\n";
  put("app.js", js);
  put("app.js.br", "BROTLI-BYTES");
  std::string gz = pattern(777, 9);
  put("app.js.gz", gz);
  start("precompressed = [\"br\", \"gzip\"]");
  Reply br = fetch("/app.js", {"-H", "Accept-Encoding: gzip, br"});
  EXPECT_EQ(br.status, 200) << br.error;
  EXPECT_EQ(br.field("Content-Encoding"), "br");
  EXPECT_EQ(br.field("Vary"), "Accept-Encoding");
  EXPECT_EQ(br.field("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(br.body, "BROTLI-BYTES");
  Reply g = fetch("/app.js", {"-H", "Accept-Encoding: gzip"});
  EXPECT_EQ(g.field("Content-Encoding"), "gzip");
  EXPECT_EQ(sha256_hex(g.body), sha256_hex(gz));
  Reply id = fetch("/app.js");
  EXPECT_EQ(id.field("Content-Encoding"), "");
  EXPECT_EQ(id.field("Vary"), "Accept-Encoding");
  EXPECT_EQ(sha256_hex(id.body), sha256_hex(js));
}

TEST_P(TransportFiles, HeaderRules) {
  put("assets/app.css", "body{}");
  put("big.txt", pattern(80000, 4));
  start("[[headers]]\npath = \"/assets\"\nset = { \"Cache-Control\" = \"max-age=60\" }\n"
        "[[headers]]\npath = \"/big.txt\"\nset = { \"X-Robots-Tag\" = \"noindex\" }\n");
  Reply css = fetch("/assets/app.css");
  EXPECT_EQ(css.status, 200) << css.error;
  EXPECT_EQ(css.field("Cache-Control"), "max-age=60");
  Reply big = fetch("/big.txt", {"-H", "Range: bytes=0-99"});
  EXPECT_EQ(big.status, 206);
  EXPECT_EQ(big.field("X-Robots-Tag"), "noindex");
  EXPECT_FALSE(fetch("/assets/missing.css").has("Cache-Control"));
}

// 50 MiB compared by SHA-256, with one worker and with two.
TEST_P(TransportFiles, FiftyMebibyteDownload) {
  std::string big = pattern(50u << 20, 5);
  std::string want = sha256_hex(big);
  put("big.bin", big);
  big.clear();
  big.shrink_to_fit();
  for (int workers : {1, 2}) {
    start("workers = " + std::to_string(workers));
    Reply r = fetch("/big.bin");
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.field("Content-Length"), std::to_string(50u << 20));
    EXPECT_EQ(r.body.size(), 50u << 20) << "workers = " << workers;
    EXPECT_EQ(sha256_hex(r.body), want) << "workers = " << workers;
    server_.reset();
  }
}

// HTTP/2 DATA frames of a file carry it by reference where the transport
// copies nothing (h2c: sendfile after each frame header), and are copied into
// nghttp2's frames where it would copy anyway (TLS without kTLS), as are
// ranges under 16 KiB; the bytes are the file's either way, a multipart body
// (part heads in memory between file ranges) included. HTTP/1.1 counts nothing.
TEST_P(TransportFiles, Http2FileDataGoesByReferenceWhereTheTransportCopiesNothing) {
  std::string big = pattern(3u << 20, 6);
  put("big.bin", big);
  start("[status]\npath = \"/-/metrics\"");
  Reply r = fetch("/big.bin");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(sha256_hex(r.body), sha256_hex(big));
  Reply multi = fetch("/big.bin", {"-H", "Range: bytes=5-104,2000000-2099999"});
  EXPECT_EQ(multi.status, 206) << multi.error;
  EXPECT_NE(multi.body.find(big.substr(5, 100)), std::string::npos);
  EXPECT_NE(multi.body.find(big.substr(2000000, 100000)), std::string::npos);
  // The counters, asked over HTTP/1.1 on the plain port, which every transport's server has.
  RunResult m = curl({"--http1.1", "http://127.0.0.1:" + std::to_string(port_) + "/-/metrics"});
  long long by_ref = sample_of(m.out, "filehttpd_h2_data_bytes_total{path=\"by_reference\"}");
  long long copied = sample_of(m.out, "filehttpd_h2_data_bytes_total{path=\"copied\"}");
  // The 100-byte range is under k_h2_by_reference_min: copied, to share a write with its neighbours.
  long long by_ref_bytes = static_cast<long long>(big.size()) + 100000, file_bytes = by_ref_bytes + 100;
  switch (GetParam()) {
    case Transport::plain:
    case Transport::tls:
      EXPECT_EQ(by_ref, 0) << m.out;
      EXPECT_EQ(copied, 0) << m.out;
      break;
    case Transport::h2c:
      // The last piece of a range under 16 KiB (its tail, or a window's edge) is copied too.
      EXPECT_GE(by_ref, by_ref_bytes - 2 * 16384) << m.out;
      EXPECT_LE(by_ref, by_ref_bytes) << m.out;
      EXPECT_GE(by_ref + copied, file_bytes) << m.out;
      EXPECT_LT(copied, 2 * 16384 + 1000) << "only part heads, the short range and range tails are copied\n" << m.out;
      break;
    case Transport::h2:
      if (!ktls_missing().empty()) {
        EXPECT_EQ(by_ref, 0) << m.out;
        EXPECT_GE(copied, file_bytes) << m.out;
      } else {
        EXPECT_EQ(by_ref + copied >= file_bytes, true) << "kTLS may carry the file by reference\n" << m.out;
      }
      break;
  }
}

// A compressible file for a client that takes none of our codings is its
// identity variant: Vary, 304 and ranges as for any file, and no compressed
// copy made until a client asks for a coding, which then gets one.
TEST_P(TransportFiles, ACompressibleFileForANoCodingClientIsItsIdentityVariant) {
  std::string js = "console.log('identity');\n" + pattern(3000, 11) + "\n";
  for (char& c : js) c = static_cast<char>('a' + static_cast<unsigned char>(c) % 26);  // text, so it compresses
  put("app.js", js);
  start("[status]\npath = \"/-/metrics\"");
  std::string tag;
  for (int i = 0; i < 3; ++i) {
    Reply r = fetch("/app.js");
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.field("Vary"), "Accept-Encoding");
    EXPECT_EQ(r.field("Content-Encoding"), "");
    EXPECT_EQ(r.body, js);
    tag = r.field("ETag");
  }
  Reply nm = fetch("/app.js", {"-H", "If-None-Match: " + tag});
  EXPECT_EQ(nm.status, 304) << nm.error;
  EXPECT_EQ(nm.field("Vary"), "Accept-Encoding");
  Reply part = fetch("/app.js", {"-H", "Range: bytes=10-19"});
  EXPECT_EQ(part.status, 206) << part.error;
  EXPECT_EQ(part.body, js.substr(10, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  RunResult m = curl({"--http1.1", "http://127.0.0.1:" + std::to_string(port_) + "/-/metrics"});
  EXPECT_EQ(sample_of(m.out, "filehttpd_compress_cache_fills_total"), 0) << "no client asked for a coding";
  // A client that takes gzip gets the identity body at once, then the compressed copy.
  Reply gz;
  wait_until(
      [&] {
        gz = fetch("/app.js", {"-H", "Accept-Encoding: gzip"});
        return gz.field("Content-Encoding") == "gzip";
      },
      std::chrono::seconds(5));
  EXPECT_EQ(gz.field("Content-Encoding"), "gzip") << gz.error;
  EXPECT_EQ(gz.field("Vary"), "Accept-Encoding");
  EXPECT_LT(gz.body.size(), js.size());
}
