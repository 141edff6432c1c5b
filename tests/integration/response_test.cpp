// What a response says about itself: header rules against the fields the
// server owns, Content-Encoding only for what was applied, reason phrases,
// dates no later than Date, and config errors on one line.
#include <gtest/gtest.h>

#include <ctime>

#include "site_fixture.hpp"

using namespace testing_support;

namespace {

class Responses : public SiteServerTest {};

// Returns how many header lines of resp's head are called name (any case).
int field_count(const std::string& resp, const std::string& name) {
  std::string head = resp.substr(0, resp.find("\r\n\r\n"));
  int n = 0;
  for (const std::string& line : lines_of(head)) {
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.c_str(), name.c_str(), name.size()) == 0)
      ++n;
  }
  return n;
}

// Returns the names of resp's header lines, in order, joined by ", ".
std::string field_names(const std::string& resp) {
  std::string head = resp.substr(0, resp.find("\r\n\r\n"));
  std::string out;
  std::vector<std::string> lines = lines_of(head);
  for (std::size_t i = 1; i < lines.size(); ++i) out += (i > 1 ? ", " : "") + lines[i].substr(0, lines[i].find(':'));
  return out;
}

}  // namespace

// -t refuses a rule that sets a field the server owns, naming key and line.
TEST_F(Responses, HeaderRulesRefuseServerOwnedFields) {
  const std::string rule = "[[headers]]\npath = \"/a\"\n";
  expect_config_error(rule + "set = { \"Content-Type\" = \"text/plain\" }\n",
                      ":5:9: headers[1].set: Content-Type is set by the server (types belong in [mime])");
  expect_config_error(rule + "set = { \"content-encoding\" = \"gzip\" }\n",
                      ":5:9: headers[1].set: content-encoding is set by the server");
  expect_config_error(rule + "set = { X = \"1\", \"Accept-Ranges\" = \"none\" }\n",
                      ":5:18: headers[1].set: Accept-Ranges is set by the server");
  expect_config_error(rule + "set = { \"Content-Range\" = \"bytes */1\" }\n",
                      ":5:9: headers[1].set: Content-Range is set by the server");
}

// A rule's Vary joins the server's own into one line; rules also apply to
// listings and redirects, never to errors.
TEST_F(Responses, HeaderRulesMergeVaryAndReachListingsAndRedirects) {
  put("app.js", "plain script");
  put("app.js.br", "BR");
  put("dir/a.txt", "a");
  start_config(
      "precompressed = [\"br\"]\nlisting = true\n"
      "[[headers]]\npath = \"/\"\nset = { Vary = \"Origin, accept-encoding\", \"X-Frame-Options\" = \"DENY\" }\n");
  std::string br = get("/app.js", "Accept-Encoding: br\r\n");
  EXPECT_EQ(status_of(br), 200);
  EXPECT_EQ(field_count(br, "Vary"), 1) << br;
  EXPECT_EQ(header(br, "Vary"), "Accept-Encoding, Origin");
  EXPECT_EQ(field_count(br, "Content-Encoding"), 1);
  EXPECT_EQ(header(br, "X-Frame-Options"), "DENY");
  std::string listing = get("/dir/");
  EXPECT_EQ(status_of(listing), 200);
  EXPECT_EQ(field_count(listing, "Vary"), 1) << listing;
  EXPECT_EQ(header(listing, "Vary"), "Accept, Origin, accept-encoding");
  EXPECT_EQ(header(listing, "X-Frame-Options"), "DENY");
  std::string again = get("/dir/", "If-None-Match: " + header(listing, "ETag") + "\r\n");
  EXPECT_EQ(status_of(again), 304);
  EXPECT_EQ(header(again, "X-Frame-Options"), "DENY");
  std::string redirect = get("/dir");
  EXPECT_EQ(status_of(redirect), 301);
  EXPECT_EQ(header(redirect, "X-Frame-Options"), "DENY");
  std::string missing = get("/nothing.txt");
  EXPECT_EQ(status_of(missing), 404);
  EXPECT_EQ(header(missing, "X-Frame-Options"), "");
  EXPECT_EQ(header(missing, "Vary"), "");
}

// A 416 over a precompressed variant: its body is the plain built-in page,
// so it keeps Vary and names no Content-Encoding; curl --compressed reads it.
TEST_F(Responses, UnsatisfiableRangeOverASidecarHasNoContentEncoding) {
  put("app.js", "plain script");
  put("app.js.br", "BR");
  put("app.js.gz", "GZ");
  start_config("precompressed = [\"br\", \"gzip\"]\n");
  std::string r = get("/app.js", "Accept-Encoding: br\r\nRange: bytes=100-200\r\n");
  ASSERT_EQ(status_of(r), 416) << r;
  EXPECT_EQ(field_names(r), "Date, Server, Content-Range, Content-Type, Vary, Content-Length, Connection");
  EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(r, "Content-Range"), "bytes */2");
  EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(body_of(r).find("416 Range Not Satisfiable"), std::string::npos);
  RunResult c =
      curl({"--compressed", "-H", "Range: bytes=100-200", "-w", "%{http_code}", "-o", "/dev/null", url_ + "/app.js"});
  EXPECT_EQ(c.exit_code, 0) << "curl error " << c.exit_code << ": " << c.err;
  EXPECT_EQ(c.out, "416");
  // A satisfiable range of the sidecar still names its coding.
  std::string part = get("/app.js", "Accept-Encoding: gzip\r\nRange: bytes=0-0\r\n");
  EXPECT_EQ(status_of(part), 206);
  EXPECT_EQ(header(part, "Content-Encoding"), "gzip");
  EXPECT_EQ(body_of(part), "G");
}

