// Status lines as a table: every status of RFC 9110 (and RFC 6585's) has its
// reason phrase, so a script's bare "Status: 429" never reads "Unknown".
#include "response.hpp"

#include <gtest/gtest.h>

#include "http1_framing.hpp"

using namespace filehttpd;

TEST(Response, ReasonPhrases) {
  struct Row {
    int status;
    const char* reason;
  } rows[] = {
      {100, "Continue"},
      {101, "Switching Protocols"},
      {200, "OK"},
      {203, "Non-Authoritative Information"},
      {205, "Reset Content"},
      {300, "Multiple Choices"},
      {305, "Use Proxy"},
      {308, "Permanent Redirect"},
      {402, "Payment Required"},
      {406, "Not Acceptable"},
      {407, "Proxy Authentication Required"},
      {409, "Conflict"},
      {410, "Gone"},
      {415, "Unsupported Media Type"},
      {421, "Misdirected Request"},
      {422, "Unprocessable Content"},
      {426, "Upgrade Required"},
      {428, "Precondition Required"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {451, "Unavailable For Legal Reasons"},
      {505, "HTTP Version Not Supported"},
      {511, "Network Authentication Required"},
      {299, "Unknown"},
  };
  for (const Row& r : rows) EXPECT_EQ(reason_phrase(r.status), r.reason) << r.status;
  std::string line;
  append_status_line(line, 406);
  EXPECT_EQ(line, "HTTP/1.1 406 Not Acceptable\r\n");
}

// The HTTP/1.1 framing of a structured response: status line, Date and
// Server, the connection's lines, the fields, then the framing fields.
TEST(Response, Http1Framing) {
  Response r;
  r.status = 200;
  r.fields.add("Content-Type", "text/plain");
  struct Row {
    bool bare;
    bool has_length;
    bool keep_alive;
    int minor;
    bool chunked;
    const char* tail;  // after the Content-Type line
  } rows[] = {
      {false, true, true, 1, false, "Content-Length: 5\r\n\r\n"},
      {false, true, false, 1, false, "Content-Length: 5\r\nConnection: close\r\n\r\n"},
      {false, true, true, 0, false, "Content-Length: 5\r\nConnection: keep-alive\r\n\r\n"},
      {false, false, true, 1, true, "Transfer-Encoding: chunked\r\n\r\n"},
      {true, true, false, 1, false, "Content-Length: 5\r\n\r\n"},
  };
  for (const Row& row : rows) {
    r.bare = row.bare;
    r.has_length = row.has_length;
    r.length = 5;
    Http1Framing f;
    f.keep_alive = row.keep_alive;
    f.version_minor = row.minor;
    f.chunked = row.chunked;
    f.connection_lines = "Strict-Transport-Security: max-age=1\r\n";
    std::string out;
    frame_http1_head(r, f, out);
    std::string fields = std::string("Content-Type: text/plain\r\n") + row.tail;
    ASSERT_TRUE(out.starts_with("HTTP/1.1 200 OK\r\n")) << out;
    ASSERT_TRUE(out.ends_with(fields)) << out;
    if (row.bare) {
      EXPECT_EQ(out, "HTTP/1.1 200 OK\r\n" + fields);
    } else {
      EXPECT_NE(out.find("\r\nDate: "), std::string::npos);
      EXPECT_NE(out.find("\r\nServer: filehttpd/"), std::string::npos);
      EXPECT_NE(out.find("\r\nStrict-Transport-Security: max-age=1\r\nContent-Type"), std::string::npos);
    }
  }
  r.reason = "Custom";
  r.bare = true;
  std::string out;
  frame_http1_head(r, Http1Framing{}, out);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200 Custom\r\n")) << out;
}
