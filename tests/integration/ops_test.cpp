// Operations: TOML config and -t, daemon mode, syslog, supervision and reload,
// workers, privileges and the shutdown delay.
#include "ops_fixture.hpp"

using namespace testing_support;
using namespace ops_support;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- config

TEST_F(Ops, ConfigErrorsNameKeyAndPosition) {
  struct Case {
    const char* body;
    const char* expect;
  } cases[] = {
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\nbogus = 1\n", ":3:1: unknown key 'bogus'"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[limits]\nheader_bytes = 10\n",
       ":4:16: limits.header_bytes must be between 1024 and 1048576"},
      {"root = \"/tmp\"\nlisten = \"127.0.0.1:9\"\n", ":2:10: listen must be an array of strings"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[cgi]\nenabled = \"yes\"\n",
       ":4:11: cgi.enabled must be true or false"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[limits]\nnope = 1\n", ":4:1: unknown key 'limits.nope'"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[limits]\nheader_timeout = \"soon\"\n",
       ":4:18: limits.header_timeout must be a duration"},
      {"root = \"/tmp\nlisten = []\n", ":1:"},
      // Numbers that overflow are errors, never undefined behaviour or a wrapped value.
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[limits]\nheader_timeout = 9223372036854776\n",
       ":4:18: limits.header_timeout is too large"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[limits]\nheader_timeout = \"18446744073709552\"\n",
       ":4:18: limits.header_timeout is too large"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[limits]\nkeepalive_timeout = \"999999999999999999m\"\n",
       ":4:21: limits.keepalive_timeout is too large"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[limits]\nmax_body = \"17179869184g\"\n",
       ":4:12: limits.max_body is too large"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[cgi]\nbody_dir = 5\n", ":4:12: cgi.body_dir must be a string"},
      {"root = \"/tmp\"\nlisten = [\"127.0.0.1:9\"]\n[limits]\nbody_timeout = \"never\"\n",
       ":4:16: limits.body_timeout must be a duration"},
  };
  for (const auto& c : cases) {
    std::string file = config(c.body);
    RunResult r = run({FILEHTTPD_BIN, "-c", file});
    EXPECT_EQ(r.exit_code, 1) << c.body;
    EXPECT_NE(r.err.find(file + c.expect), std::string::npos) << r.err;
    RunResult t = run({FILEHTTPD_BIN, "-t", "-c", file});
    EXPECT_EQ(t.exit_code, 1) << c.body;
  }
}

TEST_F(Ops, TestFlagChecksWithoutBinding) {
  put("a.txt", "A");
  Server other({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_)});
  ASSERT_TRUE(other.wait_ready(port_));
  std::string file = config(basic_config(root_));  // same port: -t must not bind it
  RunResult ok = run({FILEHTTPD_BIN, "-t", "-c", file});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "filehttpd: configuration file " + file + " test is successful\n");
  std::string bad_root = config(basic_config(root_ + "/missing"));
  RunResult bad = run({FILEHTTPD_BIN, "-t", "-c", bad_root});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("test failed"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("missing"), std::string::npos) << bad.err;
  std::string bad_spool = config(basic_config(root_) + "[cgi]\nbody_dir = \"" + base_.path() + "/nospool\"\n");
  RunResult spool = run({FILEHTTPD_BIN, "-t", "-c", bad_spool});
  EXPECT_EQ(spool.exit_code, 1);
  EXPECT_NE(spool.err.find("cannot use cgi.body_dir '" + base_.path() + "/nospool': No such file or directory"),
            std::string::npos)
      << spool.err;
}

