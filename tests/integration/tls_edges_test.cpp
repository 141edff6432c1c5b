// HTTPS around the edges: redirect_http for a request without Host, an
// address moving between listen and tls.listen on SIGHUP, TLS sockets from
// systemd socket activation, and -t on a command line's certificates.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "harness.hpp"
#include "tls_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;
using tls_testing::Tls;

// HTTP/1.0 may leave Host out: the 308 names the address the client
// connected to, as nginx does, instead of serving the page over plain HTTP.
TEST_F(Tls, RedirectWithoutHostUsesTheAddressConnectedTo) {
  start({"--redirect-https"});
  std::string r = raw_request(plain_port_, "GET /a/b?c=d HTTP/1.0\r\n\r\n", 5s);
  EXPECT_EQ(status_of(r), 308) << r;
  EXPECT_NE(r.find("\r\nLocation: https://127.0.0.1:" + std::to_string(tls_port_) + "/a/b?c=d\r\n"),
            std::string::npos)
      << r;
  EXPECT_EQ(r.find("hello over tls"), std::string::npos) << "the page went out over plain HTTP";
}

// A SIGHUP that moves an address between listen and tls.listen keeps the
// socket and changes what it speaks, as nginx does when a listen line gains
// or loses ssl; binding the address again would fail while it is open.
TEST_F(Tls, ReloadMovesAnAddressBetweenPlainAndTls) {
  std::string a = "127.0.0.1:" + std::to_string(plain_port_), b = "127.0.0.1:" + std::to_string(tls_port_);
  auto config = [&](const std::string& plain, const std::string& tls) {
    return dir_.write("moves.toml", "root = \"" + root_ + "\"\nlisten = [\"" + plain + "\"]\n[tls]\nlisten = [\"" +
                                        tls + "\"]\ncertificates = [{ cert = \"" + pki_ + "/a.pem\", key = \"" + pki_ +
                                        "/a.key\" }]\n");
  };
  start_raw({"-c", config(a, b)});
  EXPECT_EQ(curl({"http://" + a + "/"}).out, "hello over tls\n");
  EXPECT_EQ(https({url("/")}).out, "hello over tls\n");
  config(b, a);
  server_->signal(SIGHUP);
  std::string swapped = "https://localhost:" + std::to_string(plain_port_) + "/";
  std::vector<std::string> resolve = {"--cacert", pki_ + "/ca.pem", "--resolve",
                                      "localhost:" + std::to_string(plain_port_) + ":127.0.0.1", swapped};
  EXPECT_TRUE(wait_until([&] { return curl(resolve).out == "hello over tls\n"; }, 10s)) << server_->stderr_text();
  EXPECT_TRUE(wait_until([&] { return curl({"http://" + b + "/"}).out == "hello over tls\n"; }, 10s))
      << server_->stderr_text();
  EXPECT_EQ(status_of(raw_request(plain_port_, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 3s)), 400)
      << "plain HTTP on the address that now speaks TLS";
  EXPECT_NE(server_->stderr_text().find(a + " now speaks TLS"), std::string::npos) << server_->stderr_text();
  EXPECT_TRUE(server_->alive());
}

// Socket activation: a socket named tls (FileDescriptorName=tls) or one
// whose address tls.listen names speaks TLS; the others plain HTTP.
TEST_F(Tls, SocketActivationTellsTlsSocketsByNameOrAddress) {
  RunResult which = run({"sh", "-c", "command -v systemd-socket-activate"});
  if (which.exit_code != 0) GTEST_SKIP() << "systemd-socket-activate is not installed";
  int third = free_port();
  std::string p = "127.0.0.1:" + std::to_string(plain_port_), t = "127.0.0.1:" + std::to_string(tls_port_),
              m = "127.0.0.1:" + std::to_string(third);
  server_ = std::make_unique<Server>(
      std::vector<std::string>{"--root", root_, "--tls-listen", m, "--tls-cert", pki_ + "/a.pem", "--tls-key",
                               pki_ + "/a.key"},
      std::vector<std::string>{"systemd-socket-activate", "-l", p, "-l", t, "-l", m, "--fdname=http:tls:web"});
  ASSERT_TRUE(server_->wait_ready(plain_port_)) << server_->stderr_text();
  EXPECT_EQ(curl({"http://" + p + "/"}).out, "hello over tls\n");
  EXPECT_EQ(https({url("/")}).out, "hello over tls\n") << "the socket named tls";
  RunResult by_address = curl({"--cacert", pki_ + "/ca.pem", "--resolve",
                               "localhost:" + std::to_string(third) + ":127.0.0.1",
                               "https://localhost:" + std::to_string(third) + "/"});
  EXPECT_EQ(by_address.out, "hello over tls\n") << "the socket tls.listen names: " << by_address.err;
  EXPECT_NE(server_->stderr_text().find(t + " (TLS)"), std::string::npos) << server_->stderr_text();
}

// -t checks the certificates of a command line without a file: each pair
// loads, the names it serves are listed, and a key of another certificate fails.
TEST_F(Tls, TestFlagChecksTheCertificatesOfACommandLine) {
  std::vector<std::string> base = {FILEHTTPD_BIN, "-t", "--root", root_, "--listen", "127.0.0.1:1", "--tls-listen",
                                   "127.0.0.1:2", "--tls-cert", pki_ + "/a.pem"};
  std::vector<std::string> good = base;
  good.insert(good.end(), {"--tls-key", pki_ + "/a.key", "--tls-cert", pki_ + "/b.pem", "--tls-key", pki_ + "/b.key"});
  RunResult r = run(good);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "filehttpd: command-line configuration test is successful\n");
  EXPECT_NE(r.err.find(pki_ + "/a.pem serves a.test, localhost (the default)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(pki_ + "/b.pem serves b.test, *.b.test"), std::string::npos) << r.err;
  std::vector<std::string> mismatched = base;
  mismatched.insert(mismatched.end(), {"--tls-key", pki_ + "/b.key"});
  r = run(mismatched);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("b.key: the key does not match the certificate " + pki_ + "/a.pem"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("filehttpd: command-line configuration test failed\n"), std::string::npos) << r.err;
}