namespace {

// Returns an IMF-fixdate as seconds since the epoch, or -1.
long long epoch_of(const std::string& date) {
  std::tm tm{};
  const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return end && *end == '\0' ? static_cast<long long>(timegm(&tm)) : -1;
}

}  // namespace

// A file dated 2100: its Last-Modified, and its listing's, are no later than
// Date, so If-Modified-Since revalidation sees later changes.
TEST_F(Responses, LastModifiedIsNeverAfterDate) {
  put("dir/future.txt", "from the future");
  put("dir/now.txt", "now");
  RunResult touch = run({"touch", "-d", "2100-01-01", root_ + "/dir/future.txt"});
  ASSERT_EQ(touch.exit_code, 0) << touch.err;
  start_config("listing = true\n");
  for (const char* path : {"/dir/future.txt", "/dir/future.txt", "/dir/"}) {
    std::string r = get(path);
    ASSERT_EQ(status_of(r), 200) << path;
    long long lm = epoch_of(header(r, "Last-Modified")), date = epoch_of(header(r, "Date"));
    EXPECT_GT(lm, 0) << path;
    EXPECT_LE(lm, date) << path << ": Last-Modified " << header(r, "Last-Modified") << " after Date";
  }
  std::string listing = get("/dir/");
  std::string file = get("/dir/future.txt");
  EXPECT_EQ(status_of(get("/dir/", "If-Modified-Since: " + header(listing, "Last-Modified") + "\r\n")), 304);
  // A second on, with a file added: the listing has changed, and says so.
  sleep_for(std::chrono::milliseconds(1100));
  put("dir/added.txt", "new");
  std::string changed = get("/dir/", "If-Modified-Since: " + header(listing, "Last-Modified") + "\r\n");
  EXPECT_EQ(status_of(changed), 200);
  EXPECT_NE(body_of(changed).find("added.txt"), std::string::npos);
  EXPECT_EQ(status_of(get("/dir/future.txt", "If-Modified-Since: " + header(file, "Last-Modified") + "\r\n")), 200);
}

// A config error is one line: CR, LF, ESC and NUL from the file are written
// as \xHH (as in the logs), and nothing after a NUL is lost.
TEST_F(Responses, ConfigErrorsStayOnOneLine) {
  struct Row {
    std::string toml;
    std::string expect;
  } rows[] = {
      {"\"a\\r\\nb\\u001b[31m\\u0000c\" = 1\n", ":3:1: unknown key 'a\\x0D\\x0Ab\\x1B[31m\\x00c'"},
      {"[mime]\n\".x\" = \"a\\nb/c\\u0000d\"\n",
       ":4:8: mime.\".x\" must be a type/subtype such as "
       "\"application/wasm\", not 'a\\x0Ab/c\\x00d'"},
      {"user = \"no\\nbody\\u0000x\"\n", ": user 'no\\x0Abody\\x00x' does not exist"},
  };
  for (const Row& r : rows) {
    std::string file;
    RunResult t = check_config(r.toml, file);
    EXPECT_EQ(t.exit_code, 1) << r.toml;
    EXPECT_NE(t.err.find(file + r.expect), std::string::npos) << r.toml << "\n" << t.err;
    EXPECT_EQ(lines_of(t.err).size(), 2u) << t.err;
    EXPECT_EQ(t.err.find('\r'), std::string::npos);
    EXPECT_EQ(t.err.find('\x1b'), std::string::npos);
    EXPECT_EQ(t.err.find('\0'), std::string::npos);
  }
}

namespace {

// Returns how many times needle occurs in text.
int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

// Error pages and the fallback are checked as the workers will read them:
// with user = "nobody", a page only root can read is warned about by -t and
// once at start-up, and the built-in page is what a 404 gets.
TEST_F(Responses, PagesAreCheckedWithTheWorkersCredentials) {
  if (geteuid() != 0) GTEST_SKIP() << "running workers as another user needs the test to run as root";
  std::string user = unprivileged_user();
  if (user.empty()) GTEST_SKIP() << "no unprivileged user exists";
  put("404.html", "only root reads this", 0600);
  put("app.html", "only root reads this app", 0600);
  put("403.html", "anyone reads this", 0644);
  const std::string toml = "user = \"" + user +
                           "\"\nfallback = \"/app.html\"\n"
                           "[error_pages]\n404 = \"/404.html\"\n403 = \"/403.html\"\n";
  const std::string page_warning = "error_pages.404 '/404.html' cannot be served (403); the built-in page is used";
  const std::string fallback_warning = "fallback '/app.html' cannot be served (403); missing paths stay 404";
  std::string file;
  RunResult t = check_config(toml, file);
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(occurrences(t.err, "warning: " + page_warning), 1) << t.err;
  EXPECT_EQ(occurrences(t.err, "warning: " + fallback_warning), 1) << t.err;
  EXPECT_EQ(t.err.find("403.html"), std::string::npos) << "a page the user can read was warned about\n" << t.err;
  start_config(toml);
  std::string missing = get("/nothing.txt");
  EXPECT_EQ(status_of(missing), 404);
  EXPECT_EQ(body_of(missing).find("only root"), std::string::npos);
  EXPECT_NE(body_of(missing).find("404 Not Found"), std::string::npos);
  std::string err = server_->stderr_text();
  EXPECT_EQ(occurrences(err, page_warning), 1) << err;
  EXPECT_EQ(occurrences(err, fallback_warning), 1) << err;
  EXPECT_EQ(err.find("'/403.html' cannot"), std::string::npos) << err;
}
