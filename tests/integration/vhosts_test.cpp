// Sites ([[site]]) on one port: the Host (or absolute-form authority) picks
// the site, with case, a trailing dot and a port ignored; each site's own
// settings; CGI's SERVER_NAME and DOCUMENT_ROOT; the vhost_combined access
// log; -t's list and refusals; 421 when Host and SNI name different sites;
// sites read again on SIGHUP.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>

#include "site_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

class Vhosts : public SiteServerTest {
 protected:
  void SetUp() override {
    SiteServerTest::SetUp();
    for (const char* s : {"a", "b", "w"}) base_.write(std::string(s) + "/who.txt", std::string(s) + "\n");
    put("who.txt", "default\n");
  }
  // The three sites (a: two names, b, w: a wildcard) and extra TOML after them.
  std::string sites(const std::string& a_extra = "", const std::string& b_extra = "") {
    return "[[site]]\nnames = [\"a.test\", \"www.a.test\"]\nroot = \"" + base_.path() + "/a\"\n" + a_extra +
           "[[site]]\nnames = [\"b.test\"]\nroot = \"" + base_.path() + "/b\"\n" + b_extra +
           "[[site]]\nnames = [\"*.w.test\"]\nroot = \"" + base_.path() + "/w\"\n";
  }
  // GET target with the given Host line (none when host is null).
  std::string at(const char* host, const std::string& target, const std::string& version = "1.1") {
    return req("GET " + target + " HTTP/" + version + "\r\n" + (host ? std::string("Host: ") + host + "\r\n" : "") +
               "Connection: close\r\n\r\n");
  }
};

}  // namespace

// Over h2c the :authority pseudo-field picks the site as Host does (curl
// sends the URL's host as :authority, and no Host field, over HTTP/2).
TEST_F(Vhosts, H2AuthorityPicksTheSite) {
  start_config("h2c = true\n" + sites());
  std::string port = std::to_string(port_);
  for (auto [name, body] : {std::pair{"a.test", "a\n"}, {"www.a.test", "a\n"}, {"b.test", "b\n"},
                            {"x.w.test", "w\n"}, {"other.test", "default\n"}}) {
    RunResult r = run({"curl", "-sS", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", "--resolve",
                       std::string(name) + ":" + port + ":127.0.0.1", "http://" + std::string(name) + ":" + port +
                       "/who.txt"});
    EXPECT_EQ(r.out, std::string(body) + "\n2 200") << name << "\n" << r.err;
  }
}

