// How TLS sends: the send path counters (kTLS or OpenSSL's own encryption),
// the records a response travels in, and close_notify on a timeout close.
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "harness.hpp"
#include "tls_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;
using tls_testing::Tls;

namespace {

// Connects over a memory BIO so the raw TLS records are visible: after the
// handshake (and any tickets) it fetches each path on one connection and
// prints "PATH RECORDS BODYLEN" for each response, where RECORDS counts the
// application-data records the response arrived in.
const char k_records_py[] = R"py(import re, socket, ssl, sys
port, ca, paths = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
ctx = ssl.create_default_context(cafile=ca)
sock = socket.create_connection(("127.0.0.1", port))
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
def flush():
    data = out.read()
    if data:
        sock.sendall(data)
while True:
    try:
        tls.do_handshake()
        break
    except ssl.SSLWantReadError:
        flush()
        data = sock.recv(65536)
        if not data:
            sys.exit("closed in the handshake")
        inc.write(data)
flush()
raw = b""
def record(timeout):
    global raw
    sock.settimeout(timeout)
    while len(raw) < 5 or len(raw) < 5 + int.from_bytes(raw[3:5], "big"):
        data = sock.recv(65536)
        if not data:
            sys.exit("closed")
        raw += data
    n = 5 + int.from_bytes(raw[3:5], "big")
    rec, raw = raw[:n], raw[n:]
    return rec
def plaintext():
    got = b""
    while True:
        try:
            got += tls.read(65536)
        except ssl.SSLWantReadError:
            return got
while True:  # post-handshake messages (TLS 1.3 session tickets) until quiet
    try:
        inc.write(record(0.5))
    except socket.timeout:
        break
    plaintext()
for path in paths:
    tls.write(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
    flush()
    got, records = b"", 0
    while True:
        rec = record(5)
        if rec[0] == 23:
            records += 1
        inc.write(rec)
        got += plaintext()
        end = got.find(b"\r\n\r\n")
        if end < 0:
            continue
        length = int(re.search(rb"(?i)content-length: *(\d+)", got[:end]).group(1))
        if len(got) >= end + 4 + length:
            break
    print(path, records, length)
)py";

// Fetches / with keep-alive, then waits for the server to close the idle
// connection: "clean" when close_notify came first, "truncated" when not.
const char k_close_notify_py[] = R"py(import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
sock = socket.create_connection(("127.0.0.1", port))
sock.settimeout(10)
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
def pump():  # sends what TLS wrote; False at the socket's end of stream
    data = out.read()
    if data:
        sock.sendall(data)
    data = sock.recv(65536)
    inc.write(data)
    return bool(data)
while True:
    try:
        tls.do_handshake()
        break
    except ssl.SSLWantReadError:
        pump()
tls.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
got = b""
while True:
    try:
        data = tls.read(65536)
        if data:
            got += data
            continue
        closed = True  # b"": close_notify came
    except ssl.SSLWantReadError:
        closed = False
    except ssl.SSLZeroReturnError:
        closed = True
    if closed:
        print("clean" if got.endswith(b"hello over tls\n") else "clean, short")
        break
    if not pump():
        print("truncated")
        break
)py";


}  // namespace

// Without the kernel's tls module every connection takes OpenSSL's path,
// and the status endpoint says so; the bodies are whole either way.
TEST_F(Tls, SendPathCountersSayUserspaceWithoutKtls) {
  if (std::string why = ktls_missing(); why.empty())
    GTEST_SKIP() << "this kernel offers kTLS, so connections may take it; KtlsSendsFileBodies covers that";
  std::string big(3u << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 4093);
  dir_.write("www/big.bin", big);
  start({"--status-path", "/-/metrics"});
  for (int i = 0; i < 3; ++i) {
    RunResult r = https({url("/big.bin")});
    ASSERT_EQ(r.out.size(), big.size()) << r.err;
    EXPECT_EQ(r.out, big);
  }
  std::string m = https({url("/-/metrics")}).out;
  EXPECT_NE(m.find("# TYPE filehttpd_tls_connections_total counter\n"), std::string::npos) << m;
  EXPECT_EQ(sample_of(m, "filehttpd_tls_connections_total{send_path=\"ktls\"}"), 0) << m;
  EXPECT_EQ(sample_of(m, "filehttpd_tls_connections_total{send_path=\"userspace\"}"), 4) << m;
}

// Where the kernel has kTLS, file bodies go through SSL_sendfile: the ktls
// counter rises and the bytes are the file's.
TEST_F(Tls, KtlsSendsFileBodies) {
  if (std::string why = ktls_missing(); !why.empty()) GTEST_SKIP() << why;
  std::string big(3u << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 13 + i / 511);
  dir_.write("www/big.bin", big);
  start({"--status-path", "/-/metrics"});
  RunResult r = https({"--tlsv1.2", "--tls-max", "1.2", url("/big.bin")});
  EXPECT_EQ(r.out, big) << r.err;
  r = https({"--tlsv1.3", url("/big.bin")});
  EXPECT_EQ(r.out, big) << r.err;
  std::string m = https({url("/-/metrics")}).out;
  EXPECT_GE(sample_of(m, "filehttpd_tls_connections_total{send_path=\"ktls\"}"), 2) << m;
}

// The head and the start of a file body share a record: a short response is
// one record, and a longer one has no record holding the head alone.
TEST_F(Tls, HeadAndShortBodyTravelInOneRecord) {
  dir_.write("www/small.txt", std::string(100, 's'));
  dir_.write("www/ten.txt", std::string(10000, 't'));
  dir_.write("www/hundred.txt", std::string(100000, 'h'));  // over the file cache's size: read from the file
  start();
  RunResult r = python(k_records_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "/small.txt", "/ten.txt",
                                      "/hundred.txt", "/missing", "/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // hundred: a head of under 400 bytes and 100000 body bytes fill 7 records of
  // 16 KiB; a head in a record of its own would make it 8.
  EXPECT_EQ(r.out,
            "/small.txt 1 100\n"
            "/ten.txt 1 10000\n"
            "/hundred.txt 7 100000\n"
            "/missing 1 107\n"
            "/ 1 15\n")
      << r.out;
}

// A keep-alive timeout over TLS ends with close_notify, so the client can
// tell the close from a cut connection.
TEST_F(Tls, TimeoutCloseSendsCloseNotify) {
  start({"--keepalive-timeout", "1s"});
  RunResult r = python(k_close_notify_py, {std::to_string(tls_port_), pki_ + "/ca.pem"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "clean\n");
}

// -t says which way file bodies will be encrypted on this machine.
TEST_F(Tls, CheckConfigSaysWhetherKernelTlsIsAvailable) {
  std::string file = dir_.write("t.toml", "root = \"" + root_ + "\"\n[tls]\nlisten = [\"127.0.0.1:2\"]\n"
                                          "certificates = [{ cert = \"" + pki_ + "/a.pem\", key = \"" + pki_ +
                                          "/a.key\" }]\n");
  RunResult r = run({FILEHTTPD_BIN, "-t", "-c", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (ktls_missing().empty())
    EXPECT_NE(r.err.find("kernel TLS: available"), std::string::npos) << r.err;
  else
    EXPECT_NE(r.err.find("kernel TLS: not available (no tls in /proc/sys/net/ipv4/tcp_available_ulp); "
                         "OpenSSL encrypts file bodies"),
              std::string::npos)
        << r.err;
}
