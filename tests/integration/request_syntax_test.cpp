// Request syntax the server must refuse or read exactly, over raw sockets:
// field names, the Host field, and list-based fields sent as several lines.
#include <gtest/gtest.h>

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
