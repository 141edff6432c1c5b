#pragma once
// The HTTPS test fixture: a test CA and leaf certificates made with the
// openssl CLI in the test's temp dir, a server with a plain and a TLS
// listener, and curl, openssl s_client and Python's ssl module as clients.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace tls_testing {

using namespace testing_support;
using namespace std::chrono_literals;

// Runs the openssl CLI with args; the calling test fails when it does.
inline void run_openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  RunResult r = run(args, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// Returns "serial=..." of a PEM certificate file.
inline std::string serial_of(const std::string& pem) {
  return run({"openssl", "x509", "-noout", "-serial", "-in", pem}, 20s).out;
}

// Returns the serial of the leaf certificate 127.0.0.1:port serves, asked
// with SNI servername (none when empty); scratch is a file it may write.
inline std::string served_serial(int port, const std::string& servername, const std::string& scratch) {
  std::vector<std::string> args = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port)};
  if (servername.empty())
    args.push_back("-noservername");
  else
    args.insert(args.end(), {"-servername", servername});
  RunResult r = run(args, 20s);
  std::size_t b = r.out.find("-----BEGIN CERTIFICATE-----");
  std::size_t e = r.out.find("-----END CERTIFICATE-----");
  if (b == std::string::npos || e == std::string::npos) return "no certificate: " + r.out + r.err;
  FILE* f = std::fopen(scratch.c_str(), "w");
  if (!f) return "cannot write " + scratch;
  std::string pem = r.out.substr(b, e - b) + "-----END CERTIFICATE-----\n";
  std::fwrite(pem.data(), 1, pem.size(), f);
  std::fclose(f);
  return serial_of(scratch);
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/openssl", X_OK) != 0) GTEST_SKIP() << "openssl is missing (install-deps.sh --test)";
    pki_ = dir_.mkdir("pki");
    root_ = dir_.mkdir("www");
    dir_.write("www/index.html", "hello over tls\n");
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pki_ + "/ca.key", "-out", pki_ + "/ca.pem",
             "-days", "30", "-subj", "/CN=filehttpd test CA"});
    leaf("a", "rsa", "/CN=a-rsa", "DNS:a.test,DNS:localhost");
    leaf("a-ec", "ec", "/CN=a-ecdsa", "DNS:a.test,DNS:localhost");
    leaf("b", "rsa", "/CN=b-rsa", "DNS:b.test,DNS:*.b.test");
    plain_port_ = free_port();
    tls_port_ = free_port();
  }

  // Runs the openssl CLI; the test fails when it does.
  void openssl(std::vector<std::string> args) { run_openssl(std::move(args)); }

  // A key (rsa or ec) and a certificate signed by the test CA: pki/NAME.key, pki/NAME.pem.
  void leaf(const std::string& name, const std::string& type, const std::string& subject, const std::string& san) {
    std::string key = pki_ + "/" + name + ".key";
    if (type == "rsa")
      openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key});
    else
      openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key});
    dir_.write("pki/" + name + ".ext", "subjectAltName=" + san + "\n");
    openssl({"req", "-new", "-key", key, "-out", pki_ + "/" + name + ".csr", "-subj", subject});
    openssl({"x509", "-req", "-in", pki_ + "/" + name + ".csr", "-CA", pki_ + "/ca.pem", "-CAkey", pki_ + "/ca.key",
             "-CAcreateserial", "-out", pki_ + "/" + name + ".pem", "-days", "30", "-extfile",
             pki_ + "/" + name + ".ext"});
  }

  std::vector<std::string> base_args() {
    return {"--root", root_, "--listen", "127.0.0.1:" + std::to_string(plain_port_), "--tls-listen",
            "127.0.0.1:" + std::to_string(tls_port_)};
  }

  // Starts the server with the a (RSA, then ECDSA) and b certificates, then extra.
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = base_args();
    for (const char* n : {"a", "a-ec", "b"}) {
      args.insert(args.end(), {"--tls-cert", pki_ + "/" + n + ".pem", "--tls-key", pki_ + "/" + n + ".key"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    start_raw(args);
  }

  void start_raw(std::vector<std::string> args) {
    server_.reset();  // a server started before frees its ports first
    server_ = std::make_unique<Server>(args);
    ASSERT_TRUE(server_->wait_ready(plain_port_)) << server_->stderr_text();
  }

  // curl over TLS (HTTP/1.1 unless args ask for --http2) to localhost (the a certificate's name), trusting the test CA.
  RunResult https(std::vector<std::string> args) {
    std::vector<std::string> all = {"--http1.1", "--cacert", pki_ + "/ca.pem", "--resolve",
                                    "localhost:" + std::to_string(tls_port_) + ":127.0.0.1"};
    all.insert(all.end(), args.begin(), args.end());
    return curl(all);
  }
  std::string url(const std::string& path) { return "https://localhost:" + std::to_string(tls_port_) + path; }

  // openssl s_client against the TLS port with extra arguments; stdin is empty, so it ends after the handshake.
  RunResult s_client(std::vector<std::string> extra) {
    std::vector<std::string> args = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(tls_port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args, 20s);
  }

  // Writes www/big.bin of size bytes (numbered lines) and returns its content.
  std::string write_big(std::size_t size) {
    std::string big;
    big.reserve(size);
    for (std::size_t i = 0; big.size() < size; ++i) big += std::to_string(i * 2654435761u) + "\n";
    big.resize(size);
    dir_.write("www/big.bin", big);
    return big;
  }

  // Runs a Python 3 script with the given arguments.
  RunResult python(const std::string& script, std::vector<std::string> args) {
    std::string path = dir_.write("script.py", script);
    args.insert(args.begin(), {"/usr/bin/python3", path});
    return run(args, 60s);
  }

  TempDir dir_;
  std::string pki_, root_;
  int plain_port_ = 0, tls_port_ = 0;
  std::unique_ptr<Server> server_;
};


}  // namespace tls_testing
