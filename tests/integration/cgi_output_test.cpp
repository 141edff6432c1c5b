// CGI/1.1 in the http profile: script output, streaming, timeouts and process hygiene.
#include "cgi_fixture.hpp"

using namespace testing_support;
using namespace cgi_support;
using namespace std::chrono_literals;

TEST_F(Cgi, StatusAndHeadersPassThrough) {
  put("s.sh",
      "#!/bin/sh\nprintf 'Status: 418 I am a teapot\\nContent-Type: text/plain\\nX-Extra: yes\\nConnection: "
      "bogus\\n\\nshort'\n",
      0755);
  start();
  std::string r = get("/s.sh");
  EXPECT_EQ(r.substr(0, r.find("\r\n")), "HTTP/1.1 418 I am a teapot");
  EXPECT_EQ(header(r, "X-Extra"), "yes");
  EXPECT_EQ(header(r, "Connection"), "close");  // the script's hop-by-hop header was dropped
  EXPECT_EQ(dechunk(body_of(r)), "short");
}

TEST_F(Cgi, ScriptContentLengthIsUsed) {
  put("cl.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 5\\r\\n\\r\\nhello'\n", 0755);
  start();
  std::string r = get("/cl.sh");
  EXPECT_EQ(header(r, "Content-Length"), "5");
  EXPECT_EQ(header(r, "Transfer-Encoding"), "");
  EXPECT_EQ(body_of(r), "hello");
}

