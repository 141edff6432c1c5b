// Protected paths end to end: [[access]] answers 403, [[auth]] 401 / 200 /
// 429 for every hash kind, CGI sees the user but never the password, the
// htpasswd file reloads on SIGHUP, and no path variant, fallback, listing,
// sidecar or error page gets around a rule.
#include <signal.h>

#include <cstdio>

#include "auth_fixture.hpp"
#include "cgi_fixture.hpp"

using namespace auth_support;
using namespace std::chrono_literals;

namespace {

const std::string k_challenge = "Basic realm=\"staging\", charset=\"UTF-8\"";

class Auth : public AuthServerTest {
 protected:
  void SetUp() override {
    AuthServerTest::SetUp();
    put("index.html", "home\n");
    put("staging/s.txt", "staged secret\n");
    put("admin/a.txt", "admin page\n");
    write_users("alice:" + make_hash("$6$", 0, "secret") + "\n");
  }
  // GET target with extra header lines on a keep-alive-free connection.
  std::string fetch(const std::string& target, const std::string& extra = "") { return get(target, extra); }
  // Returns the status endpoint's value of the counter name.
  std::string counter(const std::string& name) {
    std::string body = body_of(get("/status"));
    std::size_t at = body.find("\n" + name + " ");
    if (at == std::string::npos) return "<none>";
    at += name.size() + 2;
    return body.substr(at, body.find('\n', at) - at);
  }
};

}  // namespace

TEST_F(Auth, ChallengesRefusesAndLetsIn) {
  start_config("profile = \"http\"\n[status]\npath = \"/status\"\n" + auth_rule("/staging/") +
               "[[access]]\npath = \"/admin/\"\nallow = [\"10.0.0.0/8\", \"::1\"]\n");
  EXPECT_EQ(body_of(fetch("/index.html")), "home\n");

  std::string r = fetch("/staging/s.txt");
  EXPECT_EQ(status_of(r), 401) << r;
  EXPECT_EQ(header(r, "WWW-Authenticate"), k_challenge);
  EXPECT_EQ(body_of(r).find("staged secret"), std::string::npos);

  r = fetch("/staging/s.txt", basic("alice", "secret"));
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "staged secret\n");
  EXPECT_EQ(header(r, "WWW-Authenticate"), "");
  // The access log names the user (the third field, as nginx's $remote_user).
  EXPECT_TRUE(wait_until(
      [&] { return server_->stderr_text().find(" - alice [") != std::string::npos; }, std::chrono::seconds(3)))
      << server_->stderr_text();

  for (const std::string& bad : {basic("alice", "Secret"), basic("mallory", "secret"), basic("alice", "")}) {
    r = fetch("/staging/s.txt", bad);
    EXPECT_EQ(status_of(r), 401) << bad << r;
    EXPECT_EQ(header(r, "WWW-Authenticate"), k_challenge);
  }
  // A malformed Authorization gets 401 too (as nginx), not 400.
  for (const char* bad : {"Authorization: Basic !!!!\r\n", "Authorization: Basic YWxpY2U=\r\n",
                          "Authorization: Bearer abc\r\n", "Authorization: Basic\r\n"}) {
    r = fetch("/staging/s.txt", bad);
    EXPECT_EQ(status_of(r), 401) << bad << r;
  }

  // A 401 keeps the connection: the browser asks again on it.
  r = req("GET /staging/s.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /staging/s.txt HTTP/1.1\r\nHost: t\r\n" +
          basic("alice", "secret") + "Connection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 401) << r;
  EXPECT_NE(r.find("HTTP/1.1 200 OK"), std::string::npos) << r;
  EXPECT_NE(r.find("staged secret\n"), std::string::npos) << r;

  r = fetch("/admin/a.txt");
  EXPECT_EQ(status_of(r), 403) << r;
  EXPECT_EQ(body_of(r).find("admin page"), std::string::npos);

  EXPECT_EQ(counter("filehttpd_access_denied_total"), "1");
  EXPECT_EQ(counter("filehttpd_auth_failures_total"), "7");  // 3 wrong passwords, 4 malformed values
  EXPECT_EQ(counter("filehttpd_auth_cache_hits_total"), "1");
  EXPECT_EQ(counter("filehttpd_auth_verifications_total"), "4");  // alice once, then the 3 wrong ones
}