TEST_F(Vhosts, HostPicksTheSite) {
  start_config(sites());
  struct Row {
    const char* host;
    const char* body;
  } rows[] = {
      {"a.test", "a\n"},           {"A.TeSt", "a\n"},          {"a.test.", "a\n"},        {"a.test:8080", "a\n"},
      {"WWW.A.TEST.:1", "a\n"},    {"b.test", "b\n"},          {"x.w.test", "w\n"},       {"X.W.Test.:80", "w\n"},
      {"x.y.w.test", "default\n"}, {"w.test", "default\n"},    {"other.test", "default\n"},
      {"127.0.0.1", "default\n"},  {"[::1]:80", "default\n"},  {"a.test.evil", "default\n"},
  };
  for (const Row& r : rows) {
    std::string resp = at(r.host, "/who.txt");
    EXPECT_EQ(status_of(resp), 200) << r.host << "\n" << resp;
    EXPECT_EQ(body_of(resp), r.body) << r.host;
  }
  // The absolute-form authority wins over Host (RFC 9112 section 3.2.2).
  std::string resp = req("GET http://b.test/who.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(body_of(resp), "b\n") << resp;
  resp = req("GET http://B.test.:99/who.txt HTTP/1.0\r\n\r\n");
  EXPECT_EQ(body_of(resp), "b\n") << resp;
  // HTTP/1.0 without Host: the default site.
  resp = at(nullptr, "/who.txt", "1.0");
  EXPECT_EQ(status_of(resp), 200) << resp;
  EXPECT_EQ(body_of(resp), "default\n");
}

// The file cache is per site: the same path on one keep-alive connection,
// alternating sites, never answers with another site's bytes.
TEST_F(Vhosts, SamePathOnTwoSitesNeverMixes) {
  start_config(sites());
  int fd = connect_to(port_);
  ASSERT_GE(fd, 0);
  std::string all;
  std::string expect;
  for (int i = 0; i < 6; ++i) {
    const char* host = i % 3 == 0 ? "a.test" : i % 3 == 1 ? "b.test" : "nobody.test";
    std::string r = "GET /who.txt HTTP/1.1\r\nHost: " + std::string(host) + "\r\n" + (i == 5 ? "Connection: close\r\n" : "") + "\r\n";
    ASSERT_EQ(write(fd, r.data(), r.size()), static_cast<ssize_t>(r.size()));
    expect += i % 3 == 0 ? "a\n" : i % 3 == 1 ? "b\n" : "default\n";
    std::string got = read_n(fd, 1, 3s);
    all += got;
    // Each response is small: read it whole before the next request.
    while (all.find(i % 3 == 0 ? "\r\n\r\na\n" : i % 3 == 1 ? "\r\n\r\nb\n" : "\r\n\r\ndefault\n") == std::string::npos) {
      std::string more = read_n(fd, 1, 3s);
      if (more.empty()) break;
      all += more;
    }
  }
  close(fd);
  std::string bodies;
  for (std::size_t at = 0; (at = all.find("\r\n\r\n", at)) != std::string::npos; at += 4)
    bodies += all.substr(at + 4, all.find('\n', at + 4) - at - 3);
  EXPECT_EQ(bodies, expect) << all;
}

TEST_F(Vhosts, EachSiteHasItsOwnSettings) {
  base_.write("a/home.html", "a home\n");
  base_.write("a/dir/x.txt", "x");
  base_.write("a/.hidden", "dot\n");
  base_.write("a/404.html", "a missing\n");
  base_.write("a/data.zzq", "xyz");
  base_.write("b/app.js", "plain js\n");
  base_.write("b/app.js.gz", "fake gzip bytes");
  put("index.html", "default index\n");
  put("dir/x.txt", "x");
  put(".hidden", "dot\n");
  put("data.zzq", "xyz");
  put("app.js", "plain js\n");
  put("app.js.gz", "fake gzip bytes");
  start_config(sites("index = [\"home.html\"]\nlisting = true\ndotfiles = true\nfallback = \"/home.html\"\n"
                     "[site.error_pages]\n404 = \"/404.html\"\n[site.mime]\n\".zzq\" = \"text/x-xyz\"\n"
                     "[[site.headers]]\npath = \"/\"\nset = { X-Site = \"a\" }\n",
                     "precompressed = [\"gzip\"]\n"));
  std::string r = at("a.test", "/");
  EXPECT_EQ(body_of(r), "a home\n") << r;
  EXPECT_EQ(header(r, "X-Site"), "a");
  r = at("x.test", "/");
  EXPECT_EQ(body_of(r), "default index\n") << r;
  EXPECT_EQ(header(r, "X-Site"), "");

  EXPECT_EQ(status_of(at("a.test", "/dir/")), 200);
  EXPECT_EQ(status_of(at("x.test", "/dir/")), 403);
  EXPECT_EQ(body_of(at("a.test", "/.hidden")), "dot\n");
  EXPECT_EQ(status_of(at("x.test", "/.hidden")), 404);

  r = at("a.test", "/client/route");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(body_of(r), "a home\n");
  EXPECT_EQ(status_of(at("x.test", "/client/route")), 404);
  r = at("a.test", "/missing.txt");
  EXPECT_EQ(status_of(r), 404);
  EXPECT_EQ(body_of(r), "a missing\n");

  EXPECT_EQ(header(at("a.test", "/data.zzq"), "Content-Type"), "text/x-xyz; charset=utf-8");
  EXPECT_EQ(header(at("x.test", "/data.zzq"), "Content-Type"), "application/octet-stream");

  std::string gz = req("GET /app.js HTTP/1.1\r\nHost: b.test\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip") << gz;
  EXPECT_EQ(body_of(gz), "fake gzip bytes");
  gz = req("GET /app.js HTTP/1.1\r\nHost: x.test\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(header(gz, "Content-Encoding"), "") << gz;
  EXPECT_EQ(body_of(gz), "plain js\n");
}

TEST_F(Vhosts, CgiSeesTheHostAndTheSiteRoot) {
  const std::string script = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
                             "echo \"name=$SERVER_NAME\"\necho \"root=$DOCUMENT_ROOT\"\necho \"file=$SCRIPT_FILENAME\"\n";
  base_.write("a/cgi-bin/env.sh", script, 0755);
  put("cgi-bin/env.sh", script, 0755);
  start_config(sites() + "[cgi]\npaths = [\"/cgi-bin/\"]\n");
  std::string real = std::filesystem::canonical(base_.path()).string();
  std::string r = at("WWW.a.test.:8080", "/cgi-bin/env.sh", "1.0");
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), "name=WWW.a.test.\nroot=" + real + "/a\nfile=" + real + "/a/cgi-bin/env.sh\n");
  r = at("other.test:1", "/cgi-bin/env.sh", "1.0");
  EXPECT_EQ(body_of(r), "name=other.test\nroot=" + real + "/www\nfile=" + real + "/www/cgi-bin/env.sh\n") << r;
}

