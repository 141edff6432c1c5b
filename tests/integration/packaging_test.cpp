// Packaging: the install layout the units expect, the Dockerfile, and the man page.
#include "ops_fixture.hpp"

using namespace testing_support;
using namespace ops_support;
using namespace std::chrono_literals;

TEST(Packaging, InstallPutsFilesWhereUnitsExpectThem) {
  TempDir dest;
  RunResult d = run({"env", "DESTDIR=" + dest.path(), "cmake", "--install", BUILD_DIR, "--prefix", "/usr/local"}, 60s);
  ASSERT_EQ(d.exit_code, 0) << d.err;
  for (const char* p : {"/usr/local/bin/filehttpd", "/etc/filehttpd/filehttpd.toml",
                        "/etc/systemd/system/filehttpd.service", "/etc/systemd/system/filehttpd.socket",
                        "/srv/www/index.html", "/srv/www/cgi-bin/hello.sh", "/usr/local/share/man/man8/filehttpd.8"}) {
    EXPECT_TRUE(std::filesystem::exists(dest.path() + p)) << p;
  }
  auto perms = std::filesystem::status(dest.path() + "/srv/www/cgi-bin/hello.sh").permissions();
  EXPECT_NE(perms & std::filesystem::perms::owner_exec, std::filesystem::perms::none);
}

// The Dockerfile's promises that scripts/docker-check.sh (run by .ci/run,
// which builds and runs the image for real) does not see by itself: the
// build stage needs no nodejs, the runtime layer keeps no apt lists or
// caches, and the HEALTHCHECK asks the health path the command enables.
TEST(Packaging, DockerfileIsLeanAndCiBuildsIt) {
  std::string docker = read_file(std::string(SOURCE_DIR) + "/Dockerfile");
  std::string ci = read_file(std::string(SOURCE_DIR) + "/.ci/run");
  ASSERT_FALSE(docker.empty());
  EXPECT_NE(docker.find("FROM debian:bookworm-slim AS build"), std::string::npos);
  for (const char* must :
       {"EXPOSE 8080 8443", "STOPSIGNAL SIGTERM", "USER nobody", "/srv/www", "/etc/filehttpd/filehttpd.toml",
        "install-deps.sh --image-build", "install-deps.sh --runtime && rm -rf", "/var/lib/apt/lists/*",
        "/var/cache/apt/*", "http://127.0.0.1:8080/-/health", "\"--health-path\", \"/-/health\""}) {
    EXPECT_NE(docker.find(must), std::string::npos) << must;
  }
  std::string steps;  // the Dockerfile without its comments
  for (const std::string& line : lines_of(docker))
    if (!line.starts_with("#")) steps += line + "\n";
  EXPECT_EQ(steps.find("nodejs"), std::string::npos);
  // --image-build installs no nodejs: node-llhttp's C sources come from its package file.
  std::string deps = read_file(std::string(SOURCE_DIR) + "/scripts/install-deps.sh");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(deps, m, std::regex("IMAGE_BUILD_PKGS=\"([^\"]*)\"")));
  EXPECT_EQ(m[1].str().find("node"), std::string::npos) << m[1];
  EXPECT_NE(deps.find("apt-get download -qq node-llhttp"), std::string::npos);
  EXPECT_NE(ci.find("bash scripts/docker-check.sh"), std::string::npos);
}

// The man page lints clean, and names every flag of --help and every key of
// the example config, so the three cannot drift apart.
TEST(Packaging, ManPageCoversEveryFlagAndKey) {
  std::string page = std::string(SOURCE_DIR) + "/deploy/man/filehttpd.8";
  if (access("/usr/bin/mandoc", X_OK) != 0) GTEST_SKIP() << "mandoc is missing (install-deps.sh --test installs it)";
  RunResult lint = run({"mandoc", "-T", "lint", "-W", "warning", page});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_EQ(lint.out, "");
  RunResult text = run({"mandoc", "-T", "ascii", "-O", "width=200", page});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  std::string shown;
  for (char c : text.out) {
    // Undo overstriking (bold "x\bx", underline "_\bx"): keep the last character.
    if (c == '\b' && !shown.empty())
      shown.pop_back();
    else if (c != '\b')
      shown += c;
  }
  RunResult help = run({FILEHTTPD_BIN, "--help"});
  std::regex flag_re("--[a-z][a-z-]+");
  int flags = 0;
  for (auto it = std::sregex_iterator(help.out.begin(), help.out.end(), flag_re); it != std::sregex_iterator(); ++it) {
    ++flags;
    EXPECT_NE(shown.find(it->str()), std::string::npos) << it->str() << " is not in the man page";
  }
  EXPECT_GE(flags, 30);
  std::string toml = read_file(std::string(SOURCE_DIR) + "/config/filehttpd.toml");
  std::string section;
  int keys = 0;
  for (const std::string& line : lines_of(toml)) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex("\\[([a-z_]+)\\]"))) {
      section = m[1];
      EXPECT_NE(shown.find(section), std::string::npos) << "[" << section << "] is not in the man page";
    } else if (std::regex_search(line, m, std::regex("^([a-z_]+) = "))) {
      std::string key = section.empty() ? m[1].str() : section + "." + m[1].str();
      ++keys;
      EXPECT_NE(shown.find(key), std::string::npos) << key << " is not in the man page";
    }
  }
  EXPECT_GE(keys, 30);
}
