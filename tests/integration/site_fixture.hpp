#pragma once
// A fixture for tests that start the server from a config file: root and
// listen written for them, the rest of the TOML theirs; and -t checks.
#include <string>

#include "harness.hpp"

namespace testing_support {

class SiteServerTest : public HttpServerTest {
 protected:
  // Starts the server from a config file: root, listen, and the given TOML.
  void start_config(const std::string& toml, const std::vector<std::string>& prefix = {}) {
    config_ = base_.write("site.toml",
                          "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) + "\"]\n" + toml);
    start_with({"-c", config_}, prefix);
  }
  // Runs -t on root, listen and toml; returns its result and sets file to the config's path.
  RunResult check_config(const std::string& toml, std::string& file) {
    file = base_.write("bad.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:1\"]\n" + toml);
    return run({FILEHTTPD_BIN, "-t", "-c", file});
  }
  // Checks that -t refuses root, listen and toml with a message holding expect
  // (file:line:col: text, the file name left out).
  void expect_config_error(const std::string& toml, const std::string& expect) {
    std::string file;
    RunResult t = check_config(toml, file);
    EXPECT_EQ(t.exit_code, 1) << toml;
    EXPECT_NE(t.err.find(file + expect), std::string::npos) << toml << "\n" << t.err;
  }
  std::string config_;
};

}  // namespace testing_support
