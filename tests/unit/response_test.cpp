// Status lines as a table: every status of RFC 9110 (and RFC 6585's) has its
// reason phrase, so a script's bare "Status: 429" never reads "Unknown".
#include "response.hpp"

#include <gtest/gtest.h>

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