TEST_F(Auth, AccessAllowsListedAddresses) {
  start_config("profile = \"http\"\n[[access]]\npath = \"/admin/\"\nallow = [\"127.0.0.1\"]\n"
               "[[access]]\npath = \"*.bak\"\nallow = []\n");
  put("admin/old.bak", "backup\n");
  EXPECT_EQ(body_of(fetch("/admin/a.txt")), "admin page\n");
  EXPECT_EQ(status_of(fetch("/admin/old.bak")), 403);  // every matching rule must let the client in
}

TEST_F(Auth, EveryHashKind) {
  RunResult openssl = run({"openssl", "passwd", "-6", "from-openssl"});
  ASSERT_EQ(openssl.exit_code, 0) << openssl.err;
  std::string sha512 = openssl.out.substr(0, openssl.out.find('\n'));
  std::string bcrypt_b = make_hash("$2b$", 5, "b-pass");
  std::string bcrypt_y = "$2y$" + make_hash("$2b$", 5, "y-pass").substr(4);  // Apache's htpasswd -B prefix
  std::string yescrypt = make_hash("$y$", 0, "yes-pass");
  ASSERT_TRUE(sha512.starts_with("$6$")) << sha512;
  ASSERT_TRUE(bcrypt_b.starts_with("$2b$05$")) << bcrypt_b;
  ASSERT_TRUE(yescrypt.starts_with("$y$")) << yescrypt;
  write_users("s:" + sha512 + "\nb:" + bcrypt_b + "\ny:" + bcrypt_y + "\nyes:" + yescrypt + "\n");
  start_config("profile = \"http\"\n" + auth_rule("/staging/"));
  struct Row {
    const char* user;
    const char* password;
  } rows[] = {{"s", "from-openssl"}, {"b", "b-pass"}, {"y", "y-pass"}, {"yes", "yes-pass"}};
  for (const Row& row : rows) {
    EXPECT_EQ(status_of(fetch("/staging/s.txt", basic(row.user, row.password))), 200) << row.user;
    EXPECT_EQ(status_of(fetch("/staging/s.txt", basic(row.user, std::string(row.password) + "x"))), 401) << row.user;
  }
}

TEST_F(Auth, TooManyFailuresAnswer429) {
  write_users("alice:" + make_hash("$6$", 0, "secret") + "\ncarol:" + make_hash("$6$", 0, "carols") + "\n");
  start_config("profile = \"http\"\n[status]\npath = \"/status\"\n" + auth_rule("/staging/"));
  EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("carol", "carols"))), 200);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("alice", "guess"))), 401) << i;
  // Past the limit even the right password waits: the address is out of tries for the window.
  std::string r = fetch("/staging/s.txt", basic("alice", "secret"));
  EXPECT_EQ(status_of(r), 429) << r;
  EXPECT_EQ(header(r, "Retry-After"), "60");
  EXPECT_EQ(status_of(fetch("/index.html")), 200) << "open paths stay open";
  // Credentials verified before stay good: a guesser on a shared address does not lock out users already in.
  EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("carol", "carols"))), 200);
  EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("carol", "carolz"))), 429);
  EXPECT_EQ(counter("filehttpd_auth_limited_total"), "2");
  EXPECT_EQ(counter("filehttpd_auth_failures_total"), "10");
}