// -t without a file checks the configuration the command line makes, so a
// one-liner (flags, or PORT DIR) can be checked before it is run.
TEST_F(Ops, TestFlagChecksACommandLineWithoutAFile) {
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  RunResult ok = run({FILEHTTPD_BIN, "-t", "--root", root_, "--listen", listen});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "filehttpd: command-line configuration test is successful\n");
  RunResult classic = run({FILEHTTPD_BIN, "-t", std::to_string(port_), root_});
  EXPECT_EQ(classic.exit_code, 0) << classic.err;
  EXPECT_EQ(classic.out, "filehttpd: command-line configuration test is successful\n");
  RunResult missing = run({FILEHTTPD_BIN, "-t", "--root", root_ + "/missing", "--listen", listen});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot use root '" + root_ + "/missing'"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("filehttpd: command-line configuration test failed\n"), std::string::npos) << missing.err;
  RunResult bad_listen = run({FILEHTTPD_BIN, "-t", "--root", root_, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(bad_listen.exit_code, 1);
  EXPECT_NE(bad_listen.err.find("port must be 1-65535"), std::string::npos) << bad_listen.err;
  EXPECT_NE(bad_listen.err.find("filehttpd: command-line configuration test failed\n"), std::string::npos)
      << bad_listen.err;
  RunResult nothing = run({FILEHTTPD_BIN, "-t"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("-t needs -c FILE, PORT DIR or --root"), std::string::npos) << nothing.err;
}

TEST_F(Ops, ShippedExampleConfigIsValid) {
  std::string text = read_file(std::string(SOURCE_DIR) + "/config/filehttpd.toml");
  ASSERT_FALSE(text.empty());
  // Point it at a root that exists here; everything else stays as shipped.
  text = std::regex_replace(text, std::regex("root = \"/srv/www\""), "root = \"" + root_ + "\"");
  RunResult r = run({FILEHTTPD_BIN, "-t", "-c", config(text)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* key : {"header_bytes", "uri_bytes",        "max_connections",
                          "max_body",     "header_timeout",   "keepalive_timeout",
                          "send_timeout", "max_requests",     "enabled",
                          "timeout",      "max_concurrent",   "paths",
                          "workers",      "shutdown_timeout", "user",
                          "group",        "daemon",           "pidfile",
                          "level",        "target",           "access",
                          "listing",      "dotfiles",         "index",
                          "profile"}) {
    EXPECT_NE(text.find(std::string("\n") + key + " = "), std::string::npos) << key;
  }
}

TEST_F(Ops, FlagsOverrideKeys) {
  std::string other = base_.mkdir("other");
  base_.write("other/which.txt", "other-root");
  put("which.txt", "config-root");
  std::string file = config(basic_config(root_, "[limits]\nheader_bytes = 2048\n"));
  start_with({"-c", file, "--root", other, "--header-bytes", "4096"});
  EXPECT_EQ(body_of(get("/which.txt")), "other-root");
  // header_bytes from the flag (4096), not the file (2048): a 3000-byte header passes.
  std::string r = raw_request(
      port_, "GET /which.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX: " + std::string(3000, 'x') + "\r\n\r\n");
  EXPECT_EQ(status_of(r), 200);
}

TEST_F(Ops, ConfigKeysApply) {
  put("dir/x.txt", "x");
  std::string file = config(basic_config(root_, "listing = true\n[limits]\nheader_bytes = 2048\n"));
  start_with({"-c", file});
  EXPECT_EQ(status_of(get("/dir/")), 200);
  std::string r = raw_request(port_, "GET /dir/ HTTP/1.1\r\nHost: t\r\nX: " + std::string(3000, 'x') + "\r\n\r\n");
  EXPECT_EQ(status_of(r), 431);
}

// ---------------------------------------------------------------- daemon

TEST_F(Ops, DaemonLifecycle) {
  put("a.txt", "A");
  std::string pidfile = base_.path() + "/filehttpd.pid";
  std::string log = base_.path() + "/error.log";
  std::vector<std::string> args{FILEHTTPD_BIN,  "--daemon", "--pidfile", pidfile,
                                "--root",       root_,      "--listen",  "127.0.0.1:" + std::to_string(port_),
                                "--log-target", log};
  RunResult launch = run(args);
  ASSERT_EQ(launch.exit_code, 0) << launch.err;
  // The launcher returned, so the server already answers: no retry here.
  EXPECT_EQ(curl({"http://127.0.0.1:" + std::to_string(port_) + "/a.txt"}).out, "A");
  pid_t pid = std::stoi(read_file(pidfile));
  EXPECT_TRUE(process_alive(pid));
  // Detached the APUE way: cwd "/", umask 027, fds 0-2 on /dev/null, not a session leader.
  std::string proc = "/proc/" + std::to_string(pid);
  EXPECT_EQ(std::filesystem::read_symlink(proc + "/cwd"), "/");
  EXPECT_NE(read_file(proc + "/status").find("Umask:\t0027\n"), std::string::npos);
  for (int fd = 0; fd <= 2; ++fd) {
    EXPECT_EQ(std::filesystem::read_symlink(proc + "/fd/" + std::to_string(fd)), "/dev/null") << fd;
  }
  std::string stat = read_file(proc + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string state, ppid, pgrp, session;
  fields >> state >> ppid >> pgrp >> session;
  EXPECT_NE(session, std::to_string(pid));
  EXPECT_NE(ppid, std::to_string(getpid()));

  std::vector<std::string> second = args;
  second[second.size() - 3] = "127.0.0.1:" + std::to_string(free_port());
  RunResult again = run(second);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("another filehttpd is running (pid " + std::to_string(pid)), std::string::npos) << again.err;

  kill(pid, SIGTERM);
  EXPECT_TRUE(wait_until([&] { return !process_alive(pid); }, 5s));
  EXPECT_FALSE(std::filesystem::exists(pidfile));
  EXPECT_NE(read_file(log).find("stopped"), std::string::npos);
}

TEST_F(Ops, DaemonClosesInheritedFds) {
  put("a.txt", "A");
  std::string pidfile = base_.path() + "/d.pid";
  std::string cmd = "exec 7>" + base_.path() + "/inherited.txt; exec " + std::string(FILEHTTPD_BIN) +
                    " --daemon --pidfile " + pidfile + " --root " + root_ +
                    " --listen 127.0.0.1:" + std::to_string(port_) + " --log-target " + base_.path() + "/e.log";
  RunResult r = run({"sh", "-c", cmd});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pid_t pid = std::stoi(read_file(pidfile));
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    EXPECT_EQ(target.string().find("inherited.txt"), std::string::npos) << e.path();
  }
  kill(pid, SIGTERM);
  EXPECT_TRUE(wait_until([&] { return !process_alive(pid); }, 5s));
}

TEST_F(Ops, OtherSignalsAreLoggedAndIgnored) {
  put("a.txt", "A");
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_)});
  server_->signal(SIGUSR2);
  server_->signal(SIGPIPE);
  EXPECT_TRUE(wait_until([&] { return server_->stderr_text().find("ignoring signal") != std::string::npos; }, 2s));
  EXPECT_EQ(body_of(get("/a.txt")), "A");
  EXPECT_TRUE(server_->alive());
}

