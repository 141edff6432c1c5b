#pragma once
// Every feature over every transport: a gtest fixture parameterised by how
// the client reaches the server. The client side of each transport (curl's
// arguments, the URL, a raw Python client) lives here and nowhere else:
// HTTP/1.1 over TCP and over TLS, HTTP/2 with prior knowledge (h2c) and over
// TLS by ALPN (h2). Another transport joins by an enum value and a case in
// each switch below.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <strings.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace transport_testing {

using namespace testing_support;
using namespace std::chrono_literals;

// How a test's client reaches the server.
enum class Transport {
  plain,  // HTTP/1.1 over TCP
  tls,    // HTTP/1.1 over TLS (ALPN http/1.1)
  h2c,    // HTTP/2 over TCP with prior knowledge (h2c = true)
  h2,     // HTTP/2 over TLS (ALPN h2)
};

// Returns the name gtest shows for a transport.
inline std::string transport_name(const ::testing::TestParamInfo<Transport>& info) {
  switch (info.param) {
    case Transport::plain: return "plain";
    case Transport::tls: return "tls";
    case Transport::h2c: return "h2c";
    case Transport::h2: return "h2";
  }
  return "unknown";
}

// Returns the lowercase hex SHA-256 of data.
inline std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  char hex[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", md[i]);
    out += hex;
  }
  return out;
}

// One response as curl saw it: the last status line's code, fields and body.
struct Reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  std::string error;  // curl's stderr when it failed

  // Returns the value of the last field called name (any case), or "" when absent.
  std::string field(const std::string& name) const {
    std::string v;
    for (const auto& [k, val] : fields)
      if (strcasecmp(k.c_str(), name.c_str()) == 0) v = val;
    return v;
  }
  // Returns true when a field called name (any case) is present.
  bool has(const std::string& name) const {
    for (const auto& f : fields)
      if (strcasecmp(f.first.c_str(), name.c_str()) == 0) return true;
    return false;
  }
};