TEST_F(Vhosts, VhostCombinedLogNamesTheSite) {
  std::string log = base_.path() + "/access.log";
  start_config("[log]\naccess = \"" + log + "\"\naccess_format = \"vhost_combined\"\n" + sites());
  at("WWW.A.test", "/who.txt");
  at("zz.w.test", "/who.txt");
  at("other.test", "/who.txt");
  ASSERT_TRUE(wait_until([&] { return lines_of(read_file(log)).size() >= 3; }, 5s)) << read_file(log);
  std::vector<std::string> lines = lines_of(read_file(log));
  std::string port = ":" + std::to_string(port_) + " ";
  EXPECT_EQ(lines[0].rfind("a.test" + port + "127.0.0.1 - - [", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("*.w.test" + port + "127.0.0.1 - - [", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("-" + port + "127.0.0.1 - - [", 0), 0u) << lines[2];
  EXPECT_NE(lines[0].find("\"GET /who.txt HTTP/1.1\" 200 2 "), std::string::npos) << lines[0];
}

TEST_F(Vhosts, CombinedLogIsTheDefault) {
  std::string log = base_.path() + "/access.log";
  start_config("[log]\naccess = \"" + log + "\"\n" + sites());
  at("a.test", "/who.txt");
  ASSERT_TRUE(wait_until([&] { return !lines_of(read_file(log)).empty(); }, 5s));
  EXPECT_EQ(lines_of(read_file(log))[0].rfind("127.0.0.1 - - [", 0), 0u) << read_file(log);
}

TEST_F(Vhosts, CheckListsSitesAndRefusesSharedNames) {
  std::string file;
  RunResult t = check_config(sites(), file);
  EXPECT_EQ(t.exit_code, 0) << t.err;
  std::string real = std::filesystem::canonical(base_.path()).string();
  EXPECT_NE(t.err.find("site a.test, www.a.test: root " + real + "/a (" + file + ":3:1)"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("site *.w.test: root " + real + "/w (" + file + ":9:1)"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("default site (no name matched): root " + real + "/www"), std::string::npos) << t.err;

  expect_config_error(sites() + "[[site]]\nnames = [\"c.test\", \"B.TEST\"]\n",
                      ":13:20: site[4].names: 'b.test' is given to two sites (lines 7 and 13)");
  expect_config_error("[[site]]\nnames = [\"c.test\"]\nlisten = [\"1\"]\n", ":5:1: site[1]: 'listen' cannot be set per site");
  expect_config_error("[[site]]\nnames = [\"c.test\"]\nindex = \"x\"\n", ":5:9: site[1]: index must be an array of strings");
  expect_config_error("[log]\naccess_format = \"apache\"\n", ":4:17: log.access_format must be one of: combined, vhost_combined");
  // A missing root is a start-up error naming the site.
  t = check_config("[[site]]\nnames = [\"c.test\"]\nroot = \"" + base_.path() + "/nope\"\n", file);
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_NE(t.err.find(file + ":3:1: site c.test: cannot use root '" + base_.path() + "/nope'"), std::string::npos)
      << t.err;
}

// Over TLS a request whose Host names another site than the SNI name did
// gets 421 (RFC 9110 section 15.5.20); without SNI there is nothing to check.
TEST_F(Vhosts, MisdirectedWhenHostAndSniNameDifferentSites) {
  if (access("/usr/bin/openssl", X_OK) != 0 || access("/usr/bin/curl", X_OK) != 0)
    GTEST_SKIP() << "openssl or curl is missing (install-deps.sh --test)";
  std::string key = base_.path() + "/site.key", cert = base_.path() + "/site.pem";
  RunResult made = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=a.test", "-addext",
                        "subjectAltName=DNS:a.test,DNS:b.test,DNS:x.w.test,DNS:other.test"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  int tls_port = free_port();
  start_config("[tls]\nlisten = [\"127.0.0.1:" + std::to_string(tls_port) + "\"]\ncertificates = [{ cert = \"" + cert +
               "\", key = \"" + key + "\" }]\n" + sites());
  ASSERT_TRUE(server_->wait_ready(tls_port));
  std::string port = std::to_string(tls_port);
  auto https = [&](const std::string& sni, const std::string& host) {
    std::vector<std::string> args = {"-sk", "-o", "-", "-w", " %{http_code}"};
    std::string url = "https://" + sni + ":" + port + "/who.txt";
    if (sni != "127.0.0.1") args.insert(args.end(), {"--resolve", sni + ":" + port + ":127.0.0.1"});
    if (!host.empty()) args.insert(args.end(), {"-H", "Host: " + host});
    args.push_back(url);
    RunResult r = curl(args);
    return r.out;
  };
  EXPECT_EQ(https("a.test", ""), "a\n 200");
  EXPECT_EQ(https("a.test", "WWW.A.TEST:" + port), "a\n 200");  // another name of the same site
  EXPECT_EQ(https("x.w.test", ""), "w\n 200");
  std::string wrong = https("a.test", "b.test");
  EXPECT_EQ(wrong.substr(wrong.size() - 4), " 421") << wrong;
  wrong = https("other.test", "a.test");  // SNI names no site, Host names one
  EXPECT_EQ(wrong.substr(wrong.size() - 4), " 421") << wrong;
  EXPECT_EQ(https("other.test", "nobody.test"), "default\n 200");  // both the default site
  EXPECT_EQ(https("127.0.0.1", "b.test"), "b\n 200");             // no SNI: no check
  // HTTP/1.0 without Host: the SNI name picks the site.
  RunResult r = curl({"-sk", "-0", "-H", "Host:", "-o", "-", "-w", " %{http_code}", "--resolve",
                      "b.test:" + port + ":127.0.0.1", "https://b.test:" + port + "/who.txt"});
  EXPECT_EQ(r.out, "b\n 200");
  // Plain HTTP has no SNI: Host alone decides.
  EXPECT_EQ(body_of(at("b.test", "/who.txt")), "b\n");
}

// SIGHUP reads the sites again: a new site serves once the new workers run,
// and a removed one falls back to the default site.
TEST_F(Vhosts, ReloadAddsAndRemovesSites) {
  base_.write("c/who.txt", "c\n");
  start_config(sites());
  EXPECT_EQ(body_of(at("c.test", "/who.txt")), "default\n");
  base_.write("site.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) +
                               "\"]\n[[site]]\nnames = [\"c.test\"]\nroot = \"" + base_.path() + "/c\"\n");
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return body_of(at("c.test", "/who.txt")) == "c\n"; }, 5s));
  EXPECT_EQ(body_of(at("a.test", "/who.txt")), "default\n");
}