TEST_F(Auth, CgiSeesTheUserNeverThePassword) {
  put("staging/env.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv\n", 0755);
  put("open/env.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv\n", 0755);
  start_config("profile = \"http\"\n" + auth_rule("/staging/"));
  EXPECT_EQ(status_of(fetch("/staging/env.cgi")), 401);
  std::string r = fetch("/staging/env.cgi", basic("alice", "secret"));
  ASSERT_EQ(status_of(r), 200) << r;
  std::string env = body_of(r);
  EXPECT_NE(env.find("\nREMOTE_USER=alice\n"), std::string::npos) << env;
  EXPECT_NE(env.find("\nAUTH_TYPE=Basic\n"), std::string::npos) << env;
  EXPECT_EQ(env.find("HTTP_AUTHORIZATION"), std::string::npos) << env;
  EXPECT_EQ(env.find("secret"), std::string::npos) << env;
  EXPECT_EQ(env.find("YWxpY2U6c2VjcmV0"), std::string::npos) << env;
  // Outside the rule the script gets neither, whatever the client sends.
  env = body_of(fetch("/open/env.cgi", basic("alice", "secret")));
  EXPECT_EQ(env.find("REMOTE_USER"), std::string::npos) << env;
  EXPECT_EQ(env.find("AUTH_TYPE"), std::string::npos) << env;
}

TEST_F(Auth, CgiWithABodyRunsAfterTheVerification) {
  put("staging/echo.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  start_config("profile = \"http\"\n" + auth_rule("/staging/"));
  std::string body(100000, 'q');
  std::string r = req("POST /staging/echo.cgi HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + basic("alice", "secret") +
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_EQ(status_of(r), 200) << r.substr(0, 300);
  EXPECT_EQ(cgi_support::dechunk(body_of(r)), body);
}

TEST_F(Auth, HtpasswdReloadsOnSighup) {
  start_config("profile = \"http\"\n" + auth_rule("/staging/"));
  EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("alice", "secret"))), 200);
  write_users("bob:" + make_hash("$6$", 0, "bobs") + "\n");
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return status_of(fetch("/staging/s.txt", basic("bob", "bobs"))) == 200; }, 10s));
  EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("alice", "secret"))), 401) << "alice is gone";
  // A bad file on reload keeps the users in force, and says where it is bad.
  write_users("bob:" + make_hash("$6$", 0, "bobs") + "\ncarol:plaintext\n");
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return server_->stderr_text().find("reload failed") != std::string::npos; }, 10s));
  EXPECT_NE(server_->stderr_text().find(users_ + ":2: user 'carol': unsupported hash"), std::string::npos)
      << server_->stderr_text();
  EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("bob", "bobs"))), 200);
}

TEST_F(Auth, NoPathVariantGetsAround) {
  put("staging/s.txt.gz", "gzip bytes of the secret\n");
  put("staging/app.html", "the staged app\n");
  put("staging/404.html", "staged error page\n");
  std::remove((root_ + "/index.html").c_str());  // the root is listed
  start_config("profile = \"http\"\nlisting = true\nprecompressed = [\"gzip\"]\nfallback = \"/staging/app.html\"\n"
               "[error_pages]\n404 = \"/staging/404.html\"\n" +
               auth_rule("/staging/"));
  for (const char* target : {"/staging/s.txt", "/%2e/staging/s.txt", "//staging/s.txt", "/./staging/s.txt",
                             "/x/../staging/s.txt", "/staging//s.txt", "/st%61ging/s.txt", "/staging/", "/staging/missing",
                             "/staging/route", "/staging/s.txt?x=1", "http://t/staging/s.txt"}) {
    std::string r = fetch(target);
    EXPECT_EQ(status_of(r), 401) << target << "\n" << r;
    EXPECT_EQ(r.find("secret"), std::string::npos) << target;
  }
  // The sidecar is behind the same rule.
  std::string r = fetch("/staging/s.txt", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(status_of(r), 401) << r;
  EXPECT_EQ(status_of(fetch("/staging/s.txt", "Accept-Encoding: gzip\r\n" + basic("alice", "secret"))), 200);
  // HEAD too, and a case variant on this case-sensitive file system is just missing.
  EXPECT_EQ(status_of(req("HEAD /staging/s.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")), 401);
  r = fetch("/STAGING/s.txt");
  EXPECT_EQ(status_of(r), 404) << r;
  EXPECT_EQ(r.find("staged"), std::string::npos) << "the protected 404 page is not sent";
  // The fallback and error page live behind the rule: an open path gets neither.
  r = fetch("/some/route");
  EXPECT_EQ(status_of(r), 404) << r;
  EXPECT_EQ(r.find("staged"), std::string::npos) << r;
  // A listing of the parent shows the directory; its contents stay behind the rule.
  r = fetch("/");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_NE(r.find("staging/"), std::string::npos);
  EXPECT_EQ(r.find("s.txt"), std::string::npos);
  // With the password the fallback answers for a missing route under the rule.
  r = fetch("/staging/route", basic("alice", "secret"));
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "the staged app\n");
}

