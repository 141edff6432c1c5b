// CGI over HTTP/2: what only a stream's CGI has to get right (the body,
// SERVER_PROTOCOL and limits are in the transport and feature suites): a
// client reset kills the script without a zombie or a leaked fd and leaves
// the connection up, cgi.timeout answers 504 on its stream, a slow reader
// gets the whole output, and nph- output is parsed.
#include <gtest/gtest.h>

#include "h2_fixture.hpp"

namespace {

using namespace h2_support;

class H2Cgi : public H2 {};

// Polls until pid has no children or timeout; returns how many are left.
std::size_t children_left(pid_t pid, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!children_of(pid).empty() && std::chrono::steady_clock::now() < until) usleep(50 * 1000);
  return children_of(pid).size();
}

// A stream reset while its script runs: the script is killed and reaped, the
// worker's fds are back where they were, and the connection serves on.
TEST_F(H2Cgi, ClientResetKillsTheScriptAndKeepsTheConnection) {
  put("slow.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nstarted\\n'\nexec sleep 30\n", 0755);
  start_h2c();
  pid_t w = worker();
  ASSERT_GT(w, 0);
  get("/probe.txt");
  int fds_before = fd_count(w);
  Measured m = run_client("cgi_reset.py", {"--settle", "1"}, 30s);
  ASSERT_EQ(m.run.exit_code, 0) << m.run.out << m.run.err;
  EXPECT_EQ(json_int(m.json, "first_status"), 200) << m.json;
  EXPECT_FALSE(json_true(m.json, "first_ended")) << "the script was still writing: " << m.json;
  EXPECT_EQ(json_int(m.json, "later_status"), 200) << m.json;
  EXPECT_EQ(json_token(m.json, "later_body"), "\"small file\\n\"") << m.json;
  EXPECT_FALSE(json_true(m.json, "closed")) << m.json;
  EXPECT_EQ(children_left(w, 5s), 0u) << "the reset stream's script still runs (or is a zombie)";
  // The client's connection has closed by now; the pipes went with the script.
  auto until = std::chrono::steady_clock::now() + 3s;
  while (fd_count(w) > fds_before && std::chrono::steady_clock::now() < until) usleep(50 * 1000);
  EXPECT_LE(fd_count(w), fds_before);  // fewer when the warm-up's connection closed meanwhile
}

// A script silent past cgi.timeout gets 504 on its stream, and is killed.
TEST_F(H2Cgi, SilentScriptGets504AtCgiTimeout) {
  put("silent.cgi", "#!/bin/sh\nexec sleep 30\n", 0755);
  start_h2c({"--cgi-timeout", "1s"});
  pid_t w = worker();
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = run({"curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                     url_ + "/silent.cgi"},
                    20s);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "504 2");
  EXPECT_GE(s, 0.9);
  EXPECT_LT(s, 5.0);
  EXPECT_EQ(children_left(w, 5s), 0u) << "the timed-out script still runs";
}

// A script's big output through a 16 KiB stream window comes whole: the relay
// waits for the window (pipe reading paused) instead of dropping or buffering it all.
TEST_F(H2Cgi, BigOutputThroughASmallWindowComesWhole) {
  put("count.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nexec seq 1 1000000\n", 0755);
  start_h2c();
  RunResult expect = run({"seq", "1", "1000000"});
  RunResult r = run({"nghttp", "-w", "14", "-W", "16", url_ + "/count.cgi"}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.size(), expect.out.size());
  EXPECT_TRUE(r.out == expect.out) << "the output differs from the script's";
}

// An nph- script's raw output has an HTTP/1.1 status line: over HTTP/2 it is
// taken as the Status field and the rest parsed as a header block.
TEST_F(H2Cgi, NphScriptsStatusLineBecomesTheStreamsStatus) {
  put("nph-raw.sh",
      "#!/bin/sh\nprintf 'HTTP/1.1 299 Custom\\r\\nContent-Type: text/plain\\r\\nX-Raw: 1\\r\\n\\r\\nraw body'\n",
      0755);
  start_h2c();
  RunResult r = run({"curl", "-s", "-i", "--http2-prior-knowledge", url_ + "/nph-raw.sh"}, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/2 299")) << r.out;
  EXPECT_NE(r.out.find("\r\nx-raw: 1\r\n"), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.ends_with("\r\n\r\nraw body")) << r.out;
}

// A request body that stops coming gets 408 after limits.body_timeout on its stream.
TEST_F(H2Cgi, StalledBodyGets408AtBodyTimeout) {
  put_upload_cgi();
  start_h2c({"--body-timeout", "1s"});
  Measured m = run_client("body_stall.py", {"--seconds", "8"}, 20s);
  ASSERT_EQ(m.run.exit_code, 0) << m.run.out << m.run.err;
  EXPECT_EQ(json_int(m.json, "status"), 408) << m.json;
  EXPECT_GE(json_num(m.json, "ended_at"), 0.9) << m.json;
  EXPECT_LT(json_num(m.json, "ended_at"), 5.0) << m.json;
}

}  // namespace
