// CGI decisions as tables: the header-block parser, the silence deadline.
#include "cgi.hpp"
#include "cgi_exchange.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(CgiHeaders, Table) {
  using S = CgiHeaderResult::State;
  struct Row {
    const char* name;
    std::string in;
    S state;
    int status;
    bool has_length;
    unsigned long long length;
  } rows[] = {
      {"plain", "Content-Type: text/plain\r\n\r\nbody", S::done, 200, false, 0},
      {"lf_only", "Content-Type: text/plain\n\nbody", S::done, 200, false, 0},
      {"status", "Status: 404 Gone\r\nContent-Type: text/plain\r\n\r\n", S::done, 404, false, 0},
      {"length", "Content-Length: 18446744073709551615\r\n\r\n", S::done, 200, true, 18446744073709551615ull},
      {"length_wraps", "Content-Length: 18446744073709551618\r\n\r\n", S::invalid, 0, false, 0},
      {"length_huge", "Content-Length: 99999999999999999999999\r\n\r\n", S::invalid, 0, false, 0},
      {"length_signed", "Content-Length: +5\r\n\r\n", S::invalid, 0, false, 0},
      {"cr_in_name", "A\rB: v\r\n\r\n", S::invalid, 0, false, 0},
      {"nul_in_name", std::string("A\0B: v\r\n\r\n", 10), S::invalid, 0, false, 0},
      {"space_in_name", "A B: v\r\n\r\n", S::invalid, 0, false, 0},
      {"cr_in_value", "X: a\rb\r\n\r\n", S::invalid, 0, false, 0},
      {"nul_in_value", std::string("X: a\0b\r\n\r\n", 10), S::invalid, 0, false, 0},
      {"esc_in_value", "X: a\x1b[1m\r\n\r\n", S::invalid, 0, false, 0},
      {"del_in_value", "X: a\x7f\r\n\r\n", S::invalid, 0, false, 0},
      {"tab_in_value", "X: a\tb\r\nContent-Type: t/p\r\n\r\n", S::done, 200, false, 0},
      {"cr_in_location", "Location: /a\rSet-Cookie: x\r\n\r\n", S::invalid, 0, false, 0},
      {"utf8_value", "X: caf\xc3\xa9\r\n\r\n", S::done, 200, false, 0},
      {"no_blank_line_yet", "Content-Type: text/plain\r\n", S::need_more, 200, false, 0},
  };
  for (const Row& r : rows) {
    CgiHeaderResult out = parse_cgi_headers(r.in);
    EXPECT_EQ(out.state, r.state) << r.name << ": " << out.reason;
    if (r.state != S::done) continue;
    EXPECT_EQ(out.status, r.status) << r.name;
    EXPECT_EQ(out.has_content_length, r.has_length) << r.name;
    if (r.has_length) {
      EXPECT_EQ(out.content_length, r.length) << r.name;
    }
  }
}

TEST(CgiDeadline, CountsOnlyWhileTheServerWaitsOnTheScript) {
  using namespace std::chrono_literals;
  using tp = std::chrono::steady_clock::time_point;
  const tp now = tp() + 100s;
  const tp never = tp::max();
  const tp soon = now + 300ms;  // a deadline already set
  struct Row {
    const char* name;
    tp current;
    CgiWait ev;
    bool exited;
    bool waiting;
    tp want;
  } rows[] = {
      {"output restarts the timeout", soon, CgiWait::output, false, true, now + 2s},
      {"output after exit keeps the linger", soon, CgiWait::output, true, true, soon},
      {"armed starts the timeout", never, CgiWait::armed, false, true, now + 2s},
      {"armed after exit starts the linger", never, CgiWait::armed, true, true, now + 1s},
      {"paused: the client is the slow side", soon, CgiWait::paused, false, false, never},
      {"paused after exit", soon, CgiWait::paused, true, false, never},
      {"exit while waiting: linger", now + 2s, CgiWait::exited, true, true, now + 1s},
      {"exit while waiting, sooner deadline kept", soon, CgiWait::exited, true, true, soon},
      {"exit while paused: no deadline yet", never, CgiWait::exited, true, false, never},
  };
  for (const Row& r : rows)
    EXPECT_EQ(next_cgi_deadline(r.current, r.ev, r.exited, r.waiting, now, 2s, 1s), r.want) << r.name;
}

TEST(CgiPages, WhichErrorPageScriptsRunAndWhoseStatusWins) {
  struct Row {
    int status;
    bool runs;
  } rows[] = {{400, true}, {403, true}, {404, true}, {405, true}, {408, false},
              {413, false}, {500, false}, {502, false}, {503, false}, {504, false}};
  for (const Row& r : rows) EXPECT_EQ(error_page_script_runs(r.status), r.runs) << r.status;
  // An error page keeps its status unless the script names one.
  EXPECT_FALSE(parse_cgi_headers("Content-Type: t/p\r\n\r\n").has_status);
  EXPECT_TRUE(parse_cgi_headers("Status: 200 OK\r\n\r\n").has_status);
  EXPECT_FALSE(parse_cgi_headers("Location: http://x/\r\n\r\n").has_status);
}

// An nph- script's status line becomes a Status field, so HTTP/2 can parse its head.
TEST(CgiHeaders, NphStatusLineBecomesAStatusField) {
  struct Case {
    std::string in;
    std::string out;
  } cases[] = {
      {"HTTP/1.1 299 Custom\r\nX-Raw: 1\r\n\r\nbody", "Status: 299 Custom\r\nX-Raw: 1\r\n\r\nbody"},
      {"HTTP/1.0 404 Not Found\nContent-Type: text/plain\n\n", "Status: 404 Not Found\nContent-Type: text/plain\n\n"},
      {"HTTP/1.1 204\r\n\r\n", "Status: 204\r\n\r\n"},
      {"Content-Type: text/plain\r\n\r\n", "Content-Type: text/plain\r\n\r\n"},  // no status line: as it is
      {"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"},                                    // not a whole line yet
      {"HTTP/2 200\r\n\r\n", "HTTP/2 200\r\n\r\n"},                              // not HTTP/1.x: left to fail
  };
  for (const Case& c : cases) {
    std::string head = c.in;
    nph_status_to_field(head);
    EXPECT_EQ(head, c.out) << c.in;
  }
}
