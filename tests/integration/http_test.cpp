// The http profile: HTTP/1.1 semantics, checked with curl and raw sockets against the real binary.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "harness.hpp"
#include "http_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

using namespace http_support;

TEST_F(Http, FileHeadersAndBody) {
  put("page.html", "<p>hi</p>\n");
  start();
  auto [head, body] = split(get("/page.html"));
  EXPECT_EQ(status_of(head), 200);
  EXPECT_EQ(body, "<p>hi</p>\n");
  EXPECT_EQ(header(head, "Content-Length"), "10");
  EXPECT_EQ(header(head, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(head, "Server"), "filehttpd/0.1.0");
  EXPECT_EQ(header(head, "Accept-Ranges"), "bytes");
  EXPECT_EQ(header(head, "Connection"), "close");
  EXPECT_TRUE(std::regex_match(header(head, "Date"),
                               std::regex("[A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT")));
  EXPECT_FALSE(header(head, "Last-Modified").empty());
  EXPECT_TRUE(std::regex_match(header(head, "ETag"), std::regex("\"[0-9a-f.-]+\"")));
}

TEST_F(Http, ContentTypes) {
  put("a.css", "x");
  put("b.png", "x");
  put("c.unknownext", "x");
  put("noext", "x");
  start();
  EXPECT_EQ(header(split(get("/a.css")).first, "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(header(split(get("/b.png")).first, "Content-Type"), "image/png");
  EXPECT_EQ(header(split(get("/c.unknownext")).first, "Content-Type"), "application/octet-stream");
  EXPECT_EQ(header(split(get("/noext")).first, "Content-Type"), "application/octet-stream");
}

TEST_F(Http, HeadHasSameHeadersNoBody) {
  put("f.txt", "0123456789");
  start();
  std::string g = get("/f.txt");
  std::string h = req("HEAD /f.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(split(h).second, "");
  EXPECT_EQ(header(h, "Content-Length"), "10");
  EXPECT_EQ(header(h, "ETag"), header(g, "ETag"));
  EXPECT_EQ(header(h, "Content-Type"), header(g, "Content-Type"));
}

TEST_F(Http, KeepAliveReusesConnectionWithCurl) {
  put("a.txt", "A");
  put("b.txt", "B");
  start();
  RunResult r = curl({"-v", url_ + "/a.txt", url_ + "/b.txt"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "AB");
  EXPECT_NE(r.err.find("Re-using existing connection"), std::string::npos) << r.err;
}

TEST_F(Http, PipelinedRequestsAnsweredInOrder) {
  put("a.txt", "first");
  put("b.txt", "second");
  start();
  std::string resp =
      req("GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /missing HTTP/1.1\r\nHost: t\r\n\r\n"
          "GET /b.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto first = resp.find("HTTP/1.1 200 OK");
  auto second = resp.find("HTTP/1.1 404 Not Found");
  auto third = resp.rfind("HTTP/1.1 200 OK");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  ASSERT_NE(third, first);
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_NE(resp.find("\r\n\r\nfirst"), std::string::npos);
  EXPECT_EQ(resp.substr(resp.size() - 6), "second");
}

TEST_F(Http, Http10ClosesUnlessKeepAlive) {
  put("a.txt", "A");
  start();
  std::string one = req("GET /a.txt HTTP/1.0\r\n\r\n");
  EXPECT_EQ(status_of(one), 200);
  EXPECT_EQ(header(one, "Connection"), "close");
  int fd = connect_to(port_);
  std::string ka = "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  send(fd, ka.data(), ka.size(), 0);
  std::string first = read_n(fd, 1, 2s);
  sleep_for(100ms);
  first += read_n(fd, 1, 200ms);
  EXPECT_EQ(header(first, "Connection"), "keep-alive");
  send(fd, ka.data(), ka.size(), 0);  // the same connection still answers
  std::string second = read_n(fd, 1, 2s);
  EXPECT_EQ(status_of(second), 200);
  close(fd);
}

TEST_F(Http, ConnectionCloseIsHonoured) {
  put("a.txt", "A");
  start();
  int fd = connect_to(port_);
  std::string r = "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  send(fd, r.data(), r.size(), 0);
  std::string resp = read_all(fd, 2s);  // returns at EOF: the server closed
  close(fd);
  EXPECT_EQ(split(resp).second, "A");
}

TEST_F(Http, Methods) {
  put("a.txt", "A");
  start();
  std::string del = req("DELETE /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(del), 405);
  EXPECT_EQ(header(del, "Allow"), "GET, HEAD");
  EXPECT_EQ(status_of(req("FOO /a.txt HTTP/1.1\r\nHost: t\r\n\r\n")), 501);
  EXPECT_EQ(status_of(req("GET /a.txt HTTP/1.1\r\n\r\n")), 400);  // no Host
  EXPECT_EQ(status_of(req("GET /a.txt HTTP/2.0\r\nHost: t\r\n\r\n")), 505);
  EXPECT_EQ(status_of(req("GET /a.txt HTTP/1.0\r\n\r\n")), 200);  // 1.0 needs no Host
}

TEST_F(Http, ErrorsHaveHtmlBodies) {
  start();
  auto [head, body] = split(get("/nothing-here"));
  EXPECT_EQ(status_of(head), 404);
  EXPECT_EQ(header(head, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(body.find("404 Not Found"), std::string::npos);
  EXPECT_EQ(header(head, "Content-Length"), std::to_string(body.size()));
}

TEST_F(Http, ConditionalRequests) {
  put("c.txt", "content");
  start();
  std::string first = get("/c.txt");
  std::string etag = header(first, "ETag");
  std::string lm = header(first, "Last-Modified");
  std::string r304 = get("/c.txt", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(status_of(r304), 304);
  EXPECT_EQ(split(r304).second, "");
  EXPECT_EQ(header(r304, "ETag"), etag);
  EXPECT_EQ(status_of(get("/c.txt", "If-None-Match: \"other\", " + etag + "\r\n")), 304);
  EXPECT_EQ(status_of(get("/c.txt", "If-None-Match: W/" + etag + "\r\n")), 304);
  EXPECT_EQ(status_of(get("/c.txt", "If-None-Match: *\r\n")), 304);
  EXPECT_EQ(status_of(get("/c.txt", "If-None-Match: \"other\"\r\n")), 200);
  EXPECT_EQ(status_of(get("/c.txt", "If-Modified-Since: " + lm + "\r\n")), 304);
  EXPECT_EQ(status_of(get("/c.txt", "If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n")), 200);
  EXPECT_EQ(status_of(get("/c.txt", "If-Match: \"other\"\r\n")), 412);
  EXPECT_EQ(status_of(get("/c.txt", "If-Match: " + etag + "\r\n")), 200);
  EXPECT_EQ(status_of(get("/c.txt", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n")), 412);
  // If-None-Match takes precedence over If-Modified-Since.
  EXPECT_EQ(status_of(get("/c.txt", "If-None-Match: \"other\"\r\nIf-Modified-Since: " + lm + "\r\n")), 200);
}

TEST_F(Http, SingleRange) {
  put("r.txt", "0123456789");
  start();
  std::string r = get("/r.txt", "Range: bytes=2-5\r\n");
  EXPECT_EQ(status_of(r), 206);
  EXPECT_EQ(header(r, "Content-Range"), "bytes 2-5/10");
  EXPECT_EQ(split(r).second, "2345");
  EXPECT_EQ(split(get("/r.txt", "Range: bytes=-3\r\n")).second, "789");
  EXPECT_EQ(split(get("/r.txt", "Range: bytes=7-\r\n")).second, "789");
  RunResult c = curl({"-r", "1-3", url_ + "/r.txt"});
  EXPECT_EQ(c.out, "123");
}

TEST_F(Http, LargeFileRangeUsesOffsets) {
  std::string data;
  for (int i = 0; i < 200000; ++i) data += static_cast<char>('a' + i % 26);
  put("big.txt", data);
  start();
  std::string r = get("/big.txt", "Range: bytes=150000-150009\r\n");
  EXPECT_EQ(status_of(r), 206);
  EXPECT_EQ(split(r).second, data.substr(150000, 10));
}

TEST_F(Http, MultipleRangesAreMultipart) {
  put("m.txt", "0123456789");
  start();
  std::string r = get("/m.txt", "Range: bytes=0-1,5-6\r\n");
  EXPECT_EQ(status_of(r), 206);
  std::string ct = header(r, "Content-Type");
  ASSERT_EQ(ct.rfind("multipart/byteranges; boundary=", 0), 0u) << ct;
  std::string boundary = ct.substr(31);
  std::string body = split(r).second;
  EXPECT_EQ(header(r, "Content-Length"), std::to_string(body.size()));
  std::string expect =
      "\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/10\r\n\r\n01" +
      "\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 5-6/10\r\n\r\n56" +
      "\r\n--" + boundary + "--\r\n";
  EXPECT_EQ(body, expect);
}

TEST_F(Http, AbusiveRangesGetWholeFileOrCoalesced) {
  put("m.txt", "0123456789");
  start();
  std::string many = "Range: bytes=";
  for (int i = 0; i < 20; ++i) many += "0-0,";
  many += "1-1\r\n";
  std::string r = get("/m.txt", many);
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(split(r).second, "0123456789");
  std::string overlap = get("/m.txt", "Range: bytes=0-5,2-8,1-3\r\n");
  EXPECT_EQ(status_of(overlap), 206);
  EXPECT_EQ(header(overlap, "Content-Range"), "bytes 0-8/10");
  EXPECT_EQ(split(overlap).second, "012345678");
}

TEST_F(Http, UnsatisfiableAndMalformedRanges) {
  put("u.txt", "0123456789");
  start();
  std::string r = get("/u.txt", "Range: bytes=50-60\r\n");
  EXPECT_EQ(status_of(r), 416);
  EXPECT_EQ(header(r, "Content-Range"), "bytes */10");
  std::string bad = get("/u.txt", "Range: bytes=oops\r\n");
  EXPECT_EQ(status_of(bad), 200);
  EXPECT_EQ(split(bad).second, "0123456789");
}

TEST_F(Http, IfRange) {
  put("i.txt", "0123456789");
  start();
  std::string etag = header(get("/i.txt"), "ETag");
  EXPECT_EQ(status_of(get("/i.txt", "Range: bytes=0-1\r\nIf-Range: " + etag + "\r\n")), 206);
  std::string stale = get("/i.txt", "Range: bytes=0-1\r\nIf-Range: \"stale\"\r\n");
  EXPECT_EQ(status_of(stale), 200);
  EXPECT_EQ(split(stale).second, "0123456789");
}

TEST_F(Http, DirectoryRedirectIndexAndForbidden) {
  put("withindex/index.html", "INDEX");
  base_.mkdir("www/empty dir");
  start();
  std::string r = get("/withindex");
  EXPECT_EQ(status_of(r), 301);
  EXPECT_EQ(header(r, "Location"), "/withindex/");
  EXPECT_EQ(split(get("/withindex/")).second, "INDEX");
  std::string sp = get("/empty%20dir?x=1");
  EXPECT_EQ(status_of(sp), 301);
  EXPECT_EQ(header(sp, "Location"), "/empty%20dir/?x=1");
  EXPECT_EQ(status_of(get("/empty%20dir/")), 403);
}

TEST_F(Http, ListingEscapesNamesAndSorts) {
  put("list/b<i>.txt", "12345");
  put("list/a&b.txt", "1");
  put("list/sp ace.txt", "1");
  put("list/.hidden", "1");
  base_.mkdir("www/list/sub");
  start({"--listing"});
  std::string r = get("/list/");
  EXPECT_EQ(status_of(r), 200);
  std::string body = split(r).second;
  EXPECT_NE(body.find("<a href=\"a%26b.txt\">a&amp;b.txt</a>"), std::string::npos) << body;
  EXPECT_NE(body.find("<a href=\"b%3Ci%3E.txt\">b&lt;i&gt;.txt</a></td><td>5</td>"), std::string::npos) << body;
  EXPECT_NE(body.find("<a href=\"sp%20ace.txt\">"), std::string::npos) << body;
  EXPECT_NE(body.find("<a href=\"sub/\">sub/</a>"), std::string::npos) << body;
  EXPECT_EQ(body.find(".hidden"), std::string::npos);
  EXPECT_LT(body.find("a&amp;b"), body.find("b&lt;i"));
  EXPECT_LT(body.find("b&lt;i"), body.find("sp ace"));
}

TEST_F(Http, ListingOffByDefault) {
  base_.mkdir("www/list");
  start();
  EXPECT_EQ(status_of(get("/list/")), 403);
}

TEST_F(Http, Dotfiles) {
  put(".env", "SECRET");
  put(".git/config", "x");
  put(".well-known/security.txt", "contact");
  start();
  EXPECT_EQ(status_of(get("/.env")), 404);
  EXPECT_EQ(status_of(get("/.git/config")), 404);
  EXPECT_EQ(status_of(get("/%2egit/config")), 404);
  EXPECT_EQ(split(get("/.well-known/security.txt")).second, "contact");
}

TEST_F(Http, DotfilesWhenEnabled) {
  put(".env", "VISIBLE");
  start({"--dotfiles"});
  EXPECT_EQ(split(get("/.env")).second, "VISIBLE");
}

TEST_F(Http, BadPathsAndTraversal) {
  put("in.txt", "in");
  std::filesystem::create_symlink("../secret.txt", root_ + "/out-link");
  start();
  EXPECT_EQ(status_of(get("/a%00b")), 400);
  EXPECT_EQ(status_of(get("/a%2fb")), 400);
  EXPECT_EQ(status_of(get("/a%zz")), 400);
  EXPECT_EQ(status_of(get("/a%4")), 400);
  for (const char* t :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/x/../../secret.txt", "/out-link", "/%252e%252e/secret.txt"}) {
    std::string r = get(t);
    EXPECT_EQ(r.find("TOP-SECRET"), std::string::npos) << t;
    int s = status_of(r);
    EXPECT_TRUE(s == 400 || s == 404) << t << " gave " << s;
  }
}
