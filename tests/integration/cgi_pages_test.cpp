// A fallback or an error page that is a CGI script (a file that would run
// when named) runs as one, like nginx's try_files ... /index.php and
// error_page 404 /404.php; its source is never sent.
#include <gtest/gtest.h>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

// Reports what it was run for; the comment is what must never reach a client.
const char* k_app =
    "#!/bin/sh\n"
    "# SECRET=hunter2\n"
    "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
    "echo \"redirect=$REDIRECT_STATUS uri=$REQUEST_URI script=$SCRIPT_NAME query=$QUERY_STRING "
    "method=$REQUEST_METHOD\"\n";

// Sets its own status.
const char* k_own_status =
    "#!/bin/sh\n"
    "# SECRET=hunter2\n"
    "printf 'Status: 451 Unavailable\\r\\nContent-Type: text/plain\\r\\n\\r\\nown %s' \"$REDIRECT_STATUS\"\n";

class CgiPages : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    put("app.cgi", k_app, 0755);
    put("own.cgi", k_own_status, 0755);
    put("hidden/index.txt", "x");
  }
  // Writes a config: root, listen, no listings, then toml (scripts run anywhere).
  std::string config(const std::string& toml) {
    return base_.write("pages.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) +
                                         "\"]\nlisting = false\n" + toml + "\n");
  }
  void start_config(const std::string& toml) { start_with({"-c", config(toml)}); }
  // GET over HTTP/1.0: a script's body comes unframed.
  std::string get10(const std::string& target) { return req("GET " + target + " HTTP/1.0\r\n\r\n"); }
};

}  // namespace

TEST_F(CgiPages, ScriptFallbackRunsForClientRoutes) {
  start_config("fallback = \"/app.cgi\"");
  std::string r = get10("/app/route/7?tab=2");
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(header(r, "Content-Type"), "text/plain");
  EXPECT_EQ(body_of(r).find("hunter2"), std::string::npos) << r;
  EXPECT_EQ(body_of(r), "redirect=200 uri=/app/route/7?tab=2 script=/app.cgi query=tab=2 method=GET\n");
  std::string head = req("HEAD /app/route/8 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(head), 200) << head;
  EXPECT_EQ(body_of(head), "");
  // Named, it runs as before.
  EXPECT_EQ(body_of(get10("/app.cgi")), "redirect=200 uri=/app.cgi script=/app.cgi query= method=GET\n");
}

TEST_F(CgiPages, ScriptErrorPageRunsWithTheOriginalStatus) {
  start_config("[error_pages]\n404 = \"/app.cgi\"\n403 = \"/own.cgi\"");
  struct Row {
    const char* why;
    std::string request;
    int status;
    std::string body;
  } rows[] = {
      {"a missing file", "GET /missing.txt?q=1 HTTP/1.0\r\n\r\n", 404,
       "redirect=404 uri=/missing.txt?q=1 script=/app.cgi query=q=1 method=GET\n"},
      {"any method runs it as a GET without the body", "POST /missing HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", 404,
       "redirect=404 uri=/missing script=/app.cgi query= method=GET\n"},
      {"HEAD gets no body", "HEAD /missing.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 404, ""},
      {"the script's own Status wins (no index, no listing: 403)", "GET /hidden/ HTTP/1.0\r\n\r\n", 451, "own 403"},
  };
  for (const Row& row : rows) {
    std::string r = req(row.request);
    EXPECT_EQ(status_of(r), row.status) << row.why << "\n" << r;
    EXPECT_EQ(body_of(r), row.body) << row.why;
  }
  // Keep-alive holds across a script error page.
  std::string two =
      req("GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /b.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_NE(two.find("uri=/a.txt"), std::string::npos) << two;
  EXPECT_NE(two.find("uri=/b.txt"), std::string::npos) << two;
}

TEST_F(CgiPages, ScriptErrorPageIsNeverSentAsBytes) {
  // 413 comes before any script could run: the built-in page, never the source.
  std::string toml = "[error_pages]\n413 = \"/app.cgi\"\n[limits]\nmax_body = 10";
  RunResult t = run({FILEHTTPD_BIN, "-t", "-c", config(toml)});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.err.find("error_pages.413 '/app.cgi' is a CGI script"), std::string::npos) << t.err;
  start_config(toml);
  std::string r = req("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 50\r\n\r\n");
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_EQ(r.find("hunter2"), std::string::npos) << r;
  EXPECT_NE(body_of(r).find("413"), std::string::npos) << r;
}

TEST_F(CgiPages, ScriptPagesPassTheConfigTest) {
  RunResult t = run({FILEHTTPD_BIN, "-t", "-c", config("fallback = \"/app.cgi\"\n[error_pages]\n404 = \"/app.cgi\"")});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(t.err.find("warning"), std::string::npos) << t.err;
}
