// The demo site in a real browser: headless Chromium loads every page from
// filehttpd serving www/, and the pages must load without errors, with the
// stylesheet applied, the logo decoded, ranges answered, the CGI's
// variables shown, and a deep link answered by the fallback rendered whole;
// and the same site over h2 (TLS, ALPN) with every asset fetched over h2.
// Skipped, saying why, without /usr/bin/chromium (scripts/install-deps.sh
// --browser installs it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

#include "h2_fixture.hpp"
#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_chromium = "/usr/bin/chromium";

class Browser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(k_chromium, X_OK) != 0)
      GTEST_SKIP() << k_chromium << " is missing (scripts/install-deps.sh --browser installs chromium)";
    port_ = free_port();
    log_ = dir_.path() + "/access.log";
    server_ = std::make_unique<Server>(std::vector<std::string>{"--root", std::string(SOURCE_DIR) + "/www", "--listen",
                                                                "127.0.0.1:" + std::to_string(port_), "--listing",
                                                                "--fallback", "/index.html", "--access-log", log_});
    ASSERT_TRUE(server_->wait_ready(port_)) << server_->stderr_text();
  }
  // Loads path in headless Chromium; returns the DOM after scripts ran.
  // Console messages (which our pages never write) go to console_.
  std::string load(const std::string& path, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{k_chromium,
                                  "--headless",
                                  "--no-sandbox",  // as root in a container there is no sandbox to use
                                  "--disable-gpu",
                                  "--no-first-run",
                                  "--user-data-dir=" + dir_.path() + "/profile",
                                  "--enable-logging=stderr",
                                  "--v=0",
                                  "--virtual-time-budget=5000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("http://127.0.0.1:" + std::to_string(port_) + path);
    RunResult r = run(argv, 90s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const std::string& line : lines_of(r.err))
      if (line.find(":CONSOLE") != std::string::npos) console_ += line + "\n";
    return r.out;
  }
  std::string dom(const std::string& path) { return load(path, {"--dump-dom"}); }

  TempDir dir_;
  int port_ = 0;
  std::string log_;
  std::string console_;
  std::unique_ptr<Server> server_;
};

// Returns the value of attribute name on the element with id, or "".
std::string attribute(const std::string& html, const std::string& id, const std::string& name) {
  std::smatch m;
  std::regex tag("<[^>]*id=\"" + id + "\"[^>]*>");
  if (!std::regex_search(html, m, tag)) return "";
  std::string t = m.str();
  std::smatch v;
  if (!std::regex_search(t, v, std::regex(name + "=\"([^\"]*)\""))) return "";
  return v[1];
}

}  // namespace

TEST_F(Browser, DemoSiteRendersWithoutErrors) {
  std::string index = dom("/");
  EXPECT_EQ(attribute(index, "self-check", "data-problems"), "0") << index;
  EXPECT_EQ(attribute(index, "self-check", "data-styled"), "yes") << "style.css did not apply";
  EXPECT_EQ(attribute(index, "self-check", "data-logo-width"), "64") << "the logo did not decode";

  std::string range = dom("/range.html");
  EXPECT_EQ(attribute(range, "self-check", "data-problems"), "0") << range;
  EXPECT_EQ(attribute(range, "self-check", "data-styled"), "yes");
  int partial = 0;
  for (std::size_t p = 0; (p = range.find("data-status=\"206\"", p)) != std::string::npos; ++p) ++partial;
  EXPECT_EQ(partial, 2) << range;
  EXPECT_NE(range.find("bytes 0-31/260000"), std::string::npos) << range;

  std::string cgi = dom("/cgi-bin/hello.sh/extra/path?name=you");
  EXPECT_NE(cgi.find("Hello from a CGI script."), std::string::npos) << cgi;
  EXPECT_NE(cgi.find("REQUEST_METHOD=GET"), std::string::npos) << cgi;
  EXPECT_NE(cgi.find("PATH_INFO=/extra/path"), std::string::npos) << cgi;
  EXPECT_NE(cgi.find("QUERY_STRING=name=you"), std::string::npos) << cgi;

  // A deep link of a single-page app (the fallback) renders the page whole.
  std::string deep = dom("/app/route/7");
  EXPECT_NE(deep.find("<title>filehttpd demo</title>"), std::string::npos) << deep;
  EXPECT_EQ(attribute(deep, "self-check", "data-problems"), "0") << deep;
  EXPECT_EQ(attribute(deep, "self-check", "data-styled"), "yes");
  EXPECT_EQ(attribute(deep, "self-check", "data-logo-width"), "64");

  std::string listing = dom("/files/");
  EXPECT_NE(listing.find("numbers.txt"), std::string::npos) << listing;

  std::string shot = std::string(BUILD_DIR) + "/demo-screenshot.png";
  load("/", {"--window-size=1000,900", "--screenshot=" + shot});
  EXPECT_GT(read_file(shot).size(), 1000u) << "no screenshot at " << shot;
  std::cout << "[ info ] screenshot of the demo page: " << shot << "\n";

  EXPECT_EQ(console_, "") << "console messages (the pages write none)";
  // Every request the browser made was answered with a success status.
  std::string log = read_file(log_);
  int requests = 0;
  for (const std::string& line : lines_of(log)) {
    ++requests;
    std::smatch s;
    ASSERT_TRUE(std::regex_search(line, s, std::regex("\" ([0-9]{3}) "))) << line;
    int status = std::stoi(s[1]);
    EXPECT_TRUE(status == 200 || status == 206 || status == 304) << line;
  }
  EXPECT_GE(requests, 8) << log;
}

