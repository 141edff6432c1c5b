#pragma once
// The http-profile tests' fixture (the server with --root and --listen) and a
// response splitter, shared by http_test.cpp and http_limits_test.cpp.
#include <string>
#include <utility>

#include "harness.hpp"

namespace http_support {

// Splits a raw response into head and body at the first blank line.
inline std::pair<std::string, std::string> split(const std::string& resp) {
  auto p = resp.find("\r\n\r\n");
  if (p == std::string::npos) return {resp, ""};
  return {resp.substr(0, p + 2), resp.substr(p + 4)};
}

class Http : public testing_support::HttpServerTest {};

}  // namespace http_support
