// HTTPS: a test CA and leaf certificates made with the openssl CLI in the
// test's temp dir; curl, openssl s_client and Python's ssl module as clients.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"
#include "tls_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;
using tls_testing::Tls;

TEST_F(Tls, GetHeadRangeAndALargeDownload) {
  std::string big = write_big(20u << 20);
  start();
  RunResult r = https({"-i", url("/")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(status_of(r.out), 200) << r.out;
  EXPECT_NE(r.out.find("\r\n\r\nhello over tls\n"), std::string::npos) << r.out;
  r = https({"-I", url("/big.bin")});
  EXPECT_NE(r.out.find("Content-Length: 20971520"), std::string::npos) << r.out;
  r = https({"-r", "100-109", url("/big.bin")});
  EXPECT_EQ(r.out, big.substr(100, 10));
  std::string out = dir_.path() + "/got.bin";
  r = https({"-o", out, url("/big.bin")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_file(out) == big) << "the 20 MiB download differs";
  // Several requests on one connection.
  r = https({url("/"), url("/index.html")});
  EXPECT_EQ(r.out, "hello over tls\nhello over tls\n");
}

TEST_F(Tls, Http2ByAlpnServesFilesRangesAndHsts) {
  std::string big = write_big(5u << 20);
  start({"--hsts", "max-age=600"});
  RunResult r = https({"--http2", "-i", url("/")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/2 200 \r\n")) << r.out;
  EXPECT_NE(r.out.find("\r\nstrict-transport-security: max-age=600\r\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\ncontent-length: 15\r\n"), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.ends_with("\r\n\r\nhello over tls\n")) << r.out;
  std::string out = dir_.path() + "/got.bin";
  r = https({"--http2", "-o", out, "-w", "%{http_version}", url("/big.bin")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2");
  EXPECT_TRUE(read_file(out) == big) << "the 5 MiB download over h2 differs";
  r = https({"--http2", "-r", "100-109", url("/big.bin")});
  EXPECT_EQ(r.out, big.substr(100, 10));
  // Several streams on one TLS connection.
  r = https({"--http2", url("/"), url("/index.html"), url("/")});
  EXPECT_EQ(r.out, "hello over tls\nhello over tls\nhello over tls\n");
  ASSERT_TRUE(wait_until([&] { return server_->stderr_text().find("\"GET /big.bin HTTP/2.0\" 200 5242880") !=
                                      std::string::npos; },
                         5s))
      << server_->stderr_text();
}

TEST_F(Tls, SniPicksTheCertificateAndNoSniGetsTheFirst) {
  start();
  RunResult r = s_client({"-servername", "b.test"});
  EXPECT_NE(r.out.find("subject=CN = b-rsa"), std::string::npos) << r.out;
  r = s_client({"-servername", "www.b.test"});
  EXPECT_NE(r.out.find("subject=CN = b-rsa"), std::string::npos) << r.out;
  r = s_client({"-servername", "other.test", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"});
  EXPECT_NE(r.out.find("subject=CN = a-rsa"), std::string::npos) << r.out;
  r = s_client({"-noservername", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"});
  EXPECT_NE(r.out.find("subject=CN = a-rsa"), std::string::npos) << r.out;
}

TEST_F(Tls, EcdsaAndRsaClientsEachGetTheirCertificate) {
  start();
  RunResult r = s_client({"-servername", "a.test", "-sigalgs", "ECDSA+SHA256"});
  EXPECT_NE(r.out.find("subject=CN = a-ecdsa"), std::string::npos) << r.out;
  r = s_client({"-servername", "a.test", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"});
  EXPECT_NE(r.out.find("subject=CN = a-rsa"), std::string::npos) << r.out;
}

TEST_F(Tls, AlpnAndProtocolChoices) {
  start();
  // h2 first (tls.http2 is on by default), whatever order the client lists them in.
  RunResult r = s_client({"-servername", "a.test", "-alpn", "http/1.1,h2"});
  EXPECT_NE(r.out.find("ALPN protocol: h2"), std::string::npos) << r.out;
  r = s_client({"-servername", "a.test", "-alpn", "http/1.1"});
  EXPECT_NE(r.out.find("ALPN protocol: http/1.1"), std::string::npos) << r.out;
  r = s_client({"-tls1_3"});
  EXPECT_NE(r.out.find("TLSv1.3"), std::string::npos) << r.out;
  r = s_client({"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"});
  EXPECT_NE(r.out.find("Cipher is ECDHE-RSA-AES128-GCM-SHA256"), std::string::npos) << r.out;
  // Refused: TLS 1.0 and 1.1, and CBC suites under 1.2.
  for (const char* old : {"-tls1", "-tls1_1"}) {
    r = s_client({old, "-cipher", "DEFAULT@SECLEVEL=0"});
    EXPECT_NE(r.exit_code, 0) << old << "\n" << r.out;
    EXPECT_EQ(r.out.find("Cipher is ECDHE"), std::string::npos) << old << "\n" << r.out;
  }
  r = s_client({"-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-SHA"});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("Cipher is ECDHE"), std::string::npos) << r.out;
}

TEST_F(Tls, PlainHttpOnTheTlsPortGets400) {
  start();
  std::string resp = raw_request(tls_port_, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 3s);
  EXPECT_EQ(status_of(resp), 400) << resp;
  EXPECT_NE(resp.find("https://"), std::string::npos) << resp;
  EXPECT_NE(resp.find("Connection: close"), std::string::npos) << resp;
}

TEST_F(Tls, CheckConfigNamesFilesAndNames) {
  auto check = [&](const std::string& body) {
    std::string file = dir_.write("t.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:1\"]\n" + body);
    return run({FILEHTTPD_BIN, "-t", "-c", file});
  };
  std::string cert = pki_ + "/a.pem", key = pki_ + "/a.key";
  RunResult r = check("[tls]\nlisten = [\"127.0.0.1:2\"]\ncertificates = [\n  { cert = \"" + cert + "\", key = \"" +
                      key + "\" },\n  { cert = \"" + pki_ + "/b.pem\", key = \"" + pki_ + "/b.key\" },\n]\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(cert + " serves a.test, localhost (the default)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("b.pem serves b.test, *.b.test"), std::string::npos) << r.err;
  // A missing key file: named, with the entry's line.
  r = check("[tls]\nlisten = [\"127.0.0.1:2\"]\ncertificates = [\n  { cert = \"" + cert + "\", key = \"" + pki_ +
            "/none.key\" },\n]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("filehttpd: " + dir_.path() + "/t.toml:6:3: cannot read " + pki_ + "/none.key: No such file"), 0u)
      << r.err;
  // A key of another certificate.
  r = check("[tls]\nlisten = [\"127.0.0.1:2\"]\ncertificates = [{ cert = \"" + cert + "\", key = \"" + pki_ +
            "/b.key\" }]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("b.key: the key does not match the certificate " + cert), std::string::npos) << r.err;
  // Not a certificate at all.
  r = check("[tls]\nlisten = [\"127.0.0.1:2\"]\ncertificates = [{ cert = \"" + key + "\", key = \"" + key + "\" }]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(key + ": not a usable PEM certificate"), std::string::npos) << r.err;
  // Listeners without certificates, a bad version.
  r = check("[tls]\nlisten = [\"127.0.0.1:2\"]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tls.listen needs a certificate"), std::string::npos) << r.err;
  r = check("[tls]\nmin_version = \"1.1\"\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("t.toml:4:15: tls.min_version must be \"1.2\" or \"1.3\""), std::string::npos) << r.err;
  // An expired certificate is a warning.
  openssl({"req", "-new", "-key", key, "-out", pki_ + "/old.csr", "-subj", "/CN=old"});
  openssl({"x509", "-req", "-in", pki_ + "/old.csr", "-signkey", key, "-days", "-1", "-out", pki_ + "/old.pem"});
  r = check("[tls]\nlisten = [\"127.0.0.1:2\"]\ncertificates = [{ cert = \"" + pki_ + "/old.pem\", key = \"" + key +
            "\" }]\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + dir_.path() + "/t.toml:5:17: " + pki_ + "/old.pem: the certificate has expired"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("old.pem serves old (the default)"), std::string::npos) << r.err;
}

TEST_F(Tls, SighupServesNewFilesAndABrokenKeyKeepsTheOld) {
  std::string cert = dir_.write("pki/cur.pem", read_file(pki_ + "/a.pem"));
  std::string key = dir_.write("pki/cur.key", read_file(pki_ + "/a.key"), 0600);
  std::vector<std::string> args = base_args();
  args.insert(args.end(), {"--tls-cert", cert, "--tls-key", key});
  start_raw(args);
  auto subject = [&] { return s_client({"-noservername"}).out; };
  EXPECT_NE(subject().find("subject=CN = a-rsa"), std::string::npos);
  dir_.write("pki/cur.pem", read_file(pki_ + "/b.pem"));
  dir_.write("pki/cur.key", read_file(pki_ + "/b.key"), 0600);
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return subject().find("subject=CN = b-rsa") != std::string::npos; }, 10s))
      << server_->stderr_text();
  dir_.write("pki/cur.key", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", 0600);
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return server_->stderr_text().find("reload failed") != std::string::npos; }, 10s));
  std::string log = server_->stderr_text();
  EXPECT_NE(log.find("reload failed, keeping the running configuration: --tls-cert " + cert + ": " + key +
                     ": not a usable PEM private key"),
            std::string::npos)
      << log;
  EXPECT_NE(subject().find("subject=CN = b-rsa"), std::string::npos);
  RunResult r = curl({"--cacert", pki_ + "/ca.pem", "--resolve", "b.test:" + std::to_string(tls_port_) + ":127.0.0.1",
                      "https://b.test:" + std::to_string(tls_port_) + "/"});
  EXPECT_EQ(r.out, "hello over tls\n") << r.err;
}

TEST_F(Tls, HalfAClientHelloIsClosedByTheHeaderTimeout) {
  start({"--header-timeout", "1s"});
  int fd = connect_to(tls_port_);
  ASSERT_GE(fd, 0);
  // A handshake record header announcing 512 bytes, and 6 of them.
  const char part[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
  ASSERT_EQ(write(fd, part, sizeof part - 1), static_cast<ssize_t>(sizeof part - 1));
  std::string got = read_all(fd, 5s);
  char c;
  ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
  EXPECT_EQ(n, 0) << "the connection is still open after the header timeout";
  EXPECT_EQ(got, "");
  close(fd);
}

namespace {

// Makes n connections: every third sends half a ClientHello and closes, of
// the rest every seventh sends a whole ClientHello and closes, every fifth
// completes the handshake and resets, and the others shake hands and close.
const char k_handshakes_py[] = R"(import socket, ssl, struct, sys
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
done = 0
for i in range(n):
    raw = socket.create_connection(("127.0.0.1", port))
    if i % 3 == 0:
        raw.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(40))
        raw.close()
        continue
    if i % 7 == 1:
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        hello = ctx.wrap_bio(inc, out, server_hostname="localhost")
        try:
            hello.do_handshake()
        except ssl.SSLWantReadError:
            pass
        raw.sendall(out.read())
        raw.close()
        continue
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    if i % 5 == 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    done += 1
print(done)
)";

}  // namespace

TEST_F(Tls, AbortedHandshakesLeaveNoDescriptorBehind) {
  start();
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  // Settled first: one TLS request done, and the start-up probe's socket closed.
  EXPECT_EQ(https({url("/")}).out, "hello over tls\n");
  int before = fd_count(workers[0]);
  for (int i = 0; i < 20; ++i) {
    sleep_for(100ms);
    int now = fd_count(workers[0]);
    if (now == before) break;
    before = now;
  }
  RunResult r = python(k_handshakes_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "2000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1142\n");
  EXPECT_TRUE(wait_until([&] { return fd_count(workers[0]) <= before; }, 10s))
      << before << " fds before, " << fd_count(workers[0]) << " after";
  EXPECT_EQ(https({url("/")}).out, "hello over tls\n");
}

TEST_F(Tls, HstsOnlyOverTlsAndRedirectOnlyOnPlain) {
  dir_.write("www/.well-known/acme-challenge/tok", "token\n");
  start({"--hsts", "max-age=63072000; includeSubDomains", "--redirect-https", "--dotfiles"});
  RunResult r = https({"-i", url("/")});
  EXPECT_EQ(status_of(r.out), 200) << r.out;
  EXPECT_NE(r.out.find("Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"), std::string::npos)
      << r.out;
  r = https({"-i", url("/missing")});
  EXPECT_EQ(status_of(r.out), 404) << r.out;
  EXPECT_NE(r.out.find("Strict-Transport-Security: "), std::string::npos) << r.out;
  std::string plain = "http://127.0.0.1:" + std::to_string(plain_port_);
  r = curl({"-i", "-H", "Host: example.org:" + std::to_string(plain_port_), plain + "/a/b?c=d"});
  EXPECT_EQ(status_of(r.out), 308) << r.out;
  EXPECT_NE(r.out.find("Location: https://example.org:" + std::to_string(tls_port_) + "/a/b?c=d\r\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("Strict-Transport-Security"), std::string::npos) << r.out;
  r = curl({"-i", plain + "/.well-known/acme-challenge/tok"});
  EXPECT_EQ(status_of(r.out), 200) << r.out;
  EXPECT_NE(r.out.find("\r\n\r\ntoken\n"), std::string::npos) << r.out;
}

TEST_F(Tls, CgiSeesHttpsVariables) {
  dir_.write("www/env.sh",
             "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
             "env | grep -E '^(HTTPS|REQUEST_SCHEME|SSL_[A-Z_]+|SERVER_PORT)=' | sort\n",
             0755);
  start();
  RunResult r = https({"--tlsv1.3", url("/env.sh")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("HTTPS=on\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("REQUEST_SCHEME=https\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SSL_PROTOCOL=TLSv1.3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SSL_CIPHER=TLS_"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SSL_TLS_SNI=localhost\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SERVER_PORT=" + std::to_string(tls_port_) + "\n"), std::string::npos) << r.out;
  r = curl({"http://127.0.0.1:" + std::to_string(plain_port_) + "/env.sh"});
  EXPECT_EQ(r.out, "SERVER_PORT=" + std::to_string(plain_port_) + "\n");
}

TEST_F(Tls, StatusCountsHandshakes) {
  start({"--status-path", "/-/metrics"});
  EXPECT_EQ(https({"--tlsv1.3", url("/")}).out, "hello over tls\n");
  EXPECT_EQ(https({"--tls-max", "1.2", url("/")}).out, "hello over tls\n");
  EXPECT_EQ(https({"--tls-max", "1.2", url("/")}).out, "hello over tls\n");
  EXPECT_EQ(status_of(raw_request(tls_port_, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 3s)), 400);
  // A client that refuses our protocols, and the server's own start-up probe: failures.
  RunResult r = s_client({"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
  EXPECT_NE(r.exit_code, 0);
  std::string m;
  auto sample = [&](const std::string& labels) {
    std::string key = "filehttpd_tls_handshakes_total{" + labels + "} ";
    std::size_t at = m.find(key);
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + key.size()));
  };
  int scrapes = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        m = https({url("/-/metrics")}).out;
        ++scrapes;
        return sample("result=\"failed\",version=\"none\"") >= 1 &&
               sample("result=\"not_tls\",version=\"none\"") == 1;
      },
      5s))
      << m;
  EXPECT_EQ(sample("result=\"ok\",version=\"TLSv1.2\""), 2) << m;
  EXPECT_EQ(sample("result=\"ok\",version=\"TLSv1.3\""), 1 + scrapes) << m;  // each scrape is one too
}

namespace {

// Python: get(session) fetches / over TLS (port, ctx), resuming session when
// given; returns the session and whether it was resumed.
const std::string k_get_py = R"(def get(session=None):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost", session=session)
    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    while s.recv(65536):
        pass
    out = (s.session, s.session_reused)
    s.close()
    return out
)";

// Fetches / once, then n times more resuming the first session; prints how many resumed.
const std::string k_resume_py = R"(import socket, ssl, sys
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
)" + k_get_py + R"(first, _ = get()
print(sum(1 for _ in range(n) if get(first)[1]))
)";

}  // namespace

// The ticket keys are made with the contexts in the supervisor, so a session
// from one worker resumes on every other.
TEST_F(Tls, SessionsResumeOnEveryWorker) {
  start({"--workers", "2"});
  RunResult r = python(k_resume_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "12"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "12\n");
}

namespace {

// keepalive: one request, then waits (at most 6 s) for the server to close; prints "closed" or "open".
// slow: asks for a big file with a small receive buffer, reads nothing for 3 s, then prints the bytes it gets.
const char k_limits_py[] = R"(import socket, ssl, sys, time
port, ca, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
raw = socket.socket()
if mode == "slow":
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.connect(("127.0.0.1", port))
s = ctx.wrap_socket(raw, server_hostname="localhost")
if mode == "keepalive":
    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    s.recv(65536)
    s.settimeout(6)
    try:
        print("closed" if s.recv(65536) == b"" else "data")
    except socket.timeout:
        print("open")
    except OSError:
        print("closed")
else:
    s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
    time.sleep(3)
    got = 0
    s.settimeout(5)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += len(b)
    except OSError:
        pass
    print(got)
)";

}  // namespace

TEST_F(Tls, KeepaliveAndSendTimeoutsHoldOverTls) {
  dir_.write("www/big.bin", std::string(8u << 20, 'x'));
  start({"--keepalive-timeout", "1s", "--send-timeout", "1s"});
  RunResult r = python(k_limits_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "keepalive"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "closed\n");
  r = python(k_limits_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "slow"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(std::stoull(r.out), 8ull << 20) << "the stalled reader got the whole file";
  EXPECT_TRUE(wait_until([&] { return server_->stderr_text().find("no send progress") != std::string::npos; }, 5s))
      << server_->stderr_text();
}

namespace {

// Fetches / once, sends SIGHUP to the server, waits (at most 10 s) until the
// old worker has gone, then fetches / again resuming the first session and
// prints whether it resumed.
const std::string k_resume_after_reload_py = R"(import os, signal, socket, ssl, sys, time
port, ca, server, worker = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)
)" + k_get_py + R"(first, _ = get()
os.kill(server, signal.SIGHUP)
end = time.time() + 10
def gone():
    try:
        return open("/proc/%d/stat" % worker).read().split(") ")[1][0] == "Z"
    except OSError:
        return True
while not gone() and time.time() < end:
    time.sleep(0.05)
print(gone(), get(first)[1])
)";

}  // namespace

// One session ticket per handshake (OpenSSL's default is two under TLS 1.3):
// a client keeps one, and the second cost a session encoding and a
// sealing on every full handshake.
TEST_F(Tls, AFullHandshakeIssuesOneTicket) {
  start();
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    RunResult r = run({"sh", "-c",
                       "printf 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | "
                       "openssl s_client -quiet -msg -connect 127.0.0.1:" + std::to_string(tls_port_) + " " + version},
                      20s);
    std::size_t tickets = 0;
    for (std::size_t at = r.out.find("NewSessionTicket"); at != std::string::npos;
         at = r.out.find("NewSessionTicket", at + 1))
      ++tickets;
    EXPECT_EQ(tickets, 1u) << version << "\n" << r.out.substr(0, 2000);
    EXPECT_NE(r.out.find("HTTP/1.1 200 OK"), std::string::npos) << version;
  }
}

// The ticket secret outlives a reload: the new workers resume sessions the old ones made.
TEST_F(Tls, SessionsResumeAcrossAReload) {
  start();
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  RunResult r = python(k_resume_after_reload_py, {std::to_string(tls_port_), pki_ + "/ca.pem",
                                                  std::to_string(server_->pid()), std::to_string(workers[0])});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "True True\n") << server_->stderr_text();
}

TEST_F(Tls, SslscanSeesOnlyTls12And13AndAeadSuites) {
  if (access("/usr/bin/sslscan", X_OK) != 0) GTEST_SKIP() << "sslscan is missing (install-deps.sh --test)";
  start();
  RunResult r = run({"sslscan", "--no-colour", "127.0.0.1:" + std::to_string(tls_port_)}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* line : {"SSLv2     disabled", "SSLv3     disabled", "TLSv1.0   disabled", "TLSv1.1   disabled",
                           "TLSv1.2   enabled", "TLSv1.3   enabled", "Session renegotiation not supported"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  // Every accepted suite is TLS 1.2 or 1.3, and AEAD.
  int suites = 0;
  for (const std::string& l : lines_of(r.out)) {
    if (l.rfind("Preferred ", 0) != 0 && l.rfind("Accepted ", 0) != 0) continue;
    ++suites;
    EXPECT_TRUE(l.find(" TLSv1.2 ") != std::string::npos || l.find(" TLSv1.3 ") != std::string::npos) << l;
    EXPECT_TRUE(l.find("GCM") != std::string::npos || l.find("CHACHA20-POLY1305") != std::string::npos ||
                l.find("CHACHA20_POLY1305") != std::string::npos)
        << l;
  }
  EXPECT_GE(suites, 6) << r.out;
}
