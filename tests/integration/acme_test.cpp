// The whole certbot path with no internet: pebble (a test ACME server) with
// pebble-challtestsrv as its DNS, certbot's webroot mode through filehttpd's
// plain port (with redirect_http on for the renewal), then the certificate
// served from certbot's live/ directory, and a renewal picked up by
// tls.watch with no signal.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "harness.hpp"
#include "tls_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;
using tls_testing::serial_of;

namespace {

constexpr const char* k_name = "acme.filehttpd.test";

class Acme : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"/usr/bin/pebble", "/usr/bin/pebble-challtestsrv", "/usr/bin/certbot", "/usr/bin/openssl"})
      if (access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is missing (install-deps.sh --test)";
    tmp_ = dir_.path();
    root_ = dir_.mkdir("www");
    dir_.write("www/index.html", "hello from acme\n");
    plain_port_ = free_port();
    tls_port_ = free_port();
  }

  void openssl(std::vector<std::string> args) { tls_testing::run_openssl(std::move(args)); }

  // pebble's own HTTPS certificate, from a throw-away CA (pebble's minica
  // files are not packaged): pebble-ca.pem is what certbot trusts.
  void pebble_listener_cert() {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             tmp_ + "/pebble-ca.key", "-out", tmp_ + "/pebble-ca.pem", "-days", "2", "-subj", "/CN=pebble test CA"});
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmp_ + "/pebble.key",
             "-out", tmp_ + "/pebble.csr", "-subj", "/CN=localhost"});
    dir_.write("pebble.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl({"x509", "-req", "-in", tmp_ + "/pebble.csr", "-CA", tmp_ + "/pebble-ca.pem", "-CAkey",
             tmp_ + "/pebble-ca.key", "-CAcreateserial", "-out", tmp_ + "/pebble.pem", "-days", "2", "-extfile",
             tmp_ + "/pebble.ext"});
  }

  // Starts pebble-challtestsrv (DNS answering 127.0.0.1 for every name) and
  // pebble validating http-01 on filehttpd's plain port.
  void start_pebble() {
    pebble_listener_cert();
    int dns = free_port(), chall_mgmt = free_port();
    acme_port_ = free_port();
    mgmt_port_ = free_port();
    dns_ = Server::program({"pebble-challtestsrv", "-dns01", "127.0.0.1:" + std::to_string(dns), "-http01", "",
                            "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:" + std::to_string(chall_mgmt),
                            "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""});
    std::string config = dir_.write(
        "pebble.json", "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + std::to_string(acme_port_) +
                           "\", \"managementListenAddress\": \"127.0.0.1:" + std::to_string(mgmt_port_) +
                           "\", \"certificate\": \"" + tmp_ + "/pebble.pem\", \"privateKey\": \"" + tmp_ +
                           "/pebble.key\", \"httpPort\": " + std::to_string(plain_port_) +
                           ", \"tlsPort\": " + std::to_string(free_port()) +
                           ", \"ocspResponderURL\": \"\", \"externalAccountBindingRequired\": false}}\n");
    // No validation sleeps, no rejected nonces, and a fresh validation for the renewal.
    pebble_ = Server::program({"env", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0",
                               "pebble", "-config", config, "-dnsserver", "127.0.0.1:" + std::to_string(dns)});
    ASSERT_TRUE(wait_until([&] { return fetch_pebble_root(); }, 30s)) << pebble_->stderr_text() << dns_->stderr_text();
  }

  // Saves pebble's issuing root (its management /roots/0) as pebble-root.pem.
  bool fetch_pebble_root() {
    RunResult r = curl({"--fail", "--cacert", tmp_ + "/pebble-ca.pem", "-o", tmp_ + "/pebble-root.pem",
                        "https://127.0.0.1:" + std::to_string(mgmt_port_) + "/roots/0"});
    return r.exit_code == 0;
  }

  // Runs certbot with its directories in the temp dir, trusting pebble's listener.
  RunResult certbot(std::vector<std::string> args) {
    args.insert(args.begin(), {"env", "REQUESTS_CA_BUNDLE=" + tmp_ + "/pebble-ca.pem", "certbot"});
    args.insert(args.end(), {"--config-dir", tmp_ + "/cb/config", "--work-dir", tmp_ + "/cb/work", "--logs-dir",
                             tmp_ + "/cb/logs", "--non-interactive"});
    return run(args, 60s);
  }

  // Returns the serial of the certificate the TLS port serves for k_name.
  std::string served_serial() { return tls_testing::served_serial(tls_port_, k_name, tmp_ + "/served.pem"); }

  // curl https://k_name/ trusting only pebble's root: passes only when the chain is sent.
  RunResult fetch_over_tls() {
    std::string port = std::to_string(tls_port_);
    return curl({"--fail", "--cacert", tmp_ + "/pebble-root.pem", "--resolve",
                 std::string(k_name) + ":" + port + ":127.0.0.1", "https://" + std::string(k_name) + ":" + port + "/"});
  }

  TempDir dir_;
  std::string tmp_, root_;
  int plain_port_ = 0, tls_port_ = 0, acme_port_ = 0, mgmt_port_ = 0;
  std::unique_ptr<Server> dns_, pebble_, server_;
};

}  // namespace

