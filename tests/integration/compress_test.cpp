// Compression on the fly: the first request gets the file as it is, a
// compressor off the event loop makes the copy, later requests get the copy
// (its own ETag, 304, Range, HEAD); a changed file gets new copies; the
// cache stays within cache_size; the status path counts it all.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "site_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

class Compress : public SiteServerTest {
 protected:
  void SetUp() override {
    SiteServerTest::SetUp();
    cache_ = base_.path() + "/zcache";
  }
  // The server with [compress] settings toml (cache_dir set to cache_) and the status path.
  void start_compress(const std::string& toml = "") {
    start_config("profile = \"http\"\n[status]\npath = \"/status\"\n[compress]\ncache_dir = \"" + cache_ + "\"\n" +
                 toml);
  }
  // Asks for path with Accept-Encoding accept until the response has Content-Encoding want (10 s at most).
  std::string until_coded(const std::string& path, const std::string& accept, const std::string& want) {
    std::string r;
    wait_until(
        [&] {
          r = get(path, "Accept-Encoding: " + accept + "\r\n");
          return header(r, "Content-Encoding") == want;
        },
        10s);
    return r;
  }
  // Decodes body with the command line tool cmd ("gzip -dc", ...); "error: ..." when it fails.
  std::string decode(const std::string& cmd, const std::string& body) {
    std::string file = base_.write("coded-" + std::to_string(++files_), body);
    RunResult r = run({"sh", "-c", cmd + " < '" + file + "'"});
    return r.exit_code == 0 ? r.out : "error: " + r.err;
  }
  // The value of a counter on the status path (-1 when missing).
  long long counter(const std::string& name) {
    return sample_of(body_of(get("/status")), name);
  }
  // Bytes of the finished copies in the cache directory.
  std::uint64_t cache_bytes(int* count = nullptr) {
    std::uint64_t total = 0;
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(cache_)) {
      std::string name = e.path().filename();
      if (name.ends_with(".gz") || name.ends_with(".zst") || name.ends_with(".br")) {
        total += e.file_size();
        ++n;
      }
    }
    if (count) *count = n;
    return total;
  }
  std::string cache_;
  int files_ = 0;
};

// Text that compresses well, like real JavaScript.
std::string script_text(std::size_t bytes, int seed = 0) {
  std::string s;
  for (int i = 0; s.size() < bytes; ++i)
    s += "function f" + std::to_string(i % 500 + seed) + "(a, b) { return a * " + std::to_string(i % 37) +
         " + b; }\n";
  s.resize(bytes);
  return s;
}

// Text that compresses to about half: hex digits of a pseudo-random sequence.
std::string hex_text(std::size_t bytes, unsigned seed) {
  std::string s;
  unsigned x = seed * 2654435761u + 1;
  while (s.size() < bytes) {
    x = x * 1103515245u + 12345u;
    s += "0123456789abcdef"[(x >> 16) & 15];
  }
  return s;
}

}  // namespace