TEST_F(Ops, DaemonStartupErrorReachesLauncher) {
  Server blocker({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_)});
  ASSERT_TRUE(blocker.wait_ready(port_));
  RunResult r = run({FILEHTTPD_BIN, "--daemon", "--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_),
                     "--log-target", base_.path() + "/e.log"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot bind 127.0.0.1:" + std::to_string(port_) + ": Address already in use"),
            std::string::npos)
      << r.err;
  RunResult bad_root = run({FILEHTTPD_BIN, "--daemon", "--root", root_ + "/nope", "--listen",
                            "127.0.0.1:" + std::to_string(free_port()), "--log-target", base_.path() + "/e.log"});
  EXPECT_NE(bad_root.exit_code, 0);
  EXPECT_NE(bad_root.err.find("nope"), std::string::npos) << bad_root.err;
}

// ---------------------------------------------------------------- logging

TEST_F(Ops, SyslogReachesARealSyslogDaemon) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to give the test its own /dev/log in a private mount namespace";
  put("a.txt", "A");
  std::string messages = base_.path() + "/messages";
  std::string script = syslogd_script(messages) + std::string(FILEHTTPD_BIN) + " --root " + root_ +
                       " --listen 127.0.0.1:" + std::to_string(port_) +
                       " --log-target syslog --access-log syslog &\n"
                       "SRV=$!\n"
                       "for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:" +
                       std::to_string(port_) +
                       "/a.txt && break; sleep 0.05; done\n"
                       "kill -TERM $SRV; wait $SRV; RC=$?\n"
                       "sleep 0.2; kill $SYSLOGD\n"
                       "exit $RC\n";
  RunResult r = run_with_private_mounts(script, 30s);
  if (private_mounts_refused(r)) {
    GTEST_SKIP() << "this machine does not allow a private mount namespace: " << r.err;
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string log = read_file(messages);
  EXPECT_NE(log.find("daemon.info filehttpd["), std::string::npos) << log;
  EXPECT_NE(log.find("listening on 127.0.0.1:" + std::to_string(port_)), std::string::npos) << log;
  EXPECT_NE(log.find("\"GET /a.txt HTTP/1.1\" 200 1"), std::string::npos) << log;
}

