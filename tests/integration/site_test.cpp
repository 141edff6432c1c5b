// What static-site users ask for: the single-page-app fallback, configured
// error pages, JSON and sorted listings with validators, and MIME types.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "site_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

class Site : public SiteServerTest {
 protected:
  // Runs python3 code with the file at path as sys.argv[1]; returns its stdout (or "error: ...").
  std::string py(const std::string& code, const std::string& data) {
    std::string file = base_.write("data-" + std::to_string(++files_), data);
    RunResult r = run({"python3", "-c", code, file});
    return r.exit_code == 0 ? r.out : "error: " + r.err;
  }
  int files_ = 0;
};

const char* k_index = "<!doctype html><title>app</title><div id=app></div>\n";

}  // namespace

// A GET or HEAD for a missing path without an extension gets the fallback
// file, 200, with its own validators and type.
TEST_F(Site, FallbackServesTheAppForClientRoutes) {
  put("index.html", k_index);
  put("real.txt", "real");
  put("cgi-bin/keep.txt", "k");
  put(".git/config", "secret");
  start_config("fallback = \"/index.html\"\ndotfiles = false\n[cgi]\npaths = [\"/cgi-bin\"]\n");
  std::string r = get("/app/route/7");
  ASSERT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(body_of(r), k_index);
  EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
  std::string etag = header(r, "ETag");
  EXPECT_FALSE(etag.empty());
  EXPECT_FALSE(header(r, "Last-Modified").empty());
  EXPECT_EQ(get("/app/route/7/").substr(0, 15), "HTTP/1.1 200 OK");
  std::string head = req("HEAD /deep/link HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(head), 200);
  EXPECT_EQ(header(head, "Content-Length"), std::to_string(std::string(k_index).size()));
  EXPECT_EQ(body_of(head), "");
  EXPECT_EQ(status_of(get("/app/route/7", "If-None-Match: " + etag + "\r\n")), 304);
  // Not for: a path with an extension, another method, a path that exists,
  // an escape from the root, a hidden path, a path under cgi.paths.
  EXPECT_EQ(status_of(get("/missing.js")), 404);
  EXPECT_EQ(status_of(get("/app/v1.2")), 404);
  EXPECT_EQ(status_of(req("POST /app/route HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")),
            404);
  EXPECT_EQ(body_of(get("/real.txt")), "real");
  std::string escape = get("/%2e%2e/secret.txt");
  EXPECT_EQ(status_of(escape), 404);
  EXPECT_EQ(body_of(escape).find("id=app"), std::string::npos);
  EXPECT_EQ(status_of(get("/.git/nothing")), 404);
  EXPECT_EQ(status_of(get("/cgi-bin/nothing")), 404);
  // The fallback is not cached under the client route: a real file appears at once.
  put("app/route/7", "now real");
  EXPECT_EQ(body_of(get("/app/route/7")), "now real");
}

TEST_F(Site, MissingFallbackIsAWarningAndPathsStay404) {
  std::string file = base_.write("fb.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) +
                                                "\"]\nfallback = \"/nothere.html\"\n");
  RunResult t = run({FILEHTTPD_BIN, "-t", "-c", file});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.err.find("warning: fallback '/nothere.html' cannot be served (404); missing paths stay 404"),
            std::string::npos)
      << t.err;
  RunResult bad = run({FILEHTTPD_BIN, "-t", "-c",
                       base_.write("fb2.toml", "root = \"" + root_ +
                                                   "\"\nlisten = [\"127.0.0.1:1\"]\n"
                                                   "fallback = \"index.html\"\n")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(":3:12: fallback must start with '/'"), std::string::npos) << bad.err;
  start_with({"-c", file});
  EXPECT_EQ(status_of(get("/route")), 404);
}

// Configured error pages keep the original status; conditionals never make them 304.
TEST_F(Site, ErrorPagesKeepTheirStatus) {
  put("404.html", "<h1>custom not found</h1>\n");
  start_config("[error_pages]\n404 = \"/404.html\"\n405 = \"/gone.html\"\n");
  std::string r = get("/nope.txt");
  EXPECT_EQ(status_of(r), 404);
  EXPECT_EQ(body_of(r), "<h1>custom not found</h1>\n");
  EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "ETag"), "");
  std::string cond = get("/nope.txt", "If-None-Match: *\r\nIf-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n");
  EXPECT_EQ(status_of(cond), 404);
  EXPECT_EQ(body_of(cond), "<h1>custom not found</h1>\n");
  std::string head = req("HEAD /nope.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(head), 404);
  EXPECT_EQ(header(head, "Content-Length"), "26");
  EXPECT_EQ(body_of(head), "");
  // A page that is missing: the built-in body, a warning at start-up and when used.
  std::string post = req("POST /404.html HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(post), 405);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
  EXPECT_NE(body_of(post).find("405"), std::string::npos) << post;
  EXPECT_NE(server_->stderr_text().find("error_pages.405 '/gone.html' cannot be served (404)"), std::string::npos)
      << server_->stderr_text();
  EXPECT_NE(server_->stderr_text().find("error page /gone.html for 405 cannot be served"), std::string::npos)
      << server_->stderr_text();
  // Keep-alive survives a custom 404.
  std::string two = req("GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(std::string::size_type(2), [&] {
    std::size_t n = 0;
    for (std::size_t p = 0; (p = two.find("custom not found", p)) != std::string::npos; ++p) ++n;
    return n;
  }());
}

