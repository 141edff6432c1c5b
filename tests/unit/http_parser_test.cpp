// Unit tests for the llhttp glue: a table of requests, then every request fed split at every offset.
#include "http_parser.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

namespace {

struct Outcome {
  ParseEvent event = ParseEvent::need_more;
  int status = 0;
  std::string method;
  std::string target;
  int minor = -1;
  std::size_t headers = 0;
  std::string host;
  std::string body;
  std::size_t consumed = 0;
};

// Feeds input in pieces split at the given offsets, keeping unconsumed bytes
// as a connection would, until the message (or an error) is complete.
Outcome parse(const std::string& input, std::vector<std::size_t> cuts, bool relative = false,
              std::size_t header_limit = 32 * 1024, std::size_t uri_limit = 8 * 1024) {
  RequestParser p(header_limit, uri_limit, relative);
  Outcome out;
  std::string body;
  p.set_body_sink(&body);
  std::string pending;
  std::size_t pos = 0;
  cuts.push_back(input.size());
  for (std::size_t cut : cuts) {
    pending += input.substr(pos, cut - pos);
    pos = cut;
    while (true) {
      std::size_t used = 0;
      ParseEvent ev = p.feed(pending.data(), pending.size(), used);
      out.consumed += used;
      pending.erase(0, used);
      if (ev == ParseEvent::error) {
        out.event = ev;
        out.status = p.error_status();
        return out;
      }
      if (ev == ParseEvent::headers_done) {
        const Request& r = p.request();
        out.method = std::string(r.method_name);
        out.target = r.target;
        out.minor = r.version_minor;
        out.headers = r.header_count;
        const std::string* h = r.find("host");
        out.host = h ? *h : "(none)";
        continue;
      }
      if (ev == ParseEvent::message_done) {
        out.event = ev;
        out.body = body;
        return out;
      }
      break;  // need more
    }
  }
  out.event = ParseEvent::need_more;
  return out;
}

struct Row {
  const char* name;
  std::string input;
  int status;  // 0: complete request expected
  const char* method;
  const char* target;
  const char* body;
  bool relative;
};

const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      {"simple", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, "GET", "/", "", false},
      {"head", "HEAD /x HTTP/1.0\r\n\r\n", 0, "HEAD", "/x", "", false},
      {"folded_case_header", "GET /q?x=1 HTTP/1.1\r\nhOsT: b\r\nX: y\r\n\r\n", 0, "GET", "/q?x=1", "", false},
      {"body_length", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 0, "POST", "/f", "hello", false},
      {"body_chunked",
       "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 0, "POST",
       "/c", "abcde", false},
      {"relative_target", "GET index.html HTTP/1.1\r\n\r\n", 0, "GET", "/index.html", "", true},
      {"relative_with_slash", "GET /index.html HTTP/1.1\r\n\r\n", 0, "GET", "/index.html", "", true},
      {"unknown_method", "BREW / HTTP/1.1\r\n\r\n", 501, "", "", "", false},
      {"garbage", "\x01\x02\x03 / HTTP/1.1\r\n\r\n", 400, "", "", "", false},
      {"bad_header", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "", "", "", false},
      {"space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "", "", "", false},
      {"bad_version", "GET / HTTP/9.9\r\n\r\n", 505, "", "", "", false},
      {"cl_and_te", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "", "",
       "", false},
      {"double_cl", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "", "", "", false},
      {"bare_lf_in_chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400, "", "", "",
       false},
      // Segmentation independence (each row is also fed split at every offset and byte by byte).
      {"empty_field_name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400, "", "", "", false},
      {"empty_first_field_name", "GET / HTTP/1.1\r\n: x\r\nHost: a\r\n\r\n", 400, "", "", "", false},
      {"nul_method", std::string("\0\0 / HTTP/1.1\r\n\r\n", 17), 400, "", "", "", false},
      {"forty_nuls", std::string(40, '\0') + " / HTTP/1.1\r\n\r\n", 400, "", "", "", false},
      {"long_method", std::string(40, 'M') + " / HTTP/1.1\r\n\r\n", 501, "", "", "", false},
      // Found by fuzz_request_parser: a long token that ends in a non-token byte, not in SP.
      {"fuzz_long_token_then_quote", "AE" + std::string(72, 'l') + "DHT\"", 501, "", "", "", true},
      {"long_target", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "", "", "", false},
      {"classic_absolute_form", "GET http://x/index.html HTTP/1.1\r\n\r\n", 0, "GET", "/index.html", "", true},
      {"absolute_form", "GET http://other.example/cgi/env.sh?a=1 HTTP/1.1\r\nHost: a\r\n\r\n", 0, "GET",
       "/cgi/env.sh?a=1", "", false},
      {"absolute_form_no_path", "GET HTTP://other.example:81?q HTTP/1.1\r\nHost: a\r\n\r\n", 0, "GET", "/?q", "",
       false},
      {"absolute_form_empty_host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "", "", "", false},
      {"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "", "", "", false},
      // RFC 9112 strictness: what llhttp 8.1 lets through and we do not.
      {"obs_fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400, "", "", "", false},
      {"obs_fold_tab", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", 400, "", "", "", false},
      {"bare_cr_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-Abc: \rxTransfer-Encoding: chunked\r\n\r\n", 400, "", "", "",
       false},
      {"nul_in_value", std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 35), 400, "", "", "", false},
      {"te_identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501, "", "", "", false},
      {"te_unknown", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: bogus, chunked\r\n\r\n0\r\n\r\n", 501, "", "",
       "", false},
      {"te_chunked_not_last", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, "", "", "",
       false},
      {"te_chunked_twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400,
       "", "", "", false},
      {"te_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "", "", "", false},
      {"te_gzip_chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       0, "POST", "/", "abc", false},
      {"te_two_fields",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3\r\nabc\r\n0\r\n\r\n",
       0, "POST", "/", "abc", false},
      {"te_empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400, "", "", "", false},
      {"te_empty_line_then_chunked",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, "POST",
       "/", "", false},
      {"bad_chunk_size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400,
       "", "", "", false},
      {"chunk_size_overflow",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400,
       "", "", "", false},
      {"chunk_without_crlf", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n", 400,
       "", "", "", false},
      {"h2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "", "", "", false},
      {"tab_in_value_ok", "GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n", 0, "GET", "/", "", false},
      {"classic_name_starting_with_h", "GET hello.txt HTTP/1.1\r\n\r\n", 0, "GET", "/hello.txt", "", true},
      {"classic_name_http", "GET http HTTP/1.1\r\n\r\n", 0, "GET", "/http", "", true},
      // A field name is a token (RFC 9112 section 5.1): no white space or delimiter inside it.
      {"space_in_name", "GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", 400, "", "", "", false},
      {"tab_in_name", "GET / HTTP/1.1\r\nHost: a\r\nBad\tHeader: x\r\n\r\n", 400, "", "", "", false},
      {"quote_in_name", "GET / HTTP/1.1\r\nHost: a\r\nBad\"Name: x\r\n\r\n", 400, "", "", "", false},
      {"paren_in_name", "GET / HTTP/1.1\r\nHost: a\r\nBad(Name: x\r\n\r\n", 400, "", "", "", false},
      {"slash_in_name", "GET / HTTP/1.1\r\nHost: a\r\nBad/Name: x\r\n\r\n", 400, "", "", "", false},
      {"at_in_name", "GET / HTTP/1.1\r\nHost: a\r\nBad@Name: x\r\n\r\n", 400, "", "", "", false},
      {"brace_in_name", "GET / HTTP/1.1\r\nHost: a\r\nBad{Name: x\r\n\r\n", 400, "", "", "", false},
      {"high_byte_in_name", "GET / HTTP/1.1\r\nHost: a\r\nBad\xe9Name: x\r\n\r\n", 400, "", "", "", false},
      {"tchar_name_ok", "GET / HTTP/1.1\r\nHost: a\r\nX-A!#$%&'*+.^_`|~9: x\r\n\r\n", 0, "GET", "/", "", false},
      {"space_in_host_name", "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", 400, "", "", "", false},
      {"upgrade_is_ignored", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 0,
       "GET", "/ws", "", false},
  };
  return r;
}

}  // namespace

TEST(RequestParser, Table) {
  for (const Row& row : rows()) {
    Outcome o = parse(row.input, {}, row.relative);
    if (row.status) {
      EXPECT_EQ(o.event, ParseEvent::error) << row.name;
      EXPECT_EQ(o.status, row.status) << row.name;
    } else {
      ASSERT_EQ(o.event, ParseEvent::message_done) << row.name << " status " << o.status;
      EXPECT_EQ(o.method, row.method) << row.name;
      EXPECT_EQ(o.target, row.target) << row.name;
      EXPECT_EQ(o.body, row.body) << row.name;
      EXPECT_EQ(o.consumed, row.input.size()) << row.name;
    }
  }
}

TEST(RequestParser, EverySplitOffsetGivesTheSameResult) {
  for (const Row& row : rows()) {
    Outcome whole = parse(row.input, {}, row.relative);
    for (std::size_t cut = 1; cut < row.input.size(); ++cut) {
      Outcome split = parse(row.input, {cut}, row.relative);
      ASSERT_EQ(split.event, whole.event) << row.name << " cut at " << cut;
      EXPECT_EQ(split.status, whole.status) << row.name << " cut at " << cut;
      EXPECT_EQ(split.target, whole.target) << row.name << " cut at " << cut;
      EXPECT_EQ(split.method, whole.method) << row.name << " cut at " << cut;
      EXPECT_EQ(split.body, whole.body) << row.name << " cut at " << cut;
      EXPECT_EQ(split.host, whole.host) << row.name << " cut at " << cut;
    }
  }
}

TEST(RequestParser, ByteAtATime) {
  for (const Row& row : rows()) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < row.input.size(); ++i) cuts.push_back(i);
    Outcome whole = parse(row.input, {}, row.relative);
    Outcome bytes = parse(row.input, cuts, row.relative);
    EXPECT_EQ(bytes.event, whole.event) << row.name;
    EXPECT_EQ(bytes.target, whole.target) << row.name;
    EXPECT_EQ(bytes.body, whole.body) << row.name;
  }
}

// The Host field (RFC 9112 section 3.2, RFC 9110 section 7.2): one, with a
// valid uri-host [":" port]; an absolute-form target's authority replaces it.
TEST(RequestParser, HostField) {
  struct Row {
    std::string in;
    int status;        // 0: a complete request
    const char* host;  // the Host the request ends up with ("(none)": no field)
    bool relative = false;
  } rows[] = {
      {"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: a/b@c\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: a:99999999999999999999999\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: a:80:90\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, ""},
      {"GET / HTTP/1.0\r\nHost: a b\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 0, "[::1]:8080"},
      {"GET / HTTP/1.1\r\nHost: example.org.\r\n\r\n", 0, "example.org."},
      {"GET / HTTP/1.1\r\nHost: EXAMPLE.org:80\r\n\r\n", 0, "EXAMPLE.org:80"},
      {"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, "127.0.0.1"},
      {"GET / HTTP/1.1\r\nHost: a:65535\r\n\r\n", 0, "a:65535"},
      {"GET / HTTP/1.1\r\nHost: a \r\n\r\n", 0, "a"},
      // Empty: allowed for a target without an authority (RFC 9110 section 7.2).
      {"GET / HTTP/1.1\r\nHost:\r\n\r\n", 0, ""},
      {"GET / HTTP/1.1\r\nHost: \r\n\r\n", 0, ""},
      {"GET / HTTP/1.1\r\n\r\n", 0, "(none)"},
      // Absolute form: the target's authority wins over a different Host.
      {"GET http://b.example:8080/x HTTP/1.1\r\nHost: a\r\n\r\n", 0, "b.example:8080"},
      {"GET http://b.example/x HTTP/1.1\r\nHost: a b\r\n\r\n", 400, ""},
      {"GET http://b.example:99999/x HTTP/1.1\r\nHost: a\r\n\r\n", 400, ""},
      {"GET http://u@b.example/x HTTP/1.1\r\nHost: a\r\n\r\n", 400, ""},
      // HTTP/1.1 without Host stays without one (answered 400 as any request
      // without Host); HTTP/1.0 and the classic profile take the target's.
      {"GET http://b.example/x HTTP/1.1\r\n\r\n", 0, "(none)"},
      {"GET http://b.example/x HTTP/1.0\r\n\r\n", 0, "b.example"},
      {"GET http://b.example/x HTTP/1.1\r\n\r\n", 0, "b.example", true},
  };
  for (const Row& r : rows) {
    Outcome o = parse(r.in, {}, r.relative);
    if (r.status) {
      EXPECT_EQ(o.event, ParseEvent::error) << r.in;
      EXPECT_EQ(o.status, r.status) << r.in;
    } else {
      ASSERT_EQ(o.event, ParseEvent::message_done) << r.in << " status " << o.status;
      EXPECT_EQ(o.host, r.host) << r.in;
    }
    for (std::size_t cut = 1; cut < r.in.size(); ++cut) {
      Outcome split = parse(r.in, {cut}, r.relative);
      EXPECT_EQ(split.status, o.status) << r.in << " cut at " << cut;
      EXPECT_EQ(split.host, o.host) << r.in << " cut at " << cut;
    }
  }
}

// The field lines of a list-based field are one list, in order (RFC 9110 section 5.3).
TEST(Request, FindListJoinsFieldLines) {
  RequestParser p(32 * 1024, 8 * 1024, false);
  std::string in =
      "GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: identity;q=0\r\nX: y\r\naccept-encoding: gzip \r\n"
      "Accept: text/html\r\nAccept-Encoding:\r\nACCEPT-ENCODING: br\r\n\r\n";
  std::size_t used = 0;
  ASSERT_EQ(p.feed(in.data(), in.size(), used), ParseEvent::headers_done);
  const Request& r = p.request();
  std::string joined;
  const std::string* ae = r.find_list("Accept-Encoding", joined);
  ASSERT_NE(ae, nullptr);
  EXPECT_EQ(*ae, "identity;q=0, gzip, , br");
  std::vector<std::string_view> items;
  append_list_items(*ae, items);
  EXPECT_EQ(items, (std::vector<std::string_view>{"identity;q=0", "gzip", "br"}));
  std::string other;
  const std::string* accept = r.find_list("accept", other);
  ASSERT_NE(accept, nullptr);
  EXPECT_EQ(*accept, "text/html");
  EXPECT_EQ(accept, r.find("Accept")) << "one line is given as it is, without a copy";
  EXPECT_EQ(r.find_list("If-None-Match", other), nullptr);
}

namespace {

// Feeds in as a connection would, one event at a time, and returns the target
// of every request head; every message must complete and use all the input.
std::vector<std::string> pipelined_targets(const std::string& in) {
  RequestParser p(32 * 1024, 8 * 1024, false);
  std::vector<std::string> targets;
  std::size_t off = 0;
  while (off < in.size()) {
    std::size_t used = 0;
    ParseEvent ev = p.feed(in.data() + off, in.size() - off, used);
    off += used;
    if (ev == ParseEvent::headers_done) {
      targets.push_back(p.request().target);
    } else if (ev != ParseEvent::message_done) {
      targets.push_back("<stopped>");
      break;
    }
  }
  return targets;
}

}  // namespace

TEST(RequestParser, PipelinedRequestsStopAfterEachMessage) {
  EXPECT_EQ(pipelined_targets("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"),
            (std::vector<std::string>{"/a", "/b"}));
}

TEST(RequestParser, KeepAliveFlags) {
  RequestParser p(32 * 1024, 8 * 1024, false);
  std::string a = "GET / HTTP/1.0\r\n\r\n";
  std::size_t used;
  ASSERT_EQ(p.feed(a.data(), a.size(), used), ParseEvent::headers_done);
  EXPECT_FALSE(p.request().keep_alive);
  RequestParser q(32 * 1024, 8 * 1024, false);
  std::string b = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  ASSERT_EQ(q.feed(b.data(), b.size(), used), ParseEvent::headers_done);
  EXPECT_TRUE(q.request().keep_alive);
  RequestParser r(32 * 1024, 8 * 1024, false);
  std::string c = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(r.feed(c.data(), c.size(), used), ParseEvent::headers_done);
  EXPECT_FALSE(r.request().keep_alive);
}

TEST(RequestParser, UriLimitGives414) {
  std::string in = "GET /" + std::string(600, 'a') + " HTTP/1.1\r\n\r\n";
  Outcome o = parse(in, {}, false, 4096, 512);
  EXPECT_EQ(o.event, ParseEvent::error);
  EXPECT_EQ(o.status, 414);
}

TEST(RequestParser, HeaderLimitGives431EvenWhenSplit) {
  std::string in = "GET / HTTP/1.1\r\nCookie: " + std::string(5000, 'c') + "\r\n\r\n";
  Outcome o = parse(in, {100, 2000, 4000}, false, 4096, 512);
  EXPECT_EQ(o.event, ParseEvent::error);
  EXPECT_EQ(o.status, 431);
  Outcome fits = parse(in, {100, 2000, 4000}, false, 8192, 512);
  EXPECT_EQ(fits.event, ParseEvent::message_done);
}

// The head-size count comes from bytes, not from how many callbacks llhttp
// made: for every limit, whole and byte-by-byte input agree on 431 or not.
TEST(RequestParser, HeadLimitIsTheSameHoweverSplit) {
  std::string in = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 12; ++i) in += "X-Header-Number-" + std::to_string(i) + ": " + std::string(20, 'v') + "\r\n";
  in += "\r\n";
  std::vector<std::size_t> bytes;
  for (std::size_t i = 1; i < in.size(); ++i) bytes.push_back(i);
  int flips = 0;
  ParseEvent last = ParseEvent::error;
  for (std::size_t limit = in.size() - 80; limit <= in.size() + 10; ++limit) {
    Outcome whole = parse(in, {}, false, limit, 512);
    Outcome split = parse(in, bytes, false, limit, 512);
    EXPECT_EQ(whole.event, split.event) << "limit " << limit;
    EXPECT_EQ(whole.status, split.status) << "limit " << limit;
    if (whole.event != last) ++flips;
    last = whole.event;
  }
  EXPECT_EQ(flips, 1) << "the range of limits should cover 431 (low limits) and a parsed head (high ones)";
  EXPECT_EQ(last, ParseEvent::message_done);
}

// A request with Upgrade is answered as a plain request, and the next
// pipelined request is parsed as HTTP.
TEST(RequestParser, UpgradeHeaderDoesNotStopPipelining) {
  EXPECT_EQ(pipelined_targets("GET /a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
                              "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"),
            (std::vector<std::string>{"/a", "/b"}));
}

// Rejections carry our own words, never llhttp's.
TEST(RequestParser, RejectionReasonsAreOurs) {
  struct Row {
    std::string in;
    const char* reason;
  } rows[] = {
      {"GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
       "Content-Length together with Transfer-Encoding"},
      {"GET / HTTP/1.1\r\nX: \x01\r\n\r\n", "a byte not allowed in a header name or value"},
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "an HTTP/2 connection preface (only HTTP/1.x is served)"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "a malformed or overflowing chunk size"},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "more than one Host field"},
      {"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", "a byte not allowed in a header name"},
      {"GET / HTTP/1.1\r\nHost: a:80:90\r\n\r\n", "a malformed Host field"},
      {"GET http://a:99999/ HTTP/1.1\r\nHost: a\r\n\r\n", "absolute-form target with a malformed authority"},
  };
  for (const Row& r : rows) {
    RequestParser p(32 * 1024, 8 * 1024, false);
    std::size_t used = 0;
    ParseEvent ev = p.feed(r.in.data(), r.in.size(), used);
    while (ev == ParseEvent::headers_done || ev == ParseEvent::message_done) {
      std::size_t more = 0;
      ev = p.feed(r.in.data() + used, r.in.size() - used, more);
      used += more;
      if (more == 0) break;
    }
    ASSERT_EQ(ev, ParseEvent::error) << r.in;
    EXPECT_EQ(p.error_reason(), r.reason) << r.in;
  }
}

TEST(WeightedItems, Table) {
  struct Row {
    const char* in;
    const char* name;
    double q;
  } rows[] = {
      {"gzip", "gzip", 1},
      {"gzip;q=0.5", "gzip", 0.5},
      {" br ; q=0 ", "br", 0},
      {"text/html; level=1; q=0.2", "text/html", 0.2},
      {"text/html;level=1", "text/html", 1},
      {"*;Q=0.7", "*", 0.7},
      {"a;qq=0.1", "a", 1},
  };
  for (const Row& r : rows) {
    WeightedItem w = parse_weighted_item(r.in);
    EXPECT_EQ(w.name, r.name) << r.in;
    EXPECT_DOUBLE_EQ(w.q, r.q) << r.in;
    EXPECT_TRUE(w.valid) << r.in;
  }
}

// A weight is a qvalue (RFC 9110 section 12.4.2): "0" to "1" with at most
// three decimals. Any other weight makes the item invalid.
TEST(WeightedItems, QvalueGrammar) {
  struct Row {
    const char* in;
    bool valid;
    double q;
  } rows[] = {
      {"a;q=0", true, 0},      {"a;q=0.", true, 0},     {"a;q=0.001", true, 0.001}, {"a;q=0.999", true, 0.999},
      {"a;q=1", true, 1},      {"a;q=1.", true, 1},     {"a;q=1.000", true, 1},     {"a;q=0.25", true, 0.25},
      {"a;q=-1", false, 0},    {"a;q=nan", false, 0},   {"a;q=inf", false, 0},      {"a;q=1.001", false, 0},
      {"a;q=0.0001", false, 0}, {"a;q=2", false, 0},    {"a;q=", false, 0},         {"a;q=.5", false, 0},
      {"a;q=0x1", false, 0},   {"a;q=1e0", false, 0},   {"a;q=+0.5", false, 0},     {"a;q=00", false, 0},
      {"a;q=0.5x", false, 0},  {"a;q= 0.5", false, 0},  {"a;q=0,5", false, 0},      {"a;q=1.0000", false, 0},
  };
  for (const Row& r : rows) {
    WeightedItem w = parse_weighted_item(r.in);
    EXPECT_EQ(w.valid, r.valid) << r.in;
    if (r.valid) {
      EXPECT_DOUBLE_EQ(w.q, r.q) << r.in;
    }
  }
}
