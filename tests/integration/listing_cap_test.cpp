// A directory over the listing cap (k_max_listing_entries, 100000): the
// listing holds the first 100000 entries in the order asked for, and says it
// was cut (headers for JSON and HTML, a line on the HTML page).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "harness.hpp"

using namespace testing_support;

namespace {

constexpr int k_cap = 100000;
constexpr int k_files = k_cap + 5;

// A directory of k_files empty files f000000 .. f100004, on the tmpfs of
// /dev/shm where there is one (about 1 s to make there, several on a disk).
class ListingCap : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    char tmpl[] = "/dev/shm/filehttpd-listing-XXXXXX";
    if (access("/dev/shm", W_OK) == 0 && mkdtemp(tmpl)) shm_ = tmpl;
    big_root_ = shm_.empty() ? root_ : shm_;
    std::string dir = big_root_ + "/big";
    std::filesystem::create_directories(dir);
    char name[16];
    for (int i = 0; i < k_files; ++i) {
      std::snprintf(name, sizeof name, "/f%06d", i);
      int fd = open((dir + name).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      ASSERT_GE(fd, 0) << dir + name;
      close(fd);
    }
  }
  void TearDown() override {
    std::error_code ec;
    if (!shm_.empty()) std::filesystem::remove_all(shm_, ec);
  }
  // Returns the names in a JSON listing's body, in order.
  static std::vector<std::string> names(const std::string& body) {
    std::vector<std::string> out;
    const std::string key = "{\"name\":\"";
    for (std::size_t at = body.find(key); at != std::string::npos; at = body.find(key, at)) {
      at += key.size();
      out.push_back(body.substr(at, body.find('"', at) - at));
    }
    return out;
  }

  std::string shm_;
  std::string big_root_;
};

}  // namespace

TEST_F(ListingCap, FirstEntriesInTheAskedOrderAndSaysItWasCut) {
  start_with({"--root", big_root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--listing"});
  std::string asc = get("/big/?format=json&sort=name", "");
  ASSERT_EQ(status_of(asc), 200) << asc.substr(0, 300);
  std::vector<std::string> n = names(body_of(asc));
  ASSERT_EQ(n.size(), static_cast<std::size_t>(k_cap));
  EXPECT_EQ(n.front(), "f000000");
  EXPECT_EQ(n.back(), "f099999");
  EXPECT_TRUE(std::is_sorted(n.begin(), n.end()));
  EXPECT_EQ(header(asc, "X-Listing-Truncated"), "true");
  EXPECT_EQ(header(asc, "X-Listing-Total"), std::to_string(k_files));

  std::vector<std::string> desc = names(body_of(get("/big/?format=json&sort=name&order=desc", "")));
  ASSERT_EQ(desc.size(), static_cast<std::size_t>(k_cap));
  EXPECT_EQ(desc.front(), "f100004");
  EXPECT_EQ(desc.back(), "f000005");

  std::string html = get("/big/?sort=name", "");
  EXPECT_EQ(header(html, "X-Listing-Truncated"), "true");
  std::string body = body_of(html);
  EXPECT_LT(body.find("\"f000000\""), body.find("\"f000001\""));
  EXPECT_NE(body.find("Only the first 100000 of 100005 entries are listed."), std::string::npos);
}