TEST_F(Compress, IdentityFirstThenEachCodingRoundTrips) {
  std::string js = script_text(200 * 1024);
  put("app.js", js);
  start_compress();
  std::string first = get("/app.js", "Accept-Encoding: gzip\r\n");
  ASSERT_EQ(status_of(first), 200);
  EXPECT_EQ(header(first, "Content-Encoding"), "") << "the first request gets the file at once";
  EXPECT_EQ(header(first, "Vary"), "Accept-Encoding");
  EXPECT_EQ(body_of(first), js);
  struct Row {
    const char* coding;
    const char* tool;
  } rows[] = {{"gzip", "gzip -dc"}, {"zstd", "zstd -dc"}, {"br", "brotli -dc"}};
  for (const Row& row : rows) {
    std::string r = until_coded("/app.js", row.coding, row.coding);
    ASSERT_EQ(header(r, "Content-Encoding"), row.coding) << r.substr(0, 400);
    EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");
    EXPECT_EQ(header(r, "Content-Type"), header(first, "Content-Type"));
    std::string body = body_of(r);
    EXPECT_EQ(header(r, "Content-Length"), std::to_string(body.size()));
    EXPECT_LT(body.size(), js.size() / 5);
    EXPECT_EQ(decode(row.tool, body), js) << row.coding;
  }
  // Our order decides between codings of equal q: zstd first.
  EXPECT_EQ(header(get("/app.js", "Accept-Encoding: gzip, br, zstd\r\n"), "Content-Encoding"), "zstd");
  EXPECT_EQ(header(get("/app.js", "Accept-Encoding: gzip, br;q=0.5\r\n"), "Content-Encoding"), "gzip");
  EXPECT_EQ(header(get("/app.js"), "Content-Encoding"), "") << "no Accept-Encoding: identity";
  // curl's own decoding agrees.
  RunResult curled = curl({"--compressed", url_ + "/app.js"});
  EXPECT_EQ(curled.out, js);
  EXPECT_EQ(counter("filehttpd_compress_cache_fills_total"), 3);
  EXPECT_GE(counter("filehttpd_compress_cache_hits_total"), 5);
  struct stat st {};
  ASSERT_EQ(stat(cache_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

// A client that takes no coding of ours gets the file from the memory cache
// (the second request on), still marked as a variant, and asks for no copy;
// one that takes gzip still gets one made.
TEST_F(Compress, ANoCodingClientGetsTheFileWithVaryAndQueuesNothing) {
  std::string js = script_text(4000);
  put("small.js", js);
  start_compress();
  for (const char* accept : {"", "", "Accept-Encoding: identity\r\n", "Accept-Encoding: compress\r\n", ""}) {
    std::string r = get("/small.js", accept);
    EXPECT_EQ(status_of(r), 200) << accept;
    EXPECT_EQ(header(r, "Vary"), "Accept-Encoding") << accept;
    EXPECT_EQ(header(r, "Content-Encoding"), "") << accept;
    EXPECT_EQ(body_of(r), js) << accept;
  }
  std::string tag = header(get("/small.js"), "ETag");
  std::string nm = get("/small.js", "If-None-Match: " + tag + "\r\n");
  EXPECT_EQ(status_of(nm), 304);
  EXPECT_EQ(header(nm, "Vary"), "Accept-Encoding");
  std::string part = get("/small.js", "Range: bytes=10-19\r\n");
  EXPECT_EQ(status_of(part), 206);
  EXPECT_EQ(body_of(part), js.substr(10, 10));
  sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(counter("filehttpd_compress_cache_fills_total"), 0) << "no client asked for a coding";
  std::string gz = until_coded("/small.js", "gzip", "gzip");
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(decode("gzip -dc", body_of(gz)), js);
}

TEST_F(Compress, SmallOrForeignFilesAreLeftAlone) {
  put("small.css", "body{}");
  put("photo.png", hex_text(8000, 1));
  put("big.txt", script_text(20000));
  start_compress("min_size = 1024\n");
  for (int i = 0; i < 3; ++i) {
    std::string s = get("/small.css", "Accept-Encoding: gzip\r\n");
    EXPECT_EQ(header(s, "Content-Encoding"), "");
    EXPECT_EQ(header(s, "Vary"), "") << "below min_size: no variants at all";
    EXPECT_EQ(header(get("/photo.png", "Accept-Encoding: gzip\r\n"), "Content-Encoding"), "");
  }
  sleep_for(300ms);
  EXPECT_EQ(header(get("/photo.png", "Accept-Encoding: gzip\r\n"), "Content-Encoding"), "");
  EXPECT_EQ(header(until_coded("/big.txt", "gzip", "gzip"), "Content-Encoding"), "gzip");
  EXPECT_EQ(counter("filehttpd_compress_cache_fills_total"), 1);
}

TEST_F(Compress, OffWithEmptyCodings) {
  put("app.js", script_text(50000));
  start_compress("codings = []\n");
  for (int i = 0; i < 5; ++i) {
    std::string r = get("/app.js", "Accept-Encoding: gzip, br, zstd\r\n");
    EXPECT_EQ(header(r, "Content-Encoding"), "");
    EXPECT_EQ(header(r, "Vary"), "");
    sleep_for(100ms);
  }
}

TEST_F(Compress, EtagRangeHeadAnd304OnTheCopy) {
  std::string js = script_text(100 * 1024);
  put("app.js", js);
  start_compress();
  std::string plain = get("/app.js");
  std::string tag = header(plain, "ETag");
  ASSERT_FALSE(tag.empty());
  std::string gz = until_coded("/app.js", "gzip", "gzip");
  ASSERT_EQ(header(gz, "Content-Encoding"), "gzip");
  std::string gz_tag = header(gz, "ETag");
  EXPECT_EQ(gz_tag, tag.substr(0, tag.size() - 1) + "-gzip\"") << "the file's tag with a coding suffix";
  EXPECT_EQ(header(gz, "Last-Modified"), header(plain, "Last-Modified"));
  std::string body = body_of(gz);
  // 304 for the copy's tag, 200 (the copy) for the file's own.
  std::string nm = get("/app.js", "Accept-Encoding: gzip\r\nIf-None-Match: " + gz_tag + "\r\n");
  EXPECT_EQ(status_of(nm), 304);
  EXPECT_EQ(header(nm, "ETag"), gz_tag);
  EXPECT_EQ(header(nm, "Vary"), "Accept-Encoding");
  EXPECT_EQ(body_of(nm), "");
  EXPECT_EQ(status_of(get("/app.js", "Accept-Encoding: gzip\r\nIf-None-Match: " + tag + "\r\n")), 200);
  // A range is of the copy's bytes.
  std::string part = get("/app.js", "Accept-Encoding: gzip\r\nRange: bytes=0-9\r\n");
  EXPECT_EQ(status_of(part), 206);
  EXPECT_EQ(header(part, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(part, "Content-Range"), "bytes 0-9/" + std::to_string(body.size()));
  EXPECT_EQ(body_of(part), body.substr(0, 10));
  std::string stale = get("/app.js", "Accept-Encoding: gzip\r\nRange: bytes=0-9\r\nIf-Range: " + tag + "\r\n");
  EXPECT_EQ(status_of(stale), 200) << "If-Range with another variant's tag: the whole copy";
  // HEAD agrees with GET.
  std::string head = req("HEAD /app.js HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(head), 200);
  EXPECT_EQ(header(head, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(head, "Content-Length"), std::to_string(body.size()));
  EXPECT_EQ(header(head, "ETag"), gz_tag);
  EXPECT_EQ(body_of(head), "");
}

TEST_F(Compress, AChangedFileGetsNewCopies) {
  std::string v1 = script_text(60000, 1);
  put("app.js", v1);
  start_compress();
  get("/app.js", "Accept-Encoding: gzip\r\n");
  std::string old = until_coded("/app.js", "gzip", "gzip");
  ASSERT_EQ(decode("gzip -dc", body_of(old)), v1);
  // Same size, new bytes, a new mtime.
  std::string v2 = script_text(60000, 7);
  ASSERT_EQ(v1.size(), v2.size());
  put("app.js", v2);
  struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  times[1].tv_sec = time(nullptr) + 5;
  times[1].tv_nsec = 0;
  ASSERT_EQ(utimensat(AT_FDCWD, (root_ + "/app.js").c_str(), times, 0), 0);
  std::string fresh = get("/app.js", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(header(fresh, "Content-Encoding"), "") << "the old copy is never served for the new file";
  EXPECT_EQ(body_of(fresh), v2);
  EXPECT_NE(header(fresh, "ETag"), header(old, "ETag").substr(0, header(fresh, "ETag").size()));
  std::string now = until_coded("/app.js", "gzip", "gzip");
  EXPECT_EQ(decode("gzip -dc", body_of(now)), v2);
  EXPECT_NE(header(now, "ETag"), header(old, "ETag"));
}

TEST_F(Compress, AFullCacheEvictsAndStaysWithinCacheSize) {
  // Each file compresses to about 24 KB; the cache holds two.
  constexpr int files = 6;
  for (int i = 0; i < files; ++i) put("f" + std::to_string(i) + ".txt", hex_text(40000, static_cast<unsigned>(i)));
  start_compress("cache_size = \"56k\"\ncodings = [\"gzip\"]\n");
  for (int i = 0; i < files; ++i) {
    std::string path = "/f" + std::to_string(i) + ".txt";
    std::string r = until_coded(path, "gzip", "gzip");
    ASSERT_EQ(header(r, "Content-Encoding"), "gzip") << path;
    EXPECT_EQ(decode("gzip -dc", body_of(r)), hex_text(40000, static_cast<unsigned>(i)));
    EXPECT_LE(cache_bytes(), 56u * 1024) << "after " << path;
  }
  int count = 0;
  EXPECT_LE(cache_bytes(&count), 56u * 1024);
  EXPECT_EQ(count, 2);
  EXPECT_EQ(counter("filehttpd_compress_cache_fills_total"), files);
  EXPECT_EQ(counter("filehttpd_compress_cache_evictions_total"), files - 2);
  // The newest is still there; the first was evicted and is made again on demand.
  EXPECT_EQ(header(get("/f5.txt", "Accept-Encoding: gzip\r\n"), "Content-Encoding"), "gzip");
  EXPECT_EQ(header(get("/f0.txt", "Accept-Encoding: gzip\r\n"), "Content-Encoding"), "");
}

TEST_F(Compress, DefaultCacheIsPrivateAndRemovedAtExit) {
  put("app.js", script_text(30000));
  std::string tmp = base_.path() + "/tmp";
  std::filesystem::create_directory(tmp);
  setenv("TMPDIR", tmp.c_str(), 1);
  start_config("profile = \"http\"\n");
  unsetenv("TMPDIR");
  get("/app.js", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(header(until_coded("/app.js", "gzip", "gzip"), "Content-Encoding"), "gzip");
  std::vector<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator(tmp)) dirs.push_back(e.path());
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_NE(dirs[0].find("filehttpd-compress."), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat(dirs[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(), 0);
  EXPECT_FALSE(std::filesystem::exists(dirs[0])) << "the private cache goes with the server";
}

TEST_F(Compress, ConfigErrorsNameTheKey) {
  expect_config_error("[compress]\ncodings = [\"gzip\", \"deflate\"]\n",
                      ":4:11: compress.codings: entries must be zstd, br or gzip, not 'deflate'");
  expect_config_error("[compress]\ncodings = [\"gzip\", \"gzip\"]\n", ":4:11: compress.codings lists 'gzip' twice");
  expect_config_error("[compress]\ntypes = [\"text\"]\n", ":4:9: compress.types: entries must be media types");
  expect_config_error("[compress]\nmax_size = \"lots\"\n", ":4:12: compress.max_size must be a size");
  expect_config_error("[compress]\ncache_dir = \"rel/dir\"\n", ":4:13: compress.cache_dir must be an absolute path");
  expect_config_error("[compress]\nlevel = 3\n", ":4:1: unknown key 'compress.level'");
  expect_config_error("[compress]\nmin_size = 100\nmax_size = 10\n",
                      ":4:12: compress.min_size must not exceed compress.max_size");
  std::string file;
  RunResult ok = check_config("profile = \"http\"\n[compress]\ncache_size = \"64m\"\n", file);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("compression: zstd, br, gzip for 16 types of 1k to 16m bytes; cache in a private directory "
                        "under $TMPDIR up to 64m"),
            std::string::npos)
      << ok.err;
}

// Workers that dropped privileges can write the cache: the supervisor made
// it for them, and the copies are theirs.
TEST_F(Compress, WorkersThatDroppedPrivilegesFillTheCache) {
  if (getuid() != 0) GTEST_SKIP() << "privilege dropping needs the test to run as root";
  std::string user = unprivileged_user();
  if (user.empty()) GTEST_SKIP() << "no unprivileged user exists";
  std::string js = script_text(40000);
  put("app.js", js);
  start_config("profile = \"http\"\nuser = \"" + user + "\"\n[compress]\ncache_dir = \"" + cache_ + "\"\n");
  struct stat st {};
  ASSERT_EQ(stat(cache_.c_str(), &st), 0);
  EXPECT_NE(st.st_uid, 0u) << "the cache belongs to the workers' user";
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  get("/app.js", "Accept-Encoding: gzip\r\n");
  std::string r = until_coded("/app.js", "gzip", "gzip");
  ASSERT_EQ(header(r, "Content-Encoding"), "gzip");
  EXPECT_EQ(decode("gzip -dc", body_of(r)), js);
}

// With precompressed on, a file's sidecars win and it is never compressed on
// the fly; a file without sidecars is.
TEST_F(Compress, SidecarsWinWherePresent) {
  std::string js = script_text(30000);
  put("side.js", js);
  put("side.js.gz", "GZIP-SIDECAR");
  put("bare.js", js);
  start_config("profile = \"http\"\nprecompressed = [\"gzip\"]\n[status]\npath = \"/status\"\n[compress]\ncache_dir = \"" +
               cache_ + "\"\n");
  for (int i = 0; i < 3; ++i) {
    std::string r = get("/side.js", "Accept-Encoding: gzip\r\n");
    EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
    EXPECT_EQ(body_of(r), "GZIP-SIDECAR");
  }
  std::string bare = until_coded("/bare.js", "gzip", "gzip");
  EXPECT_EQ(decode("gzip -dc", body_of(bare)), js);
  EXPECT_EQ(counter("filehttpd_compress_cache_fills_total"), 1) << "only the file without a sidecar";
}

// A [[site]] compresses its own files into the same cache, the default
// (private) directory included.
TEST_F(Compress, SitesCompressToo) {
  std::string js = script_text(30000, 3);
  base_.write("a/app.js", js);
  start_config("profile = \"http\"\n[[site]]\nnames = [\"a.test\"]\nroot = \"" + base_.path() + "/a\"\n");
  std::string r;
  wait_until(
      [&] {
        r = req("GET /app.js HTTP/1.1\r\nHost: a.test\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
        return header(r, "Content-Encoding") == "gzip";
      },
      10s);
  ASSERT_EQ(header(r, "Content-Encoding"), "gzip") << r.substr(0, 300);
  EXPECT_EQ(decode("gzip -dc", body_of(r)), js);
}

// A site may set its own [site.compress] codings, types and sizes (here: off),
// while the default site keeps compressing; the cache's keys are refused per site.
TEST_F(Compress, SitesSetTheirOwnCodings) {
  std::string js = script_text(30000, 5);
  base_.write("a/app.js", js);
  put("app.js", js);
  start_config("profile = \"http\"\n[[site]]\nnames = [\"a.test\"]\nroot = \"" + base_.path() +
               "/a\"\n[site.compress]\ncodings = []\n");
  std::string dflt = until_coded("/app.js", "gzip", "gzip");
  EXPECT_EQ(decode("gzip -dc", body_of(dflt)), js);
  for (int i = 0; i < 3; ++i) {
    std::string r = req("GET /app.js HTTP/1.1\r\nHost: a.test\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(r), 200);
    EXPECT_EQ(header(r, "Content-Encoding"), "") << r.substr(0, 300);
    EXPECT_EQ(body_of(r), js);
  }
  expect_config_error("profile = \"http\"\n[[site]]\nnames = [\"b.test\"]\n[site.compress]\ncache_size = \"1m\"\n",
                      ":7:1: site[1]: 'compress.cache_size' cannot be set per site (the cache is the server's)");
}