TEST_F(Acme, CertbotIssuesThroughTheWebrootAndTheWatchServesTheRenewal) {
  start_pebble();
  if (HasFatalFailure()) return;
  // First the site on plain HTTP only, as before there is any certificate.
  std::string plain = "127.0.0.1:" + std::to_string(plain_port_);
  server_ = std::make_unique<Server>(std::vector<std::string>{"--root", root_, "--listen", plain});
  ASSERT_TRUE(server_->wait_ready(plain_port_)) << server_->stderr_text();
  RunResult r = certbot({"certonly", "--webroot", "-w", root_, "-d", k_name, "--server",
                         "https://127.0.0.1:" + std::to_string(acme_port_) + "/dir", "--agree-tos",
                         "--register-unsafely-without-email"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << pebble_->stderr_text();
  std::string live = tmp_ + "/cb/config/live/" + k_name;
  std::string first = serial_of(live + "/cert.pem");
  ASSERT_NE(first.find("serial="), std::string::npos) << first;

  // Then HTTPS from certbot's live/ files, plain HTTP redirected (but not the challenges).
  std::string config = dir_.write(
      "filehttpd.toml", "root = \"" + root_ + "\"\nlisten = [\"" + plain + "\"]\n[tls]\nlisten = [\"127.0.0.1:" +
                            std::to_string(tls_port_) + "\"]\ncertificates = [{ cert = \"" + live +
                            "/fullchain.pem\", key = \"" + live + "/privkey.pem\" }]\nredirect_http = true\n" +
                            "watch_interval = \"1s\"\n");
  server_.reset();  // the certbot-stage server frees the plain port first
  server_ = std::make_unique<Server>(std::vector<std::string>{"-c", config});
  ASSERT_TRUE(server_->wait_ready(plain_port_)) << server_->stderr_text();
  r = fetch_over_tls();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from acme\n");
  EXPECT_EQ(served_serial(), first);
  EXPECT_EQ(status_of(raw_request(plain_port_, "GET / HTTP/1.1\r\nHost: " + std::string(k_name) + "\r\n\r\n", 3s, true)),
            308);

  // pebble fetches the renewal's challenge through the redirecting plain port. It
  // reuses the valid authorization, asking for no challenge, 1 time in 100 even with
  // PEBBLE_AUTHZREUSE=0 (it creates one when rand.Intn(100) > 0): then renew again.
  std::string second;
  bool challenged = false;
  for (int attempt = 1; attempt <= 3 && !challenged; ++attempt) {
    r = certbot({"renew", "--force-renewal", "--no-random-sleep-on-renew"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << pebble_->stderr_text();
    second = serial_of(live + "/cert.pem");
    ASSERT_NE(second, first);
    challenged = wait_until(
        [&] { return server_->stderr_text().find("\"GET /.well-known/acme-challenge/") != std::string::npos; }, 5s);
    if (!challenged) std::cout << "[ info ] renewal " << attempt << " reused pebble's authorization: no challenge\n";
  }
  EXPECT_TRUE(challenged) << server_->stderr_text();
  EXPECT_TRUE(wait_until([&] { return served_serial() == second; }, 10s)) << server_->stderr_text();
  EXPECT_NE(server_->stderr_text().find("changed: reloading the configuration"), std::string::npos);
  r = fetch_over_tls();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from acme\n");
}