class TransportTest : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    if (access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "curl is missing (install-deps.sh --test)";
    root_ = dir_.mkdir("www");
    port_ = free_port();
    if (secure()) {
      if (access("/usr/bin/openssl", X_OK) != 0) GTEST_SKIP() << "openssl is missing (install-deps.sh --test)";
      tls_port_ = free_port();
      RunResult r = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                         "-keyout", dir_.path() + "/key.pem", "-out", dir_.path() + "/cert.pem", "-days", "2", "-subj",
                         "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  // Writes a file under the document root; returns its path.
  std::string put(const std::string& rel, const std::string& content, unsigned mode = 0644) {
    return dir_.write("www/" + rel, content, mode);
  }

  // Starts the server from a config: root, the listeners of this transport, then toml.
  void start(const std::string& toml = "") {
    std::string cfg = "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) + "\"]\n" +
                      (GetParam() == Transport::h2c ? "h2c = true\n" : "") + toml + "\n";
    if (secure())
      cfg += "[tls]\nlisten = [\"127.0.0.1:" + std::to_string(tls_port_) + "\"]\ncertificates = [{ cert = \"" +
             dir_.path() + "/cert.pem\", key = \"" + dir_.path() + "/key.pem\" }]\n";
    std::string path = dir_.write("server.toml", cfg);
    server_.reset();  // a server started before frees its ports first
    server_ = std::make_unique<Server>(std::vector<std::string>{"-c", path});
    ASSERT_TRUE(server_->wait_ready(port_)) << server_->stderr_text();
  }

  // True when this transport runs over TLS.
  bool secure() const { return GetParam() == Transport::tls || GetParam() == Transport::h2; }
  // True when this transport speaks HTTP/2.
  bool h2() const { return GetParam() == Transport::h2c || GetParam() == Transport::h2; }

  // The port this transport's client connects to.
  int port() const { return secure() ? tls_port_ : port_; }

  // The URL of path over this transport.
  std::string url(const std::string& path) const {
    switch (GetParam()) {
      case Transport::plain:
      case Transport::h2c: return "http://127.0.0.1:" + std::to_string(port_) + path;
      case Transport::tls:
      case Transport::h2: return "https://localhost:" + std::to_string(tls_port_) + path;
    }
    return "";
  }

  // curl's arguments that select this transport.
  std::vector<std::string> transport_args() const {
    switch (GetParam()) {
      case Transport::plain: return {"--http1.1"};
      case Transport::tls:
        return {"--http1.1", "--cacert", dir_.path() + "/cert.pem", "--resolve",
                "localhost:" + std::to_string(tls_port_) + ":127.0.0.1"};
      case Transport::h2c: return {"--http2-prior-knowledge"};
      case Transport::h2:
        return {"--http2", "--cacert", dir_.path() + "/cert.pem", "--resolve",
                "localhost:" + std::to_string(tls_port_) + ":127.0.0.1"};
    }
    return {};
  }

  // Runs curl on path with extra arguments (-X, -H, --data-binary ...) and returns the response.
  Reply fetch(const std::string& path, std::vector<std::string> extra = {}) {
    std::string head_file = dir_.path() + "/head.txt", body_file = dir_.path() + "/body.bin";
    std::vector<std::string> args = transport_args();
    args.insert(args.end(), {"-S", "-D", head_file, "-o", body_file});
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url(path));
    unlink(head_file.c_str());
    unlink(body_file.c_str());
    RunResult r = curl(args);
    Reply out;
    out.error = r.exit_code == 0 ? "" : r.err;
    out.body = slurp(body_file);
    std::string head = slurp(head_file);
    // Only the last response's head (a 100 Continue may come first).
    std::size_t last = head.rfind("HTTP/");
    if (last == std::string::npos) return out;
    head = head.substr(last);
    std::size_t sp = head.find(' ');
    out.status = std::atoi(head.c_str() + sp + 1);
    // The answer came in this transport's protocol (curl --http2 falls back
    // to HTTP/1.1 when ALPN offers no h2).
    EXPECT_EQ(head.substr(0, sp), h2() ? "HTTP/2" : "HTTP/1.1") << path;
    for (std::size_t pos = head.find("\r\n"); pos != std::string::npos;) {
      std::size_t start = pos + 2, end = head.find("\r\n", start);
      if (end == std::string::npos || end == start) break;
      std::string line = head.substr(start, end - start);
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::size_t v = line.find_first_not_of(' ', colon + 1);
        out.fields.emplace_back(line.substr(0, colon), v == std::string::npos ? "" : line.substr(v));
      }
      pos = end;
    }
    return out;
  }

  // Sends data over this transport's connection with a raw client (over TLS
  // offering ALPN h2 when the transport is h2), then reads until the server
  // closes or timeout_s passes; returns "SECONDS\nBYTES" (what came back).
  std::string raw(const std::string& data, double timeout_s) {
    std::string script = dir_.write("raw.py", R"(import socket, ssl, sys, time
mode, port, ca, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
data = open(sys.argv[5], "rb").read()
s = socket.create_connection(("127.0.0.1", port))
if mode in ("tls", "h2"):
    ctx = ssl.create_default_context(cafile=ca)
    if mode == "h2":
        ctx.set_alpn_protocols(["h2"])
    s = ctx.wrap_socket(s, server_hostname="localhost")
start = time.time()
s.sendall(data)
s.settimeout(0.2)
got = b""
while time.time() - start < timeout:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        continue
    except (ConnectionError, ssl.SSLError):
        break
    if not chunk:
        break
    got += chunk
sys.stdout.write("%.1f\n" % (time.time() - start))
sys.stdout.flush()
sys.stdout.buffer.write(got)
)");
    std::string file = dir_.write("raw.bin", data);
    const char* mode = GetParam() == Transport::h2 ? "h2" : secure() ? "tls" : "plain";
    RunResult r = run({"/usr/bin/python3", script, mode, std::to_string(port()), dir_.path() + "/cert.pem",
                       std::to_string(timeout_s), file},
                      std::chrono::milliseconds(static_cast<int>(timeout_s * 1000) + 20000));
    return r.exit_code == 0 ? r.out : "error: " + r.err;
  }

  // Returns a file's contents, or "" when it cannot be read.
  static std::string slurp(const std::string& path) {
    std::string out;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      char buf[65536];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
      std::fclose(f);
    }
    return out;
  }

  TempDir dir_;
  std::string root_;
  int port_ = 0, tls_port_ = 0;
  std::unique_ptr<Server> server_;
};

// The transports every suite runs over.
inline auto all_transports() {
  return ::testing::Values(Transport::plain, Transport::tls, Transport::h2c, Transport::h2);
}

}  // namespace transport_testing
