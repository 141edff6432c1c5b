#pragma once
// The CGI tests' fixture and helpers: an env-printing script, env and
// chunked-body decoding, and the worker's CGI children.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace cgi_support {

using namespace testing_support;
using namespace std::chrono_literals;

inline const char* k_env_script =
    "#!/bin/sh\n"
    "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
    "env\n";

inline std::map<std::string, std::string> parse_env(const std::string& body) {
  std::map<std::string, std::string> env;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

// Decodes a chunked body; returns "<bad>" on malformed framing.
inline std::string dechunk(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos) return "<bad>";
    std::size_t n = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    pos = eol + 2;
    if (n == 0) return body.substr(pos) == "\r\n" ? out : "<bad>";
    out += body.substr(pos, n);
    pos += n + 2;
  }
}

class Cgi : public HttpServerTest {
 protected:
  std::vector<pid_t> worker_children() {
    std::vector<pid_t> out;
    for (pid_t w : children_of(server_->pid()))
      for (pid_t c : children_of(w)) out.push_back(c);
    return out;
  }
  // Starts the server with cgi.max_concurrent 1 and a script (slow.sh) that
  // holds the one slot for a second. Returns the connection that asked for
  // it, which will read "slow".
  int fill_the_only_cgi_slot() {
    put("slow.sh", "#!/bin/sh\nsleep 1\nprintf 'Content-Type: text/plain\\r\\n\\r\\nslow'\n", 0755);
    start({"--cgi-max-concurrent", "1"});
    int fd = connect_to(port_);
    std::string r = "GET /slow.sh HTTP/1.0\r\n\r\n";
    send(fd, r.data(), r.size(), 0);
    sleep_for(200ms);
    return fd;
  }
};

}  // namespace cgi_support
