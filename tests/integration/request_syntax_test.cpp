// Request syntax the server must refuse or read exactly, over raw sockets:
// field names, the Host field, and list-based fields sent as several lines.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.hpp"

using namespace testing_support;

namespace {

class RequestSyntax : public HttpServerTest {};

}  // namespace

// A field name is a token: white space or a delimiter inside it is 400 (RFC 9112 section 5.1).
TEST_F(RequestSyntax, FieldNameMustBeAToken) {
  put("a.txt", "A");
  start();
  for (const char* line : {"Bad Header: x", "Bad\"Name: x", "Bad(Name: x", "Bad : x"}) {
    std::string resp = get("/a.txt", std::string(line) + "\r\n");
    EXPECT_EQ(status_of(resp), 400) << line;
    EXPECT_EQ(header(resp, "Connection"), "close") << line;
  }
  EXPECT_EQ(status_of(get("/a.txt", "X-Good_Name.1: x\r\n")), 200);
}

// Host must be uri-host [":" port] (RFC 9112 section 3.2, RFC 9110 section
// 7.2); a request-smuggling probe sends these to see which hop reads what.
TEST_F(RequestSyntax, MalformedHostIs400AndCloses) {
  put("a.txt", "A");
  start();
  for (const char* head : {"GET /a.txt HTTP/1.1\r\nHost: a b\r\n", "GET /a.txt HTTP/1.1\r\nHost: a/b@c\r\n",
                           "GET /a.txt HTTP/1.1\r\nHost: a:80x\r\n", "GET /a.txt HTTP/1.1\r\nHost: a:65536\r\n",
                           "GET /a.txt HTTP/1.1\r\nHost: a:80:90\r\n", "GET /a.txt HTTP/1.1\r\nHost: a, b\r\n",
                           "GET http://a/a.txt HTTP/1.1\r\n", "GET http://a:99999/a.txt HTTP/1.1\r\nHost: a\r\n"}) {
    // A second request on the same connection must never be answered.
    std::string r = req(std::string(head) + "\r\nGET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(status_of(r), 400) << head;
    EXPECT_EQ(header(r, "Connection"), "close") << head;
    EXPECT_EQ(r.find("HTTP/1.1", 1), std::string::npos) << "the pipelined request was answered: " << head;
  }
  for (const char* host : {"[::1]:8080", "example.org.", "EXAMPLE.org:80", "127.0.0.1", ""}) {
    std::string r = req("GET /a.txt HTTP/1.1\r\nHost: " + std::string(host) + "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(r), 200) << host;
    EXPECT_EQ(body_of(r), "A") << host;
  }
  std::string other = req("GET http://b.example/a.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(other), 200) << "the target's authority wins over a different Host";
}

// A list-based field sent as several lines is one list, in order (RFC 9110
// section 5.3): Accept-Encoding, Accept, If-None-Match, If-Match, Expect.
TEST_F(RequestSyntax, ListFieldLinesAreOneList) {
  std::string js = "console.log('list fields');\n";
  put("app.js", js);
  RunResult gz = run({"sh", "-c", "gzip -9 -n -c " + root_ + "/app.js > " + root_ + "/app.js.gz"});
  ASSERT_EQ(gz.exit_code, 0) << gz.err;
  put("dir/x.txt", "x");
  put("echo.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  std::string config = base_.write("site.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" +
                                                    std::to_string(port_) +
                                                    "\"]\nlisting = true\nprecompressed = [\"gzip\"]\n");
  start_with({"-c", config});
  std::string coded = get("/app.js", "Accept-Encoding: identity;q=0\r\nAccept-Encoding: gzip\r\n");
  EXPECT_EQ(status_of(coded), 200) << "the second line's gzip is acceptable";
  EXPECT_EQ(header(coded, "Content-Encoding"), "gzip");
  std::string refused = get("/app.js", "Accept-Encoding: gzip;q=0\r\nAccept-Encoding: identity;q=0\r\n");
  // Both lines together refuse everything: the file goes as it is (no 406), as the peers answer.
  EXPECT_EQ(status_of(refused), 200);
  EXPECT_EQ(header(refused, "Content-Encoding"), "");
  EXPECT_EQ(body_of(refused), js);
  std::string listing = get("/dir/", "Accept: text/html;q=0.5\r\nAccept: Application/JSON\r\n");
  EXPECT_EQ(status_of(listing), 200);
  EXPECT_EQ(header(listing, "Content-Type").rfind("application/json", 0), 0u) << header(listing, "Content-Type");
  std::string etag = header(coded, "ETag");
  ASSERT_FALSE(etag.empty());
  std::string cond = "Accept-Encoding: gzip\r\n";
  EXPECT_EQ(status_of(get("/app.js", cond + "If-None-Match: \"other\"\r\nIf-None-Match: " + etag + "\r\n")), 304);
  EXPECT_EQ(status_of(get("/app.js", cond + "If-Match: \"other\"\r\nIf-Match: " + etag + "\r\n")), 200);
  EXPECT_EQ(status_of(get("/app.js", cond + "If-Match: \"other\"\r\nIf-Match: \"more\"\r\n")), 412);
  // Expect over two lines still asks for 100 Continue before the body.
  int fd = connect_to(port_);
  ASSERT_GE(fd, 0);
  std::string head =
      "POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: \r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n";
  ASSERT_EQ(send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  std::string interim = read_n(fd, 25, std::chrono::seconds(2));
  EXPECT_EQ(interim.substr(0, 25), "HTTP/1.1 100 Continue\r\n\r\n");
  send(fd, "data", 4, 0);
  std::string rest = interim + read_all(fd, std::chrono::seconds(3));
  close(fd);
  EXPECT_NE(rest.find("data"), std::string::npos) << rest;
}
