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