// The demo's compression page: the first fetch of a text file gets it as it
// is, a later one the compressed copy, and the browser's resource timing
// shows fewer bytes on the wire than decoded.
TEST_F(Browser, CompressionShowsInTheResourceTiming) {
  std::string page = dom("/compression.html");
  EXPECT_FALSE(attribute(page, "compression", "data-encoding").empty()) << page;
  std::string tries = attribute(page, "compression", "data-tries");
  EXPECT_GE(tries.empty() ? 0 : std::stoi(tries), 2) << "the first fetch goes uncompressed";
  std::string encoded = attribute(page, "compression", "data-encoded");
  std::string decoded = attribute(page, "compression", "data-decoded");
  ASSERT_FALSE(encoded.empty() || decoded.empty()) << page;
  EXPECT_EQ(std::stoll(decoded), 260000);
  EXPECT_LT(std::stoll(encoded) * 2, std::stoll(decoded));
  EXPECT_EQ(console_, "");
}
namespace {

// The page Chromium opens over h2: the demo's index in a frame of the same
// origin, and, a second after it loaded, the protocol of its navigation and of
// every resource it fetched (performance entries' nextHopProtocol) written
// into #out, with the demo's own self-check result.
constexpr const char* k_h2_check_page = R"(<!doctype html>
<title>h2 check</title>
<iframe id="f" src="/" style="width:1000px;height:800px"></iframe>
<pre id="out" data-done="no"></pre>
<script>
document.getElementById('f').addEventListener('load', () => {
  setTimeout(() => {
    const w = document.getElementById('f').contentWindow;
    const line = e => e.nextHopProtocol + ' ' + e.name;
    const nav = w.performance.getEntriesByType('navigation').map(line);
    const res = w.performance.getEntriesByType('resource').map(line);
    const out = document.getElementById('out');
    out.textContent = nav.concat(res).join('\n');
    out.dataset.resources = res.length;
    out.dataset.problems = w.document.getElementById('self-check').dataset.problems;
    out.dataset.done = 'yes';
  }, 1000);
});
</script>
)";

class BrowserH2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(k_chromium, X_OK) != 0)
      GTEST_SKIP() << k_chromium << " is missing (scripts/install-deps.sh --browser installs chromium)";
    if (access("/usr/bin/openssl", X_OK) != 0) GTEST_SKIP() << "openssl is missing (install-deps.sh --test)";
    pki_ = h2_support::make_test_pki(dir_);
    ASSERT_FALSE(pki_.empty());
    root_ = dir_.path() + "/www";
    ASSERT_EQ(run({"cp", "-a", std::string(SOURCE_DIR) + "/www", root_}).exit_code, 0);
    dir_.write("www/h2check.html", k_h2_check_page);
    // The leaf's SubjectPublicKeyInfo hash, which Chromium is told to trust.
    RunResult spki = run({"sh", "-c",
                          "openssl x509 -in " + pki_ +
                              "/leaf.pem -pubkey -noout | openssl pkey -pubin -outform der"
                              " | openssl dgst -sha256 -binary | base64"});
    ASSERT_EQ(spki.exit_code, 0) << spki.err;
    spki_ = lines_of(spki.out).at(0);
    port_ = free_port();
    tls_port_ = free_port();
    log_ = dir_.path() + "/access.log";
    server_ = std::make_unique<Server>(
        std::vector<std::string>{"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--tls-listen",
                                 "127.0.0.1:" + std::to_string(tls_port_), "--tls-cert", pki_ + "/leaf.pem",
                                 "--tls-key", pki_ + "/leaf.key", "--fallback", "/index.html", "--access-log", log_});
    ASSERT_TRUE(server_->wait_ready(port_)) << server_->stderr_text();
  }

  TempDir dir_;
  std::string pki_, root_, spki_, log_;
  int port_ = 0, tls_port_ = 0;
  std::unique_ptr<Server> server_;
};

// Headless Chromium loads the demo site over h2 with the test CA's leaf
// trusted by its SPKI hash: the page and every asset came over h2, and the
// access log has HTTP/2.0 lines for them.
TEST_F(BrowserH2, DemoSiteLoadsEveryAssetOverH2) {
  RunResult r = run(
      {k_chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
       "--user-data-dir=" + dir_.path() + "/profile", "--ignore-certificate-errors-spki-list=" + spki_,
       "--virtual-time-budget=10000", "--dump-dom", "https://127.0.0.1:" + std::to_string(tls_port_) + "/h2check.html"},
      90s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string dom = r.out;
  ASSERT_EQ(attribute(dom, "out", "data-done"), "yes") << dom;
  EXPECT_EQ(attribute(dom, "out", "data-problems"), "0") << dom;
  int resources = std::stoi("0" + attribute(dom, "out", "data-resources"));
  EXPECT_GE(resources, 3) << dom;  // style.css, site.js, img/logo.png at least
  std::smatch body;
  ASSERT_TRUE(std::regex_search(dom, body, std::regex("<pre id=\"out\"[^>]*>([^<]*)</pre>"))) << dom;
  std::vector<std::string> entries = lines_of(body[1]);
  EXPECT_EQ(entries.size(), static_cast<std::size_t>(resources) + 1) << dom;
  for (const std::string& e : entries) EXPECT_EQ(e.substr(0, 3), "h2 ") << e;
  // The worker writes its access log at least once per sweep (200 ms), so the
  // lines of the last assets may still be on their way when Chromium exits.
  EXPECT_TRUE(wait_until([&] { return read_file(log_).find("\"GET /style.css HTTP/2.0\" 200") != std::string::npos; }, 5s))
      << read_file(log_);
}

}  // namespace