// The classic contract's bare answers win over error pages.
TEST_F(Site, ClassicProfileIgnoresErrorPages) {
  put("404.html", "custom");
  config_ = base_.write("c.toml", "profile = \"classic\"\nroot = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" +
                                      std::to_string(port_) + "\"]\n[error_pages]\n404 = \"/404.html\"\n");
  start_with({"-c", config_});
  EXPECT_EQ(raw_request(port_, "GET /nope HTTP/1.1\r\n\r\n"), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

// JSON listings, parsed by a real JSON parser; sorting; validators for mirrors.
TEST_F(Site, JsonAndSortedListingsWithValidators) {
  put("d/small.txt", "1");
  put("d/big.bin", std::string(3000, 'b'));
  put("d/mid.txt", std::string(200, 'm'));
  base_.mkdir("www/d/sub");
  put("d/q\"uote.txt", "q");
  start({"--listing"});
  std::string r = get("/d/?format=json");
  ASSERT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_EQ(header(r, "Vary"), "Accept");
  EXPECT_EQ(py("import json,sys\nd=json.load(open(sys.argv[1]))\n"
               "print(' '.join('%s:%s:%d' % (e['name'], e['type'], e['size']) for e in d))\n"
               "print(all(isinstance(e['mtime'], int) for e in d))",
               body_of(r)),
            "big.bin:file:3000 mid.txt:file:200 q\"uote.txt:file:1 small.txt:file:1 sub:directory:0\nTrue\n");
  std::string by_size = get("/d/?format=json&sort=size&order=desc");
  EXPECT_EQ(py("import json,sys\nprint(' '.join(e['name'] for e in json.load(open(sys.argv[1]))))", body_of(by_size)),
            "big.bin mid.txt small.txt q\"uote.txt sub\n");
  std::string accept = get("/d/", "Accept: application/json\r\n");
  EXPECT_EQ(header(accept, "Content-Type"), "application/json");
  std::string html = get("/d/?sort=name&order=desc", "Accept: text/html,application/json;q=0.9\r\n");
  EXPECT_EQ(header(html, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_LT(body_of(html).find("sub/"), body_of(html).find("big.bin"));
  std::string etag = header(r, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_FALSE(header(r, "Last-Modified").empty());
  std::string again = get("/d/?format=json", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(status_of(again), 304) << again;
  EXPECT_EQ(body_of(again), "");
  EXPECT_EQ(status_of(get("/d/?format=json", "If-Modified-Since: " + header(r, "Last-Modified") + "\r\n")), 304);
  put("d/new.txt", "n");  // the listing changed: the old tag no longer matches
  EXPECT_EQ(status_of(get("/d/?format=json", "If-None-Match: " + etag + "\r\n")), 200);
}

TEST_F(Site, FiftyThousandEntriesList) {
  std::string dir = base_.mkdir("www/many");
  for (int i = 0; i < 50000; ++i) std::ofstream(dir + "/f" + std::to_string(i) + ".txt") << "";
  start({"--listing"});
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = curl({"-o", base_.path() + "/many.json", url_ + "/many/?format=json"});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(py("import json,sys\nprint(len(json.load(open(sys.argv[1]))))", read_file(base_.path() + "/many.json")),
            "50000\n");
  std::cout << "[ info ] 50000-entry JSON listing in " << ms << " ms\n";
}

// The modern web set is built in; [mime] adds and overrides; bad entries name their line.
TEST_F(Site, MimeTypesBuiltInAndConfigured) {
  const std::pair<const char*, const char*> expect[] = {
      {"a.mjs", "text/javascript; charset=utf-8"},
      {"a.wasm", "application/wasm"},
      {"a.webmanifest", "application/manifest+json; charset=utf-8"},
      {"a.avif", "image/avif"},
      {"a.webp", "image/webp"},
      {"a.woff2", "font/woff2"},
      {"a.json", "application/json; charset=utf-8"},
      {"a.map", "application/json; charset=utf-8"},
      {"a.svg", "image/svg+xml; charset=utf-8"},
      {"a.ics", "text/calendar; charset=utf-8"},
      {"a.md", "text/markdown; charset=utf-8"},
      {"a.foo", "application/x-foo"},                     // added by [mime]
      {"a.JS", "application/javascript; charset=utf-8"},  // overridden, any case
  };
  for (const auto& [file, type] : expect) put(file, "x");
  start_config("[mime]\n\".foo\" = \"application/x-foo\"\n\".js\" = \"application/javascript\"\n");
  for (const auto& [file, type] : expect) EXPECT_EQ(header(get(std::string("/") + file), "Content-Type"), type) << file;
  expect_config_error("[mime]\n\".x\" = \"not a type\"\n", ":4:8: mime.\".x\" must be a type/subtype");
  expect_config_error("[mime]\n\"x\" = \"a/b\"\n", ":4:7: mime keys must be extensions");
  expect_config_error("[error_pages]\n\"999\" = \"/x.html\"\n",
                      ":4:9: error_pages keys must be status codes from 400 to 599");
  expect_config_error("[error_pages]\n404 = \"x.html\"\n", ":4:7: error_pages.404 must start with '/'");
}

// [[headers]] rules set fields on file responses (200, 206, 304, HEAD), in
// order, and never on errors; -t names a bad rule with its line.
TEST_F(Site, HeaderRulesApplyToFileResponses) {
  put("assets/app.js", "js");
  put("index.html", "<p>home</p>");
  put("other.txt", std::string(70000, 'o'));  // over the cache size: served with sendfile
  start_config(
      "[[headers]]\npath = \"/assets\"\nset = { \"Cache-Control\" = \"max-age=31536000, immutable\" }\n"
      "[[headers]]\npath = \"*.html\"\nset = { \"Cache-Control\" = \"no-cache\", \"X-Frame-Options\" = \"DENY\" }\n"
      "[[headers]]\npath = \"/other.txt\"\nset = { \"X-Robots-Tag\" = \"noindex\" }\n");
  std::string js = get("/assets/app.js");
  EXPECT_EQ(header(js, "Cache-Control"), "max-age=31536000, immutable");
  EXPECT_EQ(header(js, "X-Frame-Options"), "");
  EXPECT_EQ(header(get("/assets/app.js"), "Cache-Control"), "max-age=31536000, immutable") << "from the cache";
  std::string html = get("/index.html");
  EXPECT_EQ(header(html, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(html, "X-Frame-Options"), "DENY");
  std::string not_modified = get("/index.html", "If-None-Match: " + header(html, "ETag") + "\r\n");
  EXPECT_EQ(status_of(not_modified), 304);
  EXPECT_EQ(header(not_modified, "Cache-Control"), "no-cache");
  std::string range = get("/other.txt", "Range: bytes=0-9\r\n");
  EXPECT_EQ(status_of(range), 206);
  EXPECT_EQ(header(range, "X-Robots-Tag"), "noindex");
  std::string head = req("HEAD /other.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(header(head, "X-Robots-Tag"), "noindex");
  EXPECT_EQ(header(get("/assets/missing.js"), "Cache-Control"), "") << "an error response got a rule's fields";
  const std::string rule = "[[headers]]\npath = \"/a\"\n";
  expect_config_error(rule + "set = { \"Bad Name\" = \"x\" }\n",
                      ":5:9: headers[1].set: 'Bad Name' is not a header name");
  expect_config_error(rule + "set = { \"Content-Length\" = \"1\" }\n",
                      ":5:9: headers[1].set: Content-Length is set by the server");
  expect_config_error(rule + "set = { X = 1 }\n", ":5:13: headers[1].set.X must be a string");
  expect_config_error("[[headers]]\npath = \"a\"\nset = { X = \"1\" }\n", ":4:8: headers[1].path must start with '/'");
  expect_config_error(rule + "sett = { X = \"1\" }\n", ":5:1: unknown key 'headers[1].sett'");
  expect_config_error("[[headers]]\nset = { X = \"1\" }\n", ":3:1: headers[1] needs a path");
}

// Precompressed sidecars: the preferred acceptable one is sent with
// Content-Encoding, the original's type, Vary and its own validators; ranges
// and conditionals work on its bytes; q=0 refuses; with nothing acceptable the
// file itself is sent.
TEST_F(Site, PrecompressedSidecars) {
  std::string js = "console.log('a demo script');\n";
  for (int i = 0; i < 50; ++i) js += "// padding line " + std::to_string(i) + "\n";
  put("app.js", js);
  put("app.js.br", "BROTLI-BYTES");
  put("app.js.zst", "ZSTD-BYTES");
  RunResult gz = run({"sh", "-c", "gzip -9 -n -c " + root_ + "/app.js > " + root_ + "/app.js.gz"});
  ASSERT_EQ(gz.exit_code, 0) << gz.err;
  put("plain.txt", "no sidecars");
  put("old.css", "body{}");
  put("old.css.gz", "stale");
  // The sidecar is older than its file: ignored.
  RunResult touch = run({"touch", "-d", "2001-01-01", root_ + "/old.css.gz"});
  ASSERT_EQ(touch.exit_code, 0);
  start_config("precompressed = [\"br\", \"zstd\", \"gzip\"]\n");
  auto fetch = [&](const std::string& path, const std::string& extra) { return get(path, extra); };
  std::string br = fetch("/app.js", "Accept-Encoding: gzip, deflate, br, zstd\r\n");
  EXPECT_EQ(status_of(br), 200);
  EXPECT_EQ(header(br, "Content-Encoding"), "br");
  EXPECT_EQ(header(br, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(br, "Vary"), "Accept-Encoding");
  EXPECT_EQ(body_of(br), "BROTLI-BYTES");
  EXPECT_EQ(body_of(fetch("/app.js", "Accept-Encoding: gzip;q=0.5, zstd\r\n")), "ZSTD-BYTES");
  EXPECT_EQ(header(fetch("/app.js", "Accept-Encoding: br;q=0, gzip\r\n"), "Content-Encoding"), "gzip");
  std::string plain = fetch("/app.js", "");
  EXPECT_EQ(header(plain, "Content-Encoding"), "");
  EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding") << "the identity answer of a file with variants varies too";
  EXPECT_EQ(body_of(plain), js);
  EXPECT_NE(header(plain, "ETag"), header(br, "ETag"));
  // curl decodes the real gzip sidecar back to the file.
  RunResult decoded = curl({"--compressed", "-H", "Accept-Encoding: gzip", url_ + "/app.js"});
  EXPECT_EQ(decoded.out, js);
  // Conditionals and ranges over the variant's bytes; HEAD agrees with GET.
  std::string again = fetch("/app.js", "Accept-Encoding: br\r\nIf-None-Match: " + header(br, "ETag") + "\r\n");
  EXPECT_EQ(status_of(again), 304);
  EXPECT_EQ(header(again, "Vary"), "Accept-Encoding");
  std::string part = fetch("/app.js", "Accept-Encoding: br\r\nRange: bytes=0-5\r\n");
  EXPECT_EQ(status_of(part), 206);
  EXPECT_EQ(body_of(part), "BROTLI");
  EXPECT_EQ(header(part, "Content-Range"), "bytes 0-5/12");
  std::string head = req("HEAD /app.js HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(header(head, "Content-Encoding"), "br");
  EXPECT_EQ(header(head, "Content-Length"), "12");
  // Nothing acceptable: the file itself, as nginx, lighttpd and Caddy send, never a 406.
  std::string refused = fetch("/app.js", "Accept-Encoding: deflate, br;q=0, identity;q=0\r\n");
  EXPECT_EQ(status_of(refused), 200);
  EXPECT_EQ(body_of(refused), js);
  EXPECT_EQ(header(refused, "Content-Encoding"), "");
  EXPECT_EQ(header(refused, "Vary"), "Accept-Encoding");
  std::string lone = fetch("/plain.txt", "Accept-Encoding: identity;q=0\r\n");
  EXPECT_EQ(status_of(lone), 200) << "a file without sidecars is sent as it is";
  EXPECT_EQ(body_of(lone), "no sidecars");
  EXPECT_EQ(status_of(fetch("/plain.txt", "Accept-Encoding: *;q=0\r\n")), 200);
  // No sidecar, or a stale one: the file itself; a sidecar by its own name is a plain file.
  std::string none = fetch("/plain.txt", "Accept-Encoding: br, gzip\r\n");
  EXPECT_EQ(body_of(none), "no sidecars");
  EXPECT_EQ(header(none, "Vary"), "");
  EXPECT_EQ(body_of(fetch("/old.css", "Accept-Encoding: gzip\r\n")), "body{}");
  std::string direct = fetch("/app.js.br", "Accept-Encoding: br\r\n");
  EXPECT_EQ(body_of(direct), "BROTLI-BYTES");
  EXPECT_EQ(header(direct, "Content-Encoding"), "");
  expect_config_error("precompressed = [\"br\", \"lzma\"]\n", ":3:17: precompressed entries must be br, zstd or gzip");
}
