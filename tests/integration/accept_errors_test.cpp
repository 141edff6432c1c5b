// accept4() failing with an error the worker cannot cure at once (EPERM from
// a filter, through tests/support/accept_fail.c): the worker pauses accepting
// as for EMFILE instead of spinning, counts the failures, logs them at most
// once a second, and serves the waiting client once accept works again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

class AcceptErrors : public HttpServerTest {
 protected:
  std::string flag_;  // while it exists, accept4 fails with EPERM
};

}  // namespace

TEST_F(AcceptErrors, BackOffCountAndRateLimitTheLog) {
  put("a.txt", "A");
  flag_ = base_.path() + "/accept-fails";
  const char* asan = std::getenv("ASAN_OPTIONS");
  // The shim comes before a sanitizer runtime in the library list; that is fine here.
  std::string asan_options = std::string(asan ? asan : "") + (asan ? ":" : "") + "verify_asan_link_order=0";
  start({"--workers", "1", "--status-path", "/-/metrics"},
        {"env", std::string("LD_PRELOAD=") + ACCEPT_FAIL_LIB, "FILEHTTPD_TEST_ACCEPT_FAIL=" + flag_,
         "ASAN_OPTIONS=" + asan_options});
  ASSERT_EQ(status_of(get("/a.txt")), 200);
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);

  std::ofstream(flag_) << "";
  int client = connect_to(port_);
  ASSERT_GE(client, 0);
  const std::string request = "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(client, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  sleep_for(300ms);
  double before = cpu_seconds(workers[0]);
  sleep_for(1500ms);
  double used = cpu_seconds(workers[0]) - before;
  EXPECT_LT(used, 0.3) << "the worker used " << used << " s of CPU in 1.5 s while accept4 failed";
  unlink(flag_.c_str());

  std::string resp = read_all(client, 3s);
  close(client);
  EXPECT_EQ(status_of(resp), 200) << resp;
  EXPECT_EQ(body_of(resp), "A");

  std::string metrics = body_of(get("/-/metrics"));
  std::string key = "filehttpd_accept_errors_total{reason=\"other\"} ";
  std::size_t at = metrics.find(key);
  ASSERT_NE(at, std::string::npos) << metrics;
  long failures = std::stol(metrics.substr(at + key.size()));
  EXPECT_GE(failures, 3) << "back-offs of 250 ms over about 1.8 s";
  EXPECT_LE(failures, 20);
  EXPECT_NE(metrics.find("filehttpd_accept_errors_total{reason=\"fd_limit\"} 0\n"), std::string::npos);

  int lines = 0;
  bool told_suppressed = false;
  for (const std::string& line : lines_of(server_->stderr_text())) {
    if (line.find("accept: Operation not permitted") == std::string::npos) continue;
    ++lines;
    if (line.find("more since the last such line") != std::string::npos) told_suppressed = true;
  }
  EXPECT_GE(lines, 1);
  EXPECT_LE(lines, 3) << "at most one line a second over about 1.8 s\n" << server_->stderr_text().substr(0, 2000);
  std::cout << "[ info ] while accept4 failed: " << used << " s of worker CPU in 1.5 s, " << failures
            << " back-offs, " << lines << " log lines\n";
  EXPECT_TRUE(told_suppressed) << server_->stderr_text().substr(0, 2000);
}