TEST_F(Cgi, LocalLocationIsAnInternalRedirect) {
  put("target.txt", "the target");
  put("go.sh", "#!/bin/sh\nprintf 'Location: /target.txt\\r\\n\\r\\n'\n", 0755);
  put("hop.sh", "#!/bin/sh\nprintf 'Location: /env.sh?from=hop\\r\\n\\r\\n'\n", 0755);
  put("env.sh", k_env_script, 0755);
  put("loop.sh", "#!/bin/sh\nprintf 'Location: /loop.sh\\r\\n\\r\\n'\n", 0755);
  start();
  std::string r = get("/go.sh");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(body_of(r), "the target");
  EXPECT_EQ(header(r, "Location"), "");
  // A redirect to another script runs it, and a pipelined request after it
  // is answered; a loop ends in 500, not a hang.
  std::string hop = req(
      "GET /hop.sh HTTP/1.1\r\nHost: t\r\n\r\nGET /target.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5s);
  EXPECT_EQ(status_of(hop), 200) << hop;
  EXPECT_NE(hop.find("QUERY_STRING=from=hop"), std::string::npos) << hop;
  EXPECT_NE(hop.find("the target"), std::string::npos) << "the pipelined request was lost: " << hop;
  EXPECT_EQ(status_of(get("/loop.sh")), 500);
}

TEST_F(Cgi, AbsoluteLocationIs302) {
  put("away.sh", "#!/bin/sh\nprintf 'Location: https://example.org/x\\r\\n\\r\\n'\n", 0755);
  start();
  std::string r = get("/away.sh");
  EXPECT_EQ(status_of(r), 302);
  EXPECT_EQ(header(r, "Location"), "https://example.org/x");
}

TEST_F(Cgi, BadScriptOutputIs502) {
  put("noblank.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nno blank line follows'\n", 0755);
  put("garbage.sh", "#!/bin/sh\necho 'this is not a header'\necho\n", 0755);
  put("badstatus.sh", "#!/bin/sh\nprintf 'Status: 30 FooBar\\r\\nContent-Type: text/plain\\r\\n\\r\\nx'\n", 0755);
  put("huge.sh", "#!/bin/sh\nprintf 'X-Big: '\nhead -c 70000 /dev/zero | tr '\\\\0' a\nsleep 5\n", 0755);
  put("silent.sh", "#!/bin/sh\nexit 0\n", 0755);
  start();
  for (const char* s : {"/noblank.sh", "/garbage.sh", "/badstatus.sh", "/huge.sh", "/silent.sh"}) {
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(status_of(get(s)), 502) << s;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << s;
  }
  std::string log = server_->stderr_text();
  EXPECT_NE(log.find("header block over 64 KiB"), std::string::npos) << log;
  EXPECT_NE(log.find("malformed Status header"), std::string::npos) << log;
}

// A script cannot make the client read a second, injected response: header
// names and values with CR, NUL or other control bytes and a Content-Length
// that would wrap are 502; a body shorter or longer than the script's own
// Content-Length ends the connection after exactly the declared bytes.
TEST_F(Cgi, ScriptCannotDesynchroniseTheClient) {
  const std::string injected = "HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nforged";
  put("a.txt", "A");
  put("wrap.sh",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 18446744073709551618\\r\\n\\r\\nxx" + injected +
          "'\n",
      0755);
  put("crname.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nA\\rB: v\\r\\n\\r\\nx'\n", 0755);
  put("crvalue.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nX: a\\rb\\r\\n\\r\\nx'\n", 0755);
  put("nulvalue.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nX: a\\000b\\r\\n\\r\\nx'\n", 0755);
  put("short.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 100\\r\\n\\r\\n0123456789'\n",
      0755);
  put("long.sh",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 5\\r\\n\\r\\nhello" + injected + "'\n", 0755);
  start();
  const std::string second = "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  for (const char* bad : {"/wrap.sh", "/crname.sh", "/crvalue.sh", "/nulvalue.sh"}) {
    std::string r = req(std::string("GET ") + bad + " HTTP/1.1\r\nHost: t\r\n\r\n" + second, 3s);
    EXPECT_EQ(status_of(r), 502) << bad << "\n" << r;
    EXPECT_EQ(r.find("forged"), std::string::npos) << bad;
    EXPECT_EQ(r.find("A\rB"), std::string::npos) << bad;
    EXPECT_EQ(r.find("a\rb"), std::string::npos) << bad;
    // The pipelined request after it is either answered correctly or refused by a close.
    std::size_t next = r.find("HTTP/1.1 ", 1);
    if (next != std::string::npos) {
      EXPECT_EQ(status_of(r.substr(next)), 200) << bad;
      EXPECT_EQ(body_of(r.substr(next)), "A") << bad;
    }
  }
  std::string log = server_->stderr_text();
  EXPECT_NE(log.find("Content-Length out of range"), std::string::npos) << log;
  EXPECT_NE(log.find("not a token"), std::string::npos) << log;
  EXPECT_NE(log.find("control byte"), std::string::npos) << log;

  // Short: exactly the 10 bytes sent, then the connection closes; the
  // pipelined second request is never answered inside the first body.
  auto t0 = std::chrono::steady_clock::now();
  std::string shortr = req("GET /short.sh HTTP/1.1\r\nHost: t\r\n\r\n" + second, 5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "the connection was kept open";
  EXPECT_EQ(status_of(shortr), 200);
  EXPECT_EQ(header(shortr, "Content-Length"), "100");
  EXPECT_EQ(body_of(shortr), "0123456789");
  // Long: the declared 5 bytes, nothing injected, then close.
  t0 = std::chrono::steady_clock::now();
  std::string longr = req("GET /long.sh HTTP/1.1\r\nHost: t\r\n\r\n" + second, 5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "the connection was kept open";
  EXPECT_EQ(status_of(longr), 200);
  EXPECT_EQ(body_of(longr), "hello");
  log = server_->stderr_text();
  EXPECT_NE(log.find("ended after 10 of its 100 Content-Length bytes"), std::string::npos) << log;
  EXPECT_NE(log.find("sent more than its Content-Length of 5"), std::string::npos) << log;
  // The server goes on: a fresh connection gets its answer.
  EXPECT_EQ(body_of(get("/a.txt")), "A");
}

TEST_F(Cgi, MissingContentTypeIsOctetStreamWithWarning) {
  put("nct.sh", "#!/bin/sh\nprintf 'X-Only: 1\\r\\n\\r\\nbody'\n", 0755);
  start();
  std::string r = get("/nct.sh");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(header(r, "Content-Type"), "application/octet-stream");
  EXPECT_NE(server_->stderr_text().find("sent no Content-Type"), std::string::npos);
}

TEST_F(Cgi, TimeoutIs504AndChildIsReaped) {
  std::string pidfile = base_.path() + "/slow.pid";
  put("slow.sh", "#!/bin/sh\necho $$ > " + pidfile + "\nsleep 30\n", 0755);
  start({"--cgi-timeout", "500ms"});
  auto t0 = std::chrono::steady_clock::now();
  std::string r = get("/slow.sh");
  EXPECT_EQ(status_of(r), 504);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  pid_t pid = std::stoi(read_file(pidfile));
  EXPECT_TRUE(wait_until([&] { return process_state(pid) == '?'; }, 3s)) << "state " << process_state(pid);
  EXPECT_TRUE(pids_with_cmdline("sleep 30").empty() || wait_until([&] { return worker_children().empty(); }, 3s));
}

TEST_F(Cgi, ChunkedResponseKeepsConnectionAlive) {
  put("stream.sh",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nfor i in 1 2 3; do echo part$i; sleep 0.05; done\n",
      0755);
  put("plain.txt", "after");
  start();
  int fd = connect_to(port_);
  std::string r1 = "GET /stream.sh HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, r1.data(), r1.size(), 0);
  std::string got;
  auto end = std::chrono::steady_clock::now() + 3s;
  while (got.find("\r\n0\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < end)
    got += read_n(fd, 1, 500ms);
  EXPECT_EQ(header(got, "Transfer-Encoding"), "chunked");
  EXPECT_EQ(dechunk(body_of(got)), "part1\npart2\npart3\n");
  std::string r2 = "GET /plain.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  send(fd, r2.data(), r2.size(), 0);
  std::string second = read_all(fd, 3s);
  close(fd);
  EXPECT_EQ(body_of(second), "after");
}

TEST_F(Cgi, Http10ResponseIsCloseDelimited) {
  put("s.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nten-bytes!'\n", 0755);
  start();
  std::string r = req("GET /s.sh HTTP/1.0\r\n\r\n");
  EXPECT_EQ(header(r, "Transfer-Encoding"), "");
  EXPECT_EQ(header(r, "Connection"), "close");
  EXPECT_EQ(body_of(r), "ten-bytes!");
}

TEST_F(Cgi, NphScriptOutputIsUnchanged) {
  put("nph-raw.sh", "#!/bin/sh\nprintf 'HTTP/1.1 299 Custom\\r\\nX-Raw: 1\\r\\n\\r\\nraw body'\n", 0755);
  start();
  EXPECT_EQ(get("/nph-raw.sh"), "HTTP/1.1 299 Custom\r\nX-Raw: 1\r\n\r\nraw body");
}

TEST_F(Cgi, HeadRunsScriptWithoutBody) {
  std::string mark = base_.path() + "/ran";
  put("h.sh", "#!/bin/sh\ntouch " + mark + "\nprintf 'Content-Type: text/plain\\r\\n\\r\\nbody text'\n", 0755);
  start();
  std::string r = req("HEAD /h.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(header(r, "Content-Type"), "text/plain");
  EXPECT_EQ(body_of(r), "");
  EXPECT_TRUE(std::filesystem::exists(mark));
}

// HEAD gets the framing headers GET would get, and no body, so the
// connection stays usable.
TEST_F(Cgi, HeadHasTheFramingOfGet) {
  put("s.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nsome text'\n", 0755);
  put("l.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 4\\r\\n\\r\\nfour'\n", 0755);
  start();
  for (const char* target : {"/s.sh", "/l.sh"}) {
    std::string g = req(std::string("GET ") + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    int fd = connect_to(port_);
    std::string two = std::string("HEAD ") + target +
                      " HTTP/1.1\r\nHost: t\r\n\r\nGET /s.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    send(fd, two.data(), two.size(), 0);
    std::string both = read_all(fd, 5s);
    close(fd);
    std::string h = both.substr(0, both.find("\r\n\r\n") + 4);
    EXPECT_EQ(status_of(h), 200) << both;
    EXPECT_EQ(header(h, "Transfer-Encoding"), header(g, "Transfer-Encoding")) << target;
    EXPECT_EQ(header(h, "Content-Length"), header(g, "Content-Length")) << target;
    std::string second = both.substr(h.size());
    EXPECT_EQ(status_of(second), 200) << both;
    EXPECT_EQ(dechunk(body_of(second)), "some text") << both;
  }
}

TEST_F(Cgi, ExecFailureIs500) {
  put("broken.cgi", "not a program\n", 0755);
  start();
  EXPECT_EQ(status_of(get("/broken.cgi")), 500);
  EXPECT_TRUE(server_->alive());
}

TEST_F(Cgi, ClientAbortKillsChild) {
  std::string pidfile = base_.path() + "/loop.pid";
  put("loop.sh",
      "#!/bin/sh\necho $$ > " + pidfile +
          "\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nwhile :; do echo tick; sleep 0.1; done\n",
      0755);
  start();
  int fd = connect_to(port_);
  std::string r = "GET /loop.sh HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, r.data(), r.size(), 0);
  std::string seen;
  EXPECT_TRUE(wait_until(
      [&] {
        seen += read_n(fd, 1, 100ms);
        return seen.find("tick") != std::string::npos;
      },
      3s));
  pid_t pid = std::stoi(read_file(pidfile));
  ASSERT_TRUE(process_alive(pid));
  close(fd);
  EXPECT_TRUE(wait_until([&] { return process_state(pid) == '?'; }, 3s)) << "state " << process_state(pid);
}

TEST_F(Cgi, ManyConcurrentCgisLeaveNoZombies) {
  put("q.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nok'\n", 0755);
  start({"--cgi-max-concurrent", "256", "--access-log", "off"});
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 200; ++i) {
    ts.emplace_back([&] {
      if (body_of(req("GET /q.sh HTTP/1.0\r\n\r\n", 10s)) == "ok") ++ok;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_TRUE(wait_until([&] { return worker_children().empty(); }, 3s));
  for (pid_t p : descendants_of(server_->pid())) EXPECT_NE(process_state(p), 'Z');
}

TEST_F(Cgi, OverConcurrencyLimitIs503WithRetryAfter) {
  int fd = fill_the_only_cgi_slot();
  std::string second = get("/slow.sh");
  EXPECT_EQ(status_of(second), 503);
  EXPECT_EQ(header(second, "Retry-After"), "1");
  EXPECT_EQ(body_of(read_all(fd, 3s)), "slow");
  close(fd);
}

// At the limit, a request with a body gets its 503 before the body is read:
// no 100 Continue, no upload of what will not run.
TEST_F(Cgi, OverConcurrencyLimitRefusesABodyBeforeReadingIt) {
  int fd = fill_the_only_cgi_slot();
  int up = connect_to(port_);
  std::string head = "POST /slow.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n";
  send(up, head.data(), head.size(), 0);
  std::string answer = read_n(up, 12, 700ms);
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 503") << answer;
  close(up);
  EXPECT_EQ(body_of(read_all(fd, 3s)), "slow");
  close(fd);
}

TEST_F(Cgi, FloodToNonReadingClientKeepsMemoryBounded) {
  put("yes.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nexec yes\n", 0755);
  put("short.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nhead -c 200000 /dev/zero\n", 0755);
  start();
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  auto rss = [&] {
    std::string s = read_file("/proc/" + std::to_string(workers[0]) + "/status");
    auto p = s.find("VmRSS:");
    return std::stol(s.substr(p + 6));
  };
  // One whole CGI response first, so the relay's code and buffers are
  // resident: what is measured is growth under the flood, not first use.
  EXPECT_EQ(status_of(get("/short.sh")), 200);
  long before = rss();
  int fd = connect_to(port_, 4096);
  std::string r = "GET /yes.sh HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, r.data(), r.size(), 0);
  sleep_for(1500ms);  // the script could write gigabytes meanwhile
  long after = rss();
  EXPECT_LT(after - before, 4 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
  close(fd);
  EXPECT_TRUE(wait_until([&] { return worker_children().empty(); }, 3s));
}

TEST_F(Cgi, GrandchildHoldingStdoutDoesNotHoldResponse) {
  put("bg.sh", "#!/bin/sh\nsleep 100.0017 &\nprintf 'Content-Type: text/plain\\r\\n\\r\\ndone'\n", 0755);
  start({"--cgi-timeout", "1s", "--shutdown-timeout", "500ms"});
  auto t0 = std::chrono::steady_clock::now();
  std::string r = req("GET /bg.sh HTTP/1.0\r\n\r\n");
  EXPECT_EQ(body_of(r), "done");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(4s), 0);
  EXPECT_TRUE(wait_until([&] { return pids_with_cmdline("sleep 100.0017").empty(); }, 2s))
      << "the script's background child outlived the server";
}

TEST_F(Cgi, PathsAndEnabledSettings) {
  put("cgi-bin/run.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nran'\n", 0755);
  put("other/run.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nran'\n", 0755);
  std::string cfg = base_.write("c.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) +
                                              "\"]\n[cgi]\npaths = [\"/cgi-bin\"]\n");
  start_with({"-c", cfg});
  EXPECT_EQ(dechunk(body_of(get("/cgi-bin/run.sh"))), "ran");
  std::string outside = get("/other/run.sh");
  EXPECT_EQ(status_of(outside), 200);
  EXPECT_NE(body_of(outside).find("#!/bin/sh"), std::string::npos);  // a file there, not a program
  server_->signal(SIGTERM);
  server_->wait_exit(3s);
  start({"--no-cgi"});
  EXPECT_NE(body_of(get("/cgi-bin/run.sh")).find("#!/bin/sh"), std::string::npos);
}

TEST_F(Cgi, ResourceLimitsApplyToScripts) {
  put("limits.sh",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"nofile=$(ulimit -n) cpu=$(ulimit -t) "
      "as=$(ulimit -v)\"\n",
      0755);
  put("spin.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nspinning\\n'\nwhile :; do :; done\n", 0755);
  std::string cfg = base_.write("c.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) +
                                              "\"]\n[cgi]\nrlimit_nofile = 64\nrlimit_cpu = 1\nrlimit_as = \"512m\"\n");
  start_with({"-c", cfg});
  EXPECT_EQ(body_of(req("GET /limits.sh HTTP/1.0\r\n\r\n")), "nofile=64 cpu=1 as=524288\n");
  // A script over its CPU limit is killed by the kernel; the response ends.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(body_of(req("GET /spin.sh HTTP/1.0\r\n\r\n", 10s)), "spinning\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}
