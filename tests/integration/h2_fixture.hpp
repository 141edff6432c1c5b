#pragma once
// The HTTP/2 tests' fixture: the server with h2c on a plain listener and one
// worker, the Python h2 clients of tests/support/h2 run while a second client
// probes the same worker over HTTP/1.1, and the worker's CPU time and RSS
// sampled around them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "harness.hpp"

namespace h2_support {

using namespace testing_support;
using namespace std::chrono_literals;

inline const std::string k_python = "/usr/bin/python3";
inline const std::string k_scripts = std::string(SOURCE_DIR) + "/tests/support/h2/";
inline constexpr std::size_t k_big_bytes = 50u << 20;

// Returns the raw JSON token after "key": in a flat JSON object (a number,
// true/false, a "string" with its quotes, or a [list]); "" when absent.
inline std::string json_token(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\": ";
  auto p = json.find(needle);
  if (p == std::string::npos) return "";
  p += needle.size();
  std::size_t e = p;
  if (json[p] == '"') {
    e = json.find('"', p + 1) + 1;
  } else if (json[p] == '[') {
    e = json.find(']', p) + 1;
  } else {
    while (e < json.size() && json[e] != ',' && json[e] != '}') ++e;
  }
  return json.substr(p, e - p);
}

// Returns the integer value of key in json, or fallback when absent or not a number.
inline long long json_int(const std::string& json, const std::string& key, long long fallback = -1) {
  std::string t = json_token(json, key);
  if (t.empty() || !(std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '-')) return fallback;
  return std::stoll(t);
}

// Returns the number value of key in json, or fallback.
inline double json_num(const std::string& json, const std::string& key, double fallback = -1) {
  std::string t = json_token(json, key);
  if (t.empty() || !(std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '-')) return fallback;
  return std::stod(t);
}

// Returns true when key holds true in json.
inline bool json_true(const std::string& json, const std::string& key) {
  return json_token(json, key) == "true";
}

// Returns VmRSS of pid in KiB (-1 when gone).
inline long rss_kib(pid_t pid) {
  std::string s = read_file("/proc/" + std::to_string(pid) + "/status");
  auto p = s.find("VmRSS:");
  return p == std::string::npos ? -1 : std::stol(s.substr(p + 6));
}

// What one client run measured: the script's JSON line, the worker's CPU and
// RSS around it, and the probe's latencies.
struct Measured {
  RunResult run;
  std::string json;
  double cpu_seconds = 0;
  long rss_before_kib = 0;
  long rss_peak_kib = 0;
  std::vector<double> probe_ms;
  int probe_failures = 0;
  std::string first_probe_failure;
  // Returns the median probe latency in ms (0 without probes).
  double probe_median_ms() const {
    if (probe_ms.empty()) return 0;
    std::vector<double> v = probe_ms;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  }
  // Returns the slowest probe in ms.
  double probe_max_ms() const { return probe_ms.empty() ? 0 : *std::max_element(probe_ms.begin(), probe_ms.end()); }
};

// A test CA and an ECDSA leaf for localhost and 127.0.0.1, made with the
// openssl CLI in dir: pki/ca.pem, pki/leaf.pem, pki/leaf.key. Returns pki's path
// ("" and a test failure when openssl fails).
inline std::string make_test_pki(const TempDir& dir) {
  std::string pki = dir.mkdir("pki");
  dir.write("pki/leaf.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  const std::vector<std::vector<std::string>> steps = {
      {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", pki + "/ca.key",
       "-out", pki + "/ca.pem", "-days", "30", "-subj", "/CN=filehttpd h2 test CA"},
      {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pki + "/leaf.key"},
      {"req", "-new", "-key", pki + "/leaf.key", "-out", pki + "/leaf.csr", "-subj", "/CN=localhost"},
      {"x509", "-req", "-in", pki + "/leaf.csr", "-CA", pki + "/ca.pem", "-CAkey", pki + "/ca.key", "-CAcreateserial",
       "-out", pki + "/leaf.pem", "-days", "30", "-extfile", pki + "/leaf.ext"}};
  for (std::vector<std::string> args : steps) {
    args.insert(args.begin(), "openssl");
    RunResult r = run(args, 60s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return "";
  }
  return pki;
}

class H2 : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    if (access(k_python.c_str(), X_OK) != 0 || run({k_python, "-c", "import h2, hyperframe, hpack"}).exit_code != 0)
      GTEST_SKIP() << "/usr/bin/python3 with h2, hyperframe and hpack is missing (install-deps.sh --test: python3-h2)";
    put("small.txt", "small file\n");
    put("probe.txt", "probe\n");
  }

