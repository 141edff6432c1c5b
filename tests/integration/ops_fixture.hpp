#pragma once
// The operations tests' fixture: a config file in the temp dir and a GET on a fresh connection.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace ops_support {

using namespace testing_support;
using namespace std::chrono_literals;

class Ops : public ServerTest {
 protected:
  std::string config(const std::string& body) { return base_.write("filehttpd.toml", body); }
  std::string basic_config(const std::string& root, const std::string& extra = "") {
    return "root = \"" + root + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) + "\"]\n" + extra;
  }
  std::string get(const std::string& path) {
    return raw_request(port_, "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 3s);
  }
};

}  // namespace ops_support
