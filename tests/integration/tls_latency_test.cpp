// A keep-alive client over TLS beside a handshake storm: while two
// `openssl s_time` processes make full handshakes for 5 s against the same
// single worker, another client's requests on one TLS connection are
// answered within 50 ms more than the same probe measured just before
// without the storm (a handshake is a few hundred microseconds of the
// worker's time, and the loop serves ready connections between them; the
// calm probe takes out what a loaded machine's scheduler adds).
// Runs in latency_tests, alone, so other tests' processes add no delay.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "harness.hpp"
#include "tls_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;
using tls_testing::Tls;

namespace {

// Sends a request every 20 ms on one TLS connection for the given seconds;
// prints the request count, the 99th percentile and the largest latency in ms.
const char k_probe_py[] = R"(import socket, ssl, sys, time
port, ca, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
lat, end = [], time.time() + seconds
while time.time() < end:
    t = time.perf_counter()
    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    got = b""
    while not got.endswith(b"hello over tls\n"):
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("closed")
        got += chunk
    lat.append((time.perf_counter() - t) * 1000)
    time.sleep(0.02)
lat.sort()
print(len(lat), "%.1f" % lat[int(len(lat) * 0.99)], "%.1f" % lat[-1])
)";

}  // namespace

TEST_F(Tls, KeepAliveRequestsStayFastBesideAHandshakeStorm) {
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "python3 is missing";
  start({"--workers", "1", "--access-log", "off", "--status-path", "/-/metrics"});
  // The same probe without the storm first: what this machine's scheduler
  // alone costs a request now (a shared, loaded machine adds tens of ms).
  RunResult calm = python(k_probe_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "2"});
  ASSERT_EQ(calm.exit_code, 0) << calm.err;
  int calm_count = 0;
  double calm_p99 = 0, calm_worst = 0;
  ASSERT_EQ(std::sscanf(calm.out.c_str(), "%d %lf %lf", &calm_count, &calm_p99, &calm_worst), 3) << calm.out;
  std::string connect = "127.0.0.1:" + std::to_string(tls_port_);
  std::vector<pid_t> storm;
  for (int i = 0; i < 2; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0), dup2(null, 1), dup2(null, 2);
      execlp("openssl", "openssl", "s_time", "-connect", connect.c_str(), "-new", "-time", "5", "-CAfile",
             (pki_ + "/ca.pem").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    storm.push_back(pid);
  }
  sleep_for(300ms);  // the storm is under way
  RunResult r = python(k_probe_py, {std::to_string(tls_port_), pki_ + "/ca.pem", "4"});
  for (pid_t pid : storm) {
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i) sleep_for(100ms);
    if (waitpid(pid, &status, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int count = 0;
  double p99 = 0, worst = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "%d %lf %lf", &count, &p99, &worst), 3) << r.out;
  std::printf("keep-alive requests without a storm: %d, p99 %.1f ms, max %.1f ms\n", calm_count, calm_p99,
              calm_worst);
  std::printf("keep-alive requests beside the storm: %d, p99 %.1f ms, max %.1f ms\n", count, p99, worst);
  EXPECT_GE(count, 50) << r.out;
  // The storm adds under 50 ms to the 99th percentile; on an idle machine
  // the calm p99 is a fraction of a millisecond, so this is the 50 ms bound.
  if (k_sanitized)
    std::printf("sanitizer build: the 50 ms bound is asserted in the Release run (handshakes are several times slower)\n");
  else
    EXPECT_LT(p99 - calm_p99, 50.0) << "calm " << calm.out << "storm " << r.out;
  // The storm really shook hands with the same worker, hundreds of times.
  std::string m = https({url("/-/metrics")}).out;
  std::string key = "filehttpd_tls_handshakes_total{result=\"ok\",version=\"TLSv1.3\"} ";
  std::size_t at = m.find(key);
  ASSERT_NE(at, std::string::npos) << m;
  long handshakes = std::stol(m.substr(at + key.size()));
  std::printf("full handshakes during the probe: %ld\n", handshakes);
  EXPECT_GE(handshakes, 200) << m;
}