  // A 50 MiB file at big.bin: sparse (zeros) unless pattern, then bytes that differ across the file.
  void put_big(bool pattern = false) {
    std::string path = root_ + "/big.bin";
    if (!pattern) {
      ASSERT_EQ(truncate(base_.write("www/big.bin", "").c_str(), k_big_bytes), 0);
      return;
    }
    std::string data(k_big_bytes, '\0');
    std::uint32_t x = 2463534242u;
    for (std::size_t i = 0; i < data.size(); i += 4) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      std::memcpy(&data[i], &x, 4);
    }
    base_.write("www/big.bin", data);
  }

  // upload.cgi: answers its CONTENT_LENGTH and the sha256 of the body it read ("N\nHEX  -\n").
  void put_upload_cgi() {
    put("upload.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' \"$CONTENT_LENGTH\"\nsha256sum\n",
        0755);
  }

  // Makes the test CA and a leaf for localhost, picks tls_port_, and appends
  // the flags of a TLS listener there to args. Skips the test without openssl
  // (callers check IsSkipped()).
  void add_tls(std::vector<std::string>& args) {
    if (access("/usr/bin/openssl", X_OK) != 0) GTEST_SKIP() << "openssl is missing (install-deps.sh --test)";
    pki_ = make_test_pki(base_);
    ASSERT_FALSE(pki_.empty());
    tls_port_ = free_port();
    args.insert(args.end(), {"--tls-listen", "127.0.0.1:" + std::to_string(tls_port_), "--tls-cert", pki_ + "/leaf.pem",
                             "--tls-key", pki_ + "/leaf.key"});
  }

  // Starts the server with h2c and one worker (so the probe shares the attacked worker), then extra.
  void start_h2c(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--h2c", "--workers", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    start(args);
  }

  // Starts the server with h2c, a TLS listener (ALPN h2) and one worker, then extra.
  void start_h2_tls(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--h2c", "--workers", "1"};
    add_tls(args);
    if (IsSkipped() || HasFatalFailure()) return;
    args.insert(args.end(), extra.begin(), extra.end());
    start(args);
  }

  pid_t worker() {
    std::vector<pid_t> w = children_of(server_->pid());
    return w.empty() ? -1 : w.front();
  }

  // Runs tests/support/h2/SCRIPT with --port and args while a probe GETs
  // /probe.txt over HTTP/1.1 every 100 ms and the worker's RSS is sampled.
  Measured run_client(const std::string& script, std::vector<std::string> args,
                      std::chrono::milliseconds timeout = 30s) {
    Measured m;
    pid_t w = worker();
    // Warm the worker up, HTTP/1.1, h2c and TLS (first-touch of code and buffers is not growth under attack).
    for (int i = 0; i < 3; ++i) get("/probe.txt");
    curl({"--http2-prior-knowledge", "-o", "/dev/null", url_ + "/probe.txt", url_ + "/small.txt"});
    if (tls_port_ != 0)
      curl({"-k", "--http2", "-o", "/dev/null", "https://127.0.0.1:" + std::to_string(tls_port_) + "/"});
    m.rss_before_kib = rss_kib(w);
    m.rss_peak_kib = m.rss_before_kib;
    double cpu0 = cpu_seconds(w);
    std::vector<std::string> argv{k_python, k_scripts + script, "--port", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    auto fut = std::async(std::launch::async, [argv, timeout] { return run(argv, timeout); });
    while (fut.wait_for(100ms) != std::future_status::ready) {
      auto t0 = std::chrono::steady_clock::now();
      std::string r = get("/probe.txt");
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (status_of(r) == 200 && body_of(r) == "probe\n") {
        m.probe_ms.push_back(ms);
      } else if (m.probe_failures++ == 0) {
        m.first_probe_failure = r.substr(0, 200);
      }
      m.rss_peak_kib = std::max(m.rss_peak_kib, rss_kib(w));
    }
    m.run = fut.get();
    m.cpu_seconds = cpu_seconds(w) - cpu0;
    m.rss_peak_kib = std::max(m.rss_peak_kib, rss_kib(w));
    auto lines = lines_of(m.run.out);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      if (!it->empty() && (*it)[0] == '{') {
        m.json = *it;
        break;
      }
    }
    return m;
  }

  std::string pki_;  // the test CA and leaf, once add_tls() made them
  int tls_port_ = 0;
};

}  // namespace h2_support