TEST_F(Ops, Sigusr1ReopensLogFiles) {
  put("a.txt", "A");
  std::string access = base_.path() + "/access.log";
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--access-log", access});
  get("/a.txt?first");
  EXPECT_TRUE(wait_until([&] { return read_file(access).find("first") != std::string::npos; }, 2s));
  std::filesystem::rename(access, access + ".1");
  server_->signal(SIGUSR1);
  EXPECT_TRUE(wait_until([&] { return std::filesystem::exists(access); }, 2s));
  sleep_for(100ms);  // the worker reopens on its control pipe
  get("/a.txt?second");
  EXPECT_TRUE(wait_until([&] { return read_file(access).find("second") != std::string::npos; }, 2s))
      << read_file(access);
  EXPECT_EQ(read_file(access + ".1").find("second"), std::string::npos);
}

// ---------------------------------------------------------------- supervision

TEST_F(Ops, KilledWorkerIsRespawned) {
  put("a.txt", "A");
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_)});
  std::vector<pid_t> before = children_of(server_->pid());
  ASSERT_EQ(before.size(), 1u);
  kill(before[0], SIGKILL);
  auto t0 = std::chrono::steady_clock::now();
  bool back = wait_until([&] { return body_of(get("/a.txt")) == "A"; }, 1s);
  EXPECT_TRUE(back) << server_->stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1100ms);
  std::vector<pid_t> after = children_of(server_->pid());
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0], before[0]);
  EXPECT_NE(server_->stderr_text().find("died unexpectedly"), std::string::npos);
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(3s), 0);
}

TEST_F(Ops, CrashLoopIsRateLimited) {
  put("a.txt", "A");
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_)});
  std::set<pid_t> seen;
  auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 2500ms) {
    for (pid_t p : children_of(server_->pid())) {
      if (seen.insert(p).second) kill(p, SIGKILL);
    }
    sleep_for(5ms);
  }
  // Immediate first respawn, then at most one per second: about 3 in 2.5 s.
  EXPECT_GE(seen.size(), 2u);
  EXPECT_LE(seen.size(), 5u);
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(3s), 0);
}

TEST_F(Ops, ReloadSwitchesRootWithoutFailedRequests) {
  std::string old_root = base_.mkdir("old");
  std::string new_root = base_.mkdir("new");
  base_.write("old/v.txt", "old");
  base_.write("new/v.txt", "new");
  std::string file = config(basic_config(old_root));
  start_with({"-c", file});
  ASSERT_EQ(body_of(get("/v.txt")), "old");

  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0}, saw_new{0};
  std::thread load([&] {
    auto end = std::chrono::steady_clock::now() + 8s;
    for (int i = 0; i < 50000 && !done && std::chrono::steady_clock::now() < end; ++i) {
      std::string r = get("/v.txt");
      std::string b = body_of(r);
      if (status_of(r) == 200 && (b == "old" || b == "new")) {
        ++ok;
        if (b == "new") ++saw_new;
      } else {
        ++failed;
      }
    }
  });
  sleep_for(200ms);
  config(basic_config(new_root));
  server_->signal(SIGHUP);
  wait_until([&] { return saw_new > 20; }, 5s);
  done = true;
  load.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 20);
  EXPECT_GT(saw_new.load(), 0);
  EXPECT_EQ(body_of(get("/v.txt")), "new");
  // The old generation's worker has gone; one worker remains.
  EXPECT_TRUE(wait_until([&] { return children_of(server_->pid()).size() == 1; }, 3s));
}

