// HTTPS records: pipelined requests in one record, in several records of
// one segment and beyond one read, and a record split across segments; every
// request is answered without the client sending more, and nothing spins.
#include <gtest/gtest.h>

#include <string>

#include "harness.hpp"
#include "tls_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;
using tls_testing::Tls;

namespace {

// Sends N requests (each with an X-Pad field of PAD bytes, when given) in
// one TLS write and prints how many responses arrived within 5 s, and the
// bytes sent.
const char k_pipeline_py[] = R"(import socket, ssl, sys, time
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pad = int(sys.argv[4]) if len(sys.argv) > 4 else 0
own_records = len(sys.argv) > 5 and sys.argv[5] == "records"
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
req = b"GET / HTTP/1.1\r\nHost: localhost\r\n" + (b"X-Pad: " + b"p" * pad + b"\r\n" if pad else b"") + b"\r\n"
if own_records:
    # A record per request, corked so that they leave in one segment: the server reads them all at once.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    for i in range(n):
        s.sendall(req)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
else:
    s.sendall(req * n)
s.settimeout(0.5)
data, end = b"", time.time() + 5
while data.count(b"HTTP/1.1 200") < n and time.time() < end:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        continue
    if not chunk:
        break
    data += chunk
print(data.count(b"HTTP/1.1 200"), len(req) * n)
)";

}  // namespace

TEST_F(Tls, PipelinedRequestsInOneRecordAreAllAnswered) {
  start();
  RunResult r = python(k_pipeline_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "5 175\n");
}

// 400 pipelined requests (41600 bytes) in one write arrive as several
// records, more than one 16 KiB read; each is answered without the client
// sending more.
TEST_F(Tls, ManyPipelinedRequestsBeyondOneReadAreAllAnswered) {
  start();
  RunResult r = python(k_pipeline_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "400", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "400 41600\n");  // 104 bytes a request
}

// Ten requests, each in its own record, arriving in one segment: one socket
// read takes them all (OpenSSL reads ahead), and the ones still in OpenSSL's
// buffer are answered without a socket event.
TEST_F(Tls, PipelinedRequestsInSeparateRecordsOfOneSegmentAreAllAnswered) {
  start();
  RunResult r = python(k_pipeline_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "10", "0", "records"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "10 350\n");
}

namespace {

// Two requests, a record each; the first record and half of the second leave
// in one segment, the rest of the second a second later. Prints how many
// responses came before the rest was sent, then how many in all.
const char k_split_record_py[] = R"(import socket, ssl, sys, time
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
raw = socket.create_connection(("127.0.0.1", port))
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
while True:
    try:
        tls.do_handshake()
        break
    except ssl.SSLWantReadError:
        raw.sendall(out.read())
        chunk = raw.recv(65536)
        if not chunk:
            sys.exit("closed during the handshake")
        inc.write(chunk)
raw.sendall(out.read())
req = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
tls.write(req)
first = out.read()
tls.write(req)
second = out.read()
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
raw.sendall(first + second[: len(second) // 2])
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
plain = b""
def take(seconds, want):
    global plain
    raw.settimeout(0.1)
    end = time.time() + seconds
    while time.time() < end and plain.count(b"HTTP/1.1 200") < want:
        try:
            chunk = raw.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        inc.write(chunk)
        while True:
            try:
                plain += tls.read(65536)
            except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
                break
take(1.0, 2)
print(plain.count(b"HTTP/1.1 200"))
raw.sendall(second[len(second) // 2 :])
take(5.0, 2)
print(plain.count(b"HTTP/1.1 200"))
)";

}  // namespace

// A whole record followed by part of the next, in one read: the first request
// is answered at once, the worker then waits for the socket (no spinning on
// the bytes OpenSSL holds), and the rest of the record completes the second.
TEST_F(Tls, AWholeRecordAndPartOfTheNextAreAnsweredWithoutSpinning) {
  start();
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  double before = cpu_seconds(workers[0]);
  RunResult r = python(k_split_record_py, {std::to_string(tls_port_), pki_ + "/ca.pem"});
  double used = cpu_seconds(workers[0]) - before;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n2\n") << "responses before the rest of the second record, then in all";
  EXPECT_LT(used, 0.3) << "the worker spun while the second record was incomplete (1 s)";
}
