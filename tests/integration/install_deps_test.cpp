// scripts/install-deps.sh's groups, through its --list mode (prints, installs
// nothing): the default is what building and serving need, and the programs
// the tests run come only with --test (and the groups that build on it).
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "harness.hpp"

using namespace testing_support;

namespace {

const std::string k_script = std::string(SOURCE_DIR) + "/scripts/install-deps.sh";

// The apt packages `sh install-deps.sh --list args...` prints (its first line).
std::set<std::string> listed(std::vector<std::string> args) {
  std::vector<std::string> argv{"sh", k_script, "--list"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream first(r.out.substr(0, r.out.find('\n')));
  std::set<std::string> out;
  for (std::string p; first >> p;) out.insert(p);
  return out;
}

// Packages only the test suite needs.
const char* const k_test_tools[] = {"php8.2-cgi", "git", "mandoc", "busybox", "systemd", "python3", "curl"};

}  // namespace

TEST(InstallDeps, DefaultGroupBuildsAndServesWithoutTestTools) {
  std::set<std::string> def = listed({});
  for (const char* need : {"build-essential", "cmake", "node-llhttp", "libspdlog-dev", "libsystemd-dev", "media-types"})
    EXPECT_TRUE(def.count(need)) << need;
  for (const char* tool : k_test_tools) EXPECT_FALSE(def.count(tool)) << tool << " is in the default group";
}

TEST(InstallDeps, TestGroupAddsTheToolsToTheBuildGroup) {
  std::set<std::string> def = listed({}), test = listed({"--test"});
  for (const std::string& p : def) EXPECT_TRUE(test.count(p)) << p;
  for (const char* tool : k_test_tools) EXPECT_TRUE(test.count(tool)) << tool;
  // The groups that run tests keep the tools; --runtime and --image-build stay lean.
  for (const char* group : {"--bench", "--fuzz", "--browser", "--deploy"}) {
    std::set<std::string> g = listed({group});
    for (const std::string& p : test) EXPECT_TRUE(g.count(p)) << group << " lacks " << p;
  }
  for (const char* group : {"--runtime", "--image-build"})
    for (const char* tool : {"php8.2-cgi", "git", "mandoc", "busybox"}) EXPECT_FALSE(listed({group}).count(tool));
}

TEST(InstallDeps, UnknownOptionPrintsUsage) {
  RunResult r = run({"sh", k_script, "--list", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--test"), std::string::npos) << r.err;
  EXPECT_EQ(run({"sh", "-n", k_script}).exit_code, 0);
}