TEST_F(Ops, ReloadWithBrokenConfigKeepsServing) {
  put("v.txt", "still-old");
  std::string file = config(basic_config(root_));
  start_with({"-c", file});
  std::vector<pid_t> workers = children_of(server_->pid());
  config("root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(port_) + "\"]\n[limits]\nbogus = 1\n");
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return server_->stderr_text().find("reload failed") != std::string::npos; }, 2s));
  EXPECT_NE(server_->stderr_text().find("unknown key 'limits.bogus'"), std::string::npos) << server_->stderr_text();
  EXPECT_EQ(body_of(get("/v.txt")), "still-old");
  EXPECT_EQ(children_of(server_->pid()), workers);
}

TEST_F(Ops, ReloadBindsNewAddressesAndClosesRemovedOnes) {
  put("a.txt", "A");
  int second = free_port();
  std::string file = config(basic_config(root_));
  start_with({"-c", file});
  config("root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(second) + "\"]\n");
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return body_of(raw_request(second, "GET /a.txt HTTP/1.0\r\n\r\n", 1s)) == "A"; }, 3s));
  EXPECT_TRUE(wait_until(
      [&] {
        int fd = connect_to(port_);
        if (fd >= 0) close(fd);
        return fd < 0;
      },
      3s));
}

TEST_F(Ops, TwoWorkersBothServeAndStopTogether) {
  put("ppid.sh", "#!/bin/sh\nsleep 0.05\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s' \"$PPID\"\n", 0755);
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--workers", "2"});
  ASSERT_TRUE(wait_until([&] { return children_of(server_->pid()).size() == 2; }, 3s));
  std::vector<pid_t> workers = children_of(server_->pid());
  std::set<std::string> served_by;
  for (int round = 0; round < 5 && served_by.size() < 2; ++round) {
    std::vector<std::thread> ts;
    std::mutex m;
    for (int i = 0; i < 20; ++i) {
      ts.emplace_back([&] {
        std::string b = body_of(raw_request(port_, "GET /ppid.sh HTTP/1.0\r\n\r\n", 3s));
        std::lock_guard<std::mutex> g(m);
        served_by.insert(b);
      });
    }
    for (auto& t : ts) t.join();
  }
  std::set<std::string> expect{std::to_string(workers[0]), std::to_string(workers[1])};
  EXPECT_EQ(served_by, expect);
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(3s), 0);
  EXPECT_FALSE(process_alive(workers[0]));
  EXPECT_FALSE(process_alive(workers[1]));
}

TEST_F(Ops, ReloadStillWorksWithReducedCapabilities) {
  if (getuid() != 0) GTEST_SKIP() << "privilege dropping needs the test to run as root";
  std::string user = unprivileged_user();
  if (user.empty()) GTEST_SKIP() << "no unprivileged user exists";
  put("a.txt", "A");
  int second = free_port();
  std::string file = config(basic_config(root_, "user = \"" + user + "\"\n"));
  start_with({"-c", file});
  config("root = \"" + root_ + "\"\nuser = \"" + user + "\"\nlisten = [\"127.0.0.1:" + std::to_string(second) +
         "\"]\n");
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return body_of(raw_request(second, "GET /a.txt HTTP/1.0\r\n\r\n", 1s)) == "A"; }, 3s))
      << server_->stderr_text();
  // A worker drops root just after its fork: each gets that moment.
  for (pid_t w : children_of(server_->pid())) {
    std::string status_path = "/proc/" + std::to_string(w) + "/status";
    EXPECT_TRUE(wait_until([&] { return read_file(status_path).find("Uid:\t0\t") == std::string::npos; }, 5s))
        << "worker " << w << " kept root";
  }
}

