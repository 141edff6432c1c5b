// Unit tests for server/path: decoding, dot segments, hidden names, opening beneath the root.
#include "path.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

using namespace filehttpd;

struct DecodeCase {
  const char* target;
  PathStatus status;
  const char* path;
  const char* query;
};

TEST(DecodeTarget, Table) {
  const DecodeCase cases[] = {
      {"/", PathStatus::ok, "/", ""},
      {"", PathStatus::ok, "/", ""},
      {"index.html", PathStatus::ok, "/index.html", ""},
      {"/a/b.txt?x=1&y", PathStatus::ok, "/a/b.txt", "x=1&y"},
      {"/a//b", PathStatus::ok, "/a/b", ""},
      {"/a/./b", PathStatus::ok, "/a/b", ""},
      {"/a/../b", PathStatus::ok, "/b", ""},
      {"/a/b/..", PathStatus::ok, "/a/", ""},
      {"/dir/", PathStatus::ok, "/dir/", ""},
      {"/%41%62c", PathStatus::ok, "/Abc", ""},
      {"/sp%20ace", PathStatus::ok, "/sp ace", ""},
      {"/%2e%2e/x", PathStatus::outside_root, "", ""},
      {"/..", PathStatus::outside_root, "", ""},
      {"/a/../../x", PathStatus::outside_root, "", ""},
      {"../x", PathStatus::outside_root, "", ""},
      {"/%252e%252e/x", PathStatus::ok, "/%2e%2e/x", ""},  // decoded exactly once
      {"/a%00b", PathStatus::bad_request, "", ""},
      {"/a%2fb", PathStatus::bad_request, "", ""},
      {"/a%2Fb", PathStatus::bad_request, "", ""},
      {"/a%", PathStatus::bad_request, "", ""},
      {"/a%4", PathStatus::bad_request, "", ""},
      {"/a%zz", PathStatus::bad_request, "", ""},
      {"http://host/x/y", PathStatus::ok, "/x/y", ""},
  };
  for (const auto& c : cases) {
    DecodedPath d = decode_target(c.target);
    EXPECT_EQ(d.status, c.status) << c.target;
    if (c.status == PathStatus::ok) {
      EXPECT_EQ(d.path, c.path) << c.target;
      EXPECT_EQ(d.query, c.query) << c.target;
    }
  }
}

TEST(DecodeTarget, TrailingSlashMarksDirectoryForm) {
  EXPECT_TRUE(decode_target("/").trailing_slash);
  EXPECT_TRUE(decode_target("/d/").trailing_slash);
  EXPECT_TRUE(decode_target("/d/.").trailing_slash);
  EXPECT_FALSE(decode_target("/d").trailing_slash);
}

TEST(HiddenSegment, Table) {
  EXPECT_FALSE(has_hidden_segment("/a/b.txt"));
  EXPECT_TRUE(has_hidden_segment("/.git/config"));
  EXPECT_TRUE(has_hidden_segment("/a/.env"));
  EXPECT_FALSE(has_hidden_segment("/.well-known/security.txt"));
  EXPECT_TRUE(has_hidden_segment("/.well-known"));
  EXPECT_TRUE(has_hidden_segment("/a/.well-known/x"));
}

TEST(PercentEncode, KeepsUnreservedAndSlash) {
  EXPECT_EQ(percent_encode_path("/a b/c?d#e%"), "/a%20b/c%3Fd%23e%25");
  EXPECT_EQ(percent_encode_path("/x-y_z.~/"), "/x-y_z.~/");
}

TEST(HtmlEscape, EscapesMarkup) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

class Beneath : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/filehttpd-unit-XXXXXX";
    base_ = mkdtemp(tmpl);
    namespace fs = std::filesystem;
    fs::create_directories(base_ + "/root/sub");
    std::ofstream(base_ + "/secret") << "secret";
    std::ofstream(base_ + "/root/in.txt") << "in";
    fs::create_symlink("../secret", base_ + "/root/rel-out");
    fs::create_symlink(base_ + "/secret", base_ + "/root/abs-out");
    fs::create_symlink("in.txt", base_ + "/root/rel-in");
    fs::create_symlink("../in.txt", base_ + "/root/sub/up-in");
    root_ = open((base_ + "/root").c_str(), O_PATH | O_DIRECTORY);
  }
  void TearDown() override {
    close(root_);
    std::filesystem::remove_all(base_);
  }
  std::string base_;
  int root_ = -1;
};

TEST_F(Beneath, OpensInsideAndRefusesEscapes) {
  struct Case {
    const char* path;
    bool ok;
  } cases[] = {
      {"/in.txt", true},   {"/rel-in", true},   {"/sub/up-in", true},  {"/", true},
      {"/rel-out", false}, {"/abs-out", false}, {"/../secret", false}, {"/sub/../../secret", false},
  };
  for (const auto& c : cases) {
    int fd = open_beneath(root_, c.path, O_RDONLY);
    EXPECT_EQ(fd >= 0, c.ok) << c.path << " errno " << -fd;
    if (fd >= 0) close(fd);
  }
}

TEST_F(Beneath, WalkFallbackOpensPlainPathsAndRefusesEverySymlink) {
  struct Case {
    const char* path;
    bool ok;
  } cases[] = {
      {"/in.txt", true},   {"/sub", true},        {"/", true},           {"/rel-in", false},  {"/rel-out", false},
      {"/abs-out", false}, {"/../secret", false}, {"/sub/up-in", false}, {"/missing", false},
  };
  for (const auto& c : cases) {
    int fd = open_beneath_walk(root_, c.path, O_RDONLY);
    EXPECT_EQ(fd >= 0, c.ok) << c.path << " errno " << -fd;
    if (fd >= 0) close(fd);
  }
}
