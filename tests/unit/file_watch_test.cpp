// The watched-file set behind tls.watch: which differences count as a
// change (a table), what a FileWatch reports for real files (rewrite, touch,
// symlink swap, removal), and the files and -t line the watch config gives.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config.hpp"
#include "config_tls.hpp"
#include "file_watch.hpp"

using namespace filehttpd;

namespace {

FileState base() {
  FileState s;
  s.dev = 8;
  s.ino = 100;
  s.size = 1200;
  s.mtime_ns = 5'000'000'000;
  s.ctime_ns = 5'000'000'000;
  s.link_dev = 8;
  s.link_ino = 100;
  s.link_mtime_ns = 5'000'000'000;
  s.link_ctime_ns = 5'000'000'000;
  return s;
}

TEST(FileWatch, StateComparisonTable) {
  struct Row {
    const char* what;
    void (*change)(FileState&);
    bool same;
  } rows[] = {
      {"nothing", [](FileState&) {}, true},
      {"error (removed)", [](FileState& s) { s.error = ENOENT; }, false},
      {"device", [](FileState& s) { s.dev = 9; }, false},
      {"inode (renamed over)", [](FileState& s) { s.ino = 101; }, false},
      {"size", [](FileState& s) { s.size = 1201; }, false},
      {"mtime by 1 ns", [](FileState& s) { s.mtime_ns += 1; }, false},
      {"ctime (chmod, link count)", [](FileState& s) { s.ctime_ns += 1; }, false},
      {"symlink re-pointed", [](FileState& s) { s.link_ino = 7; }, false},
      {"symlink on another device", [](FileState& s) { s.link_dev = 3; }, false},
      {"symlink mtime", [](FileState& s) { s.link_mtime_ns += 1; }, false},
      {"symlink ctime", [](FileState& s) { s.link_ctime_ns += 1; }, false},
  };
  for (const Row& r : rows) {
    FileState a = base(), b = base();
    r.change(b);
    EXPECT_EQ(same_file_state(a, b), r.same) << r.what;
    EXPECT_EQ(same_file_state(b, a), r.same) << r.what;
  }
}

class FileWatchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/filehttpd-watch-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
  std::string dir_;
};

TEST_F(FileWatchDir, ReportsEachChangeOnce) {
  write("a.pem", "one");
  write("b.key", "key");
  FileWatch w({dir_ + "/a.pem", dir_ + "/b.key", dir_ + "/a.pem"});
  EXPECT_EQ(w.paths().size(), 2u);  // the duplicate counts once
  EXPECT_EQ(w.changed(), "");

  write("a.pem", "two!");  // rewritten in place, another size
  EXPECT_EQ(w.changed(), dir_ + "/a.pem");
  EXPECT_EQ(w.changed(), "");  // remembered: reported once

  // Replaced by rename with the same bytes: a new inode.
  write("b.key.new", "key");
  ASSERT_EQ(rename((dir_ + "/b.key.new").c_str(), (dir_ + "/b.key").c_str()), 0);
  EXPECT_EQ(w.changed(), dir_ + "/b.key");

  ASSERT_EQ(unlink((dir_ + "/b.key").c_str()), 0);
  EXPECT_EQ(w.changed(), dir_ + "/b.key");
  EXPECT_EQ(w.changed(), "");  // still missing: no news
  write("b.key", "key");
  EXPECT_EQ(w.changed(), dir_ + "/b.key");
}

TEST_F(FileWatchDir, SymlinkSwapsCount) {
  // certbot's live/NAME/cert.pem -> ../../archive/NAME/certN.pem
  write("cert1.pem", "first");
  write("cert2.pem", "other");
  ASSERT_EQ(symlink("cert1.pem", (dir_ + "/live.pem").c_str()), 0);
  // Kubernetes: tls.crt -> ..data/tls.crt, ..data -> ..2026_1 (swapped by rename)
  std::filesystem::create_directory(dir_ + "/..2026_1");
  std::filesystem::create_directory(dir_ + "/..2026_2");
  write("..2026_1/tls.crt", "same");
  write("..2026_2/tls.crt", "same");
  ASSERT_EQ(symlink("..2026_1", (dir_ + "/..data").c_str()), 0);
  ASSERT_EQ(symlink("..data/tls.crt", (dir_ + "/tls.crt").c_str()), 0);

  FileWatch w({dir_ + "/live.pem", dir_ + "/tls.crt"});
  EXPECT_EQ(w.changed(), "");

  ASSERT_EQ(symlink("cert2.pem", (dir_ + "/live.pem.tmp").c_str()), 0);
  ASSERT_EQ(rename((dir_ + "/live.pem.tmp").c_str(), (dir_ + "/live.pem").c_str()), 0);
  EXPECT_EQ(w.changed(), dir_ + "/live.pem");

  ASSERT_EQ(symlink("..2026_2", (dir_ + "/..data_tmp").c_str()), 0);
  ASSERT_EQ(rename((dir_ + "/..data_tmp").c_str(), (dir_ + "/..data").c_str()), 0);
  EXPECT_EQ(w.changed(), dir_ + "/tls.crt");
  EXPECT_EQ(w.changed(), "");
}

TEST(FileWatch, WatchedFilesAndNote) {
  TlsConfig tls;
  tls.certificates = {{"a.pem", "a.key", ""}, {"b.pem", "b.key", ""}};
  EXPECT_TRUE(tls_watched_files(tls).empty());  // no TLS listener: nothing to reload
  tls.listen = {"127.0.0.1:8443"};
  EXPECT_EQ(tls_watched_files(tls), (std::vector<std::string>{"a.pem", "a.key", "b.pem", "b.key"}));
  EXPECT_EQ(tls_watch_note(tls), "tls.watch: certificate and key files are checked every 1m and reloaded when they change");
  tls.watch_interval = millis(1500);
  EXPECT_NE(tls_watch_note(tls).find("every 1500ms"), std::string::npos);
  tls.watch_interval = millis(5000);
  EXPECT_NE(tls_watch_note(tls).find("every 5s"), std::string::npos);
  tls.watch = false;
  EXPECT_TRUE(tls_watched_files(tls).empty());
  EXPECT_EQ(tls_watch_note(tls), "tls.watch: off; certificates reload on SIGHUP only");
}

}  // namespace