TEST_F(Ops, WorkerDropsPrivileges) {
  if (getuid() != 0) GTEST_SKIP() << "privilege dropping needs the test to run as root";
  std::string user = unprivileged_user();
  if (user.empty()) GTEST_SKIP() << "no unprivileged user exists";
  put("a.txt", "A");
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--user", user});
  std::vector<pid_t> workers = children_of(server_->pid());
  ASSERT_EQ(workers.size(), 1u);
  // The listener accepts before the worker has finished starting, so the
  // worker may still be root for a moment: wait for it to have dropped.
  std::string status;
  std::smatch m;
  std::regex uid_line("Uid:\\t(\\d+)\\t(\\d+)\\t(\\d+)");
  wait_until(
      [&] {
        status = read_file("/proc/" + std::to_string(workers[0]) + "/status");
        return std::regex_search(status, m, uid_line) && m[1].str() != "0";
      },
      5s);
  ASSERT_TRUE(std::regex_search(status, m, uid_line)) << status;
  EXPECT_NE(m[1].str(), "0");
  EXPECT_NE(m[2].str(), "0");
  EXPECT_NE(m[3].str(), "0");
  std::string sup = read_file("/proc/" + std::to_string(server_->pid()) + "/status");
  EXPECT_NE(sup.find("Uid:\t0\t"), std::string::npos);
  // The supervisor keeps only bind, setuid/setgid and file-access capabilities.
  EXPECT_NE(sup.find("CapEff:\t00000000000004c6\n"), std::string::npos) << sup;
  EXPECT_NE(sup.find("CapBnd:\t00000000000004c6\n"), std::string::npos) << sup;
  EXPECT_EQ(body_of(get("/a.txt")), "A");
  RunResult bad = run({FILEHTTPD_BIN, "--root", root_, "--listen", "127.0.0.1:" + std::to_string(free_port()), "--user",
                       "no-such-user-here"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("user 'no-such-user-here' does not exist"), std::string::npos) << bad.err;
}

// ---------------------------------------------------------------- systemd

// The health path says 200 while serving; with shutdown_delay, SIGTERM first
// turns it to 503 while files are still served, and the server stops (exit 0)
// once the delay has passed.
TEST_F(Ops, ShutdownDelayKeepsServingWithHealth503) {
  put("a.txt", "A");
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--health-path", "/-/health",
              "--shutdown-delay", "1500ms"});
  std::string ok = get("/-/health");
  EXPECT_EQ(status_of(ok), 200) << ok;
  EXPECT_EQ(body_of(ok), "ok\n");
  EXPECT_EQ(header(ok, "Cache-Control"), "no-store");
  EXPECT_EQ(status_of(raw_request(port_,
                                  "POST /-/health HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n",
                                  3s)),
            405);
  auto t0 = std::chrono::steady_clock::now();
  server_->signal(SIGTERM);
  EXPECT_TRUE(wait_until([&] { return status_of(get("/-/health")) == 503; }, 1s));
  EXPECT_EQ(body_of(get("/-/health")), "stopping\n");
  EXPECT_EQ(body_of(get("/a.txt")), "A") << "new connections must still be served during the delay";
  EXPECT_TRUE(server_->alive());
  EXPECT_EQ(server_->wait_exit(5s), 0);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 4s);
}

// A second SIGTERM during the delay stops at once; without a delay nothing waits.
TEST_F(Ops, SecondSigtermSkipsTheShutdownDelay) {
  put("a.txt", "A");
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--health-path", "/-/health",
              "--shutdown-delay", "30s"});
  server_->signal(SIGTERM);
  EXPECT_TRUE(wait_until([&] { return status_of(get("/-/health")) == 503; }, 1s));
  auto t0 = std::chrono::steady_clock::now();
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}