TEST_F(Auth, StartupChecks) {
  write_users("alice:" + make_hash("$6$", 0, "secret") + "\n\nbob:$apr1$abc$0123456789abcdefghijkl\n");
  std::string file;
  RunResult t = check_config("profile = \"http\"\n" + auth_rule("/staging/"), file);
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_NE(t.err.find(file + ":7:9: auth[1].users: " + users_ + ":3: user 'bob': unsupported hash"),
            std::string::npos)
      << t.err;
  write_users("alice:" + make_hash("$6$", 0, "secret") + "\n");
  t = check_config("profile = \"http\"\n" + auth_rule("/staging/") +
                       "[[access]]\npath = \"/admin/\"\nallow = [\"10.0.0.0/8\"]\n",
                   file);
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.err.find("warning: [[auth]] /staging/ is served on plain HTTP (listen) without tls.redirect_http"),
            std::string::npos)
      << t.err;
  EXPECT_NE(t.err.find("filehttpd: access /admin/ allow 10.0.0.0/8\n"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("filehttpd: auth /staging/ realm \"staging\" users " + users_ + " (1 users)\n"),
            std::string::npos)
      << t.err;
  t = check_config("profile = \"classic\"\n" + auth_rule("/staging/"), file);
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_NE(t.err.find("[[auth]] and [[access]] need the http profile"), std::string::npos) << t.err;
  // An unreadable file stops the start, naming it.
  RunResult s = run({FILEHTTPD_BIN, "-c",
                     base_.write("s.toml", "profile = \"http\"\nroot = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" +
                                               std::to_string(port_) +
                                               "\"]\n[[auth]]\npath = \"/s/\"\nusers = \"/nonexistent/pw\"\n")});
  EXPECT_NE(s.exit_code, 0);
  EXPECT_NE(s.err.find("auth[1].users: /nonexistent/pw: cannot read"), std::string::npos) << s.err;
}

TEST_F(Auth, SitesHaveTheirOwnRules) {
  std::string stage_root = base_.mkdir("stage");
  base_.write("stage/staging/s.txt", "the stage site's secret\n");
  base_.write("stage/open.txt", "open on stage\n");
  start_config("profile = \"http\"\n" + auth_rule("/staging/") + "[[site]]\nnames = [\"stage.test\"]\nroot = \"" +
               stage_root + "\"\n[[site.auth]]\npath = \"/\"\nrealm = \"whole site\"\nusers = \"" + users_ +
               "\"\n[[site]]\nnames = [\"inherits.test\"]\nroot = \"" + root_ + "\"\n");
  auto at = [&](const std::string& host, const std::string& target, const std::string& extra = "") {
    return req("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n" + extra + "\r\n");
  };
  // The site's own rule replaces the top level's: all of it is behind its realm.
  std::string r = at("stage.test", "/open.txt");
  EXPECT_EQ(status_of(r), 401) << r;
  EXPECT_EQ(header(r, "WWW-Authenticate"), "Basic realm=\"whole site\", charset=\"UTF-8\"");
  EXPECT_EQ(body_of(at("stage.test", "/staging/s.txt", basic("alice", "secret"))), "the stage site's secret\n");
  // A site that sets no rule keeps the top level's; the default site too.
  EXPECT_EQ(status_of(at("inherits.test", "/staging/s.txt")), 401);
  EXPECT_EQ(status_of(at("inherits.test", "/index.html")), 200);
  EXPECT_EQ(status_of(at("other.test", "/staging/s.txt")), 401);
  EXPECT_EQ(body_of(at("other.test", "/staging/s.txt", basic("alice", "secret"))), "staged secret\n");
}

