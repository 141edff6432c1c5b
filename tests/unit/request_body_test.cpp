// The CGI request-body limit: the decision as a table, and the parser
// refusing a chunk-size line that takes a body over it.
#include "request_body.hpp"

#include <gtest/gtest.h>

#include <string>

#include "http_parser.hpp"

using namespace filehttpd;

TEST(BodyLimit, Table) {
  constexpr std::uint64_t max = UINT64_MAX;
  struct Row {
    const char* name;
    std::uint64_t received, more, limit;
    bool over;
  } rows[] = {
      {"empty", 0, 0, 100, false},
      {"at the limit at once", 0, 100, 100, false},
      {"one over at once", 0, 101, 100, true},
      {"adds up to the limit", 60, 40, 100, false},
      {"adds up over the limit", 60, 41, 100, true},
      {"already over", 101, 0, 100, true},
      {"largest chunk size", 0, max, 100, true},
      {"largest chunk size after some bytes (no wrap)", 50, max, 100, true},
      {"wraps past zero", 2, max - 1, max, true},
      {"no limit", 5, max - 5, max, false},
      {"zero limit, last chunk", 0, 0, 0, false},
  };
  for (const Row& r : rows) EXPECT_EQ(body_over_limit(r.received, r.more, r.limit), r.over) << r.name;
}

namespace {

// Feeds head then body to a parser limited to limit body bytes; returns the
// event of the body and the status of an error.
std::pair<ParseEvent, int> feed_body(const std::string& body, std::uint64_t limit) {
  RequestParser p(8192, 8192, false);
  std::string head = "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::size_t used = 0;
  EXPECT_EQ(p.feed(head.data(), head.size(), used), ParseEvent::headers_done);
  p.set_body_limit(limit);
  ParseEvent ev = p.feed(body.data(), body.size(), used);
  return {ev, ev == ParseEvent::error ? p.error_status() : 0};
}

}  // namespace

TEST(BodyLimit, ParserRefusesTheChunkSizeLine) {
  struct Row {
    const char* name;
    std::string body;
    ParseEvent ev;
    int status;
  } rows[] = {
      {"huge size, no bytes", "ffffffffffffffff\r\n", ParseEvent::error, 413},
      {"one over, no bytes", "65\r\n", ParseEvent::error, 413},
      {"adds up over", "3c\r\n" + std::string(60, 'a') + "\r\n29\r\n", ParseEvent::error, 413},
      {"size line not finished yet", "ffffffffffffffff", ParseEvent::need_more, 0},
      {"at the limit", "64\r\n" + std::string(100, 'a') + "\r\n0\r\n\r\n", ParseEvent::message_done, 0},
      {"malformed size stays 400", "zz\r\n", ParseEvent::error, 400},
  };
  for (const Row& r : rows) {
    auto [ev, status] = feed_body(r.body, 100);
    EXPECT_EQ(ev, r.ev) << r.name;
    EXPECT_EQ(status, r.status) << r.name;
  }
}

TEST(BodyLimit, NextMessageHasNoLimit) {
  RequestParser p(8192, 8192, false);
  std::string one = "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::size_t used = 0;
  ASSERT_EQ(p.feed(one.data(), one.size(), used), ParseEvent::headers_done);
  p.set_body_limit(10);
  std::string body = "5\r\nhello\r\n0\r\n\r\n";
  ASSERT_EQ(p.feed(body.data(), body.size(), used), ParseEvent::message_done);
  ASSERT_EQ(p.feed(one.data(), one.size(), used), ParseEvent::headers_done);
  std::string big = "20\r\n" + std::string(32, 'b') + "\r\n0\r\n\r\n";
  EXPECT_EQ(p.feed(big.data(), big.size(), used), ParseEvent::message_done);
}