// Over h2c the same rules hold: the check runs off the loop while the stream
// waits, two streams with the same credentials share one verification, and a
// stream that waited is answered once the verification ends.
TEST_F(Auth, StreamsOverHttp2WaitForTheirVerification) {
  if (access("/usr/bin/nghttp", X_OK) != 0) GTEST_SKIP() << "nghttp is missing (install-deps.sh --test)";
  write_users("bob:" + make_hash("$2b$", 8, "pw") + "\n");
  start_config("profile = \"http\"\nh2c = true\n" + auth_rule("/staging/"));
  std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/staging/s.txt";
  RunResult denied = run({"curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                          url});
  EXPECT_EQ(denied.out, "401 2");
  RunResult wrong = run({"curl", "-s", "--http2-prior-knowledge", "-u", "bob:nope", "-o", "/dev/null", "-w",
                         "%{http_code}", url});
  EXPECT_EQ(wrong.out, "401");
  std::string auth = basic("bob", "pw");  // "Authorization: Basic ...\r\n"
  std::string value = auth.substr(auth.find(": ") + 2);
  value = value.substr(0, value.find('\r'));
  RunResult two = run({"nghttp", "-nv", "-H", "authorization: " + value, url, url + "?again"}, std::chrono::seconds(20));
  ASSERT_EQ(two.exit_code, 0) << two.out << two.err;
  std::size_t ok = 0;
  for (std::size_t at = two.out.find(":status: 200"); at != std::string::npos; at = two.out.find(":status: 200", at + 1))
    ++ok;
  EXPECT_EQ(ok, 2u) << two.out;
  RunResult again = run({"curl", "-s", "--http2-prior-knowledge", "-u", "bob:pw", url});
  EXPECT_EQ(again.out, "staged secret\n");
}

// The htpasswd file is watched with the certificates (tls.watch): a changed
// file takes effect without a signal.
TEST_F(Auth, HtpasswdReloadsWithTheWatch) {
  start_config("profile = \"http\"\n" + auth_rule("/staging/") + "[tls]\nwatch_interval = \"1s\"\n");
  EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("alice", "secret"))), 200);
  write_users("bob:" + make_hash("$6$", 0, "bobs") + "\n");
  EXPECT_TRUE(wait_until([&] { return status_of(fetch("/staging/s.txt", basic("bob", "bobs"))) == 200; }, 10s))
      << server_->stderr_text();
  EXPECT_EQ(status_of(fetch("/staging/s.txt", basic("alice", "secret"))), 401) << "alice is gone";
  EXPECT_NE(server_->stderr_text().find(users_ + " changed"), std::string::npos) << server_->stderr_text();
}

// A script's local redirect into a protected path is checked like a request
// for that path: valid credentials not yet verified wait for their check and
// get the page on the first try; none get the challenge; the script's own
// path stays open. Over HTTP/1.1 and over h2c.
TEST_F(Auth, ALocalRedirectIntoAProtectedPathWaitsForTheVerification) {
  put("open/go.cgi", "#!/bin/sh\nprintf 'Location: /staging/s.txt\\r\\n\\r\\n'\n", 0755);
  write_users("alice:" + make_hash("$2b$", 8, "secret") + "\nbob:" + make_hash("$2b$", 8, "pw") + "\n");
  start_config("profile = \"http\"\nh2c = true\n" + auth_rule("/staging/"));
  std::string r = fetch("/open/go.cgi", basic("alice", "secret"));
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "staged secret\n");
  r = fetch("/open/go.cgi");
  EXPECT_EQ(status_of(r), 401) << r;
  EXPECT_EQ(header(r, "WWW-Authenticate"), k_challenge);
  EXPECT_EQ(status_of(fetch("/open/go.cgi", basic("alice", "wrong"))), 401);
  std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/open/go.cgi";
  RunResult h2 = run({"curl", "-s", "--http2-prior-knowledge", "-u", "bob:pw", "-w", " %{http_code} %{http_version}",
                      url});
  EXPECT_EQ(h2.out, "staged secret\n 200 2");
  EXPECT_EQ(status_of(fetch("/open/go.cgi", basic("alice", "secret"))), 200) << "a cached check passes too";
}
