// systemd: the units verify, their exposure score, the server under their
// system-call filter, socket activation and sd_notify.
#include "ops_fixture.hpp"

using namespace testing_support;
using namespace ops_support;
using namespace std::chrono_literals;

TEST_F(Ops, SystemdUnitsVerify) {
  RunResult which = run({"sh", "-c", "command -v systemd-analyze"});
  if (which.exit_code != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  // Verify the shipped units with ExecStart pointing at this build's binary.
  std::string dir = base_.mkdir("units");
  for (const char* name : {"filehttpd.service", "filehttpd.socket"}) {
    std::string text = read_file(std::string(SOURCE_DIR) + "/systemd/" + name);
    ASSERT_FALSE(text.empty()) << name;
    text = std::regex_replace(text, std::regex("/usr/local/bin/filehttpd"), FILEHTTPD_BIN);
    base_.write(std::string("units/") + name, text);
  }
  RunResult r = run({"systemd-analyze", "verify", dir + "/filehttpd.service", dir + "/filehttpd.socket"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string service = read_file(std::string(SOURCE_DIR) + "/systemd/filehttpd.service");
  for (const char* line :
       {"Type=notify", "ExecStart=/usr/local/bin/filehttpd -c /etc/filehttpd/filehttpd.toml",
        "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM", "NoNewPrivileges=yes", "ProtectSystem=strict",
        "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID", "SystemCallFilter=@system-service",
        "SystemCallErrorNumber=EPERM"}) {
    EXPECT_NE(service.find(std::string(line) + "\n"), std::string::npos) << line;
  }
  // Not in the shipped unit: JIT interpreters run as CGI need W+X memory.
  EXPECT_EQ(service.find("\nMemoryDenyWriteExecute="), std::string::npos);
}

// The shipped unit's sandbox: an overall exposure of at most 2.5.
TEST_F(Ops, SystemdUnitExposureAtMost2Point5) {
  RunResult which = run({"sh", "-c", "command -v systemd-analyze"});
  if (which.exit_code != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  RunResult r =
      run({"systemd-analyze", "security", "--offline=true", std::string(SOURCE_DIR) + "/systemd/filehttpd.service"});
  std::smatch m;
  std::string all = r.out + r.err;
  ASSERT_TRUE(std::regex_search(all, m, std::regex("Overall exposure level for filehttpd.service: ([0-9.]+)"))) << all;
  double score = std::stod(m[1]);
  std::cout << "[ info ] systemd-analyze security: overall exposure " << score << "\n";
  EXPECT_LE(score, 2.5) << all;
}

// Returns the system calls of a systemd syscall-filter group, nested groups expanded.
std::set<std::string> syscall_group(const std::string& group, int depth = 0) {
  std::set<std::string> out;
  if (depth > 8) return out;
  RunResult r = run({"systemd-analyze", "syscall-filter", group});
  std::vector<std::string> lines = lines_of(r.out);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string name = lines[i];
    name.erase(0, name.find_first_not_of(" \t"));
    if (name.empty() || name[0] == '#') continue;
    if (name[0] == '@') {
      std::set<std::string> sub = syscall_group(name, depth + 1);
      out.insert(sub.begin(), sub.end());
    } else {
      out.insert(name);
    }
  }
  return out;
}

// The server under the unit's system-call allow-list (installed with
// libseccomp, since no systemd PID 1 runs here): -t, a file, a CGI script, a
// reload and a stop all work, and so does a password checked on the worker's
// verification threads (clone3, futex, eventfd); nothing was refused with EPERM.
TEST_F(Ops, ServesUnderTheUnitsSystemCallFilter) {
#ifndef SECCOMP_RUN_BIN
  GTEST_SKIP()
      << "libseccomp is missing, so tests/support/seccomp_run was not built (install-deps.sh --test installs it)";
#else
  RunResult which = run({"sh", "-c", "command -v systemd-analyze"});
  if (which.exit_code != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  // systemd-run would apply the unit's whole sandbox, but only with systemd as PID 1.
  std::string init = read_file("/proc/1/comm");
  if (init != "systemd\n")
    std::cout << "[ info ] PID 1 is " << (init.empty() ? "unknown\n" : init)
              << "[ info ] so systemd-run cannot apply the unit's sandbox here; its system-call filter is applied "
                 "with libseccomp instead\n";
  std::set<std::string> allowed = syscall_group("@system-service");
  ASSERT_GT(allowed.size(), 200u);
  std::string list;
  for (const std::string& name : allowed) list += name + "\n";
  std::string filter = base_.write("filter.txt", list);
  put("a.txt", "filtered");
  put("cgi/env.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"method=$REQUEST_METHOD\"\ncat\n",
      0755);
  // As the unit runs it: a root supervisor whose workers drop to a user.
  std::string user = geteuid() == 0 ? unprivileged_user() : "";
  put("private/p.txt", "behind a password");
  // `openssl passwd -6 -salt abcdefgh secret`
  std::string users = base_.write(
      "htpasswd",
      "alice:$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.\n");
  // With HTTPS on too: OpenSSL's calls (random bytes, the handshake) pass the filter.
  std::string key = base_.path() + "/tls.key", cert = base_.path() + "/tls.pem";
  RunResult made = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost"},
                       60s);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  int tls_port = free_port();
  std::string file = config(basic_config(root_, (user.empty() ? "" : "user = \"" + user + "\"\n") +
                                                    "[[auth]]\npath = \"/private/\"\nusers = \"" + users + "\"\n") +
                            "[tls]\nlisten = [\"127.0.0.1:" + std::to_string(tls_port) + "\"]\ncertificates = [{ cert = \"" +
                            cert + "\", key = \"" + key + "\" }]\n");
  RunResult t = run({SECCOMP_RUN_BIN, filter, FILEHTTPD_BIN, "-t", "-c", file});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  Server s({"-c", file}, {SECCOMP_RUN_BIN, filter});
  ASSERT_TRUE(s.wait_ready(port_)) << s.stderr_text();
  if (!user.empty()) {
    // The worker exists from the fork on and drops root just after: give it that moment.
    std::string status_path = "/proc/" + std::to_string(children_of(s.pid()).at(0)) + "/status";
    EXPECT_TRUE(wait_until([&] { return read_file(status_path).find("Uid:\t0\t") == std::string::npos; }, 5s))
        << "the worker kept root under the filter";
  }
  EXPECT_EQ(body_of(get("/a.txt")), "filtered");
  std::string tls_url = "https://localhost:" + std::to_string(tls_port) + "/a.txt";
  std::string resolve = "localhost:" + std::to_string(tls_port) + ":127.0.0.1";
  RunResult over_tls = curl({"--cacert", cert, "--resolve", resolve, tls_url});
  EXPECT_EQ(over_tls.out, "filtered") << over_tls.err << s.stderr_text();
  std::string cgi = raw_request(port_,
                                "POST /cgi/env.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                                "Connection: close\r\n\r\nhello",
                                3s);
  EXPECT_EQ(status_of(cgi), 200) << cgi << s.stderr_text();
  EXPECT_NE(cgi.find("method=POST"), std::string::npos) << cgi;
  EXPECT_NE(cgi.find("hello"), std::string::npos) << cgi;
  std::string secret = raw_request(port_,
                                   "GET /private/p.txt HTTP/1.1\r\nHost: t\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n"
                                   "Connection: close\r\n\r\n",
                                   3s);
  EXPECT_EQ(status_of(secret), 200) << secret << s.stderr_text();
  EXPECT_EQ(body_of(secret), "behind a password");
  s.signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return s.stderr_text().find("reloaded") != std::string::npos; }, 5s)) << s.stderr_text();
  EXPECT_EQ(body_of(get("/a.txt")), "filtered");
  EXPECT_EQ(curl({"--cacert", cert, "--resolve", resolve, tls_url}).out, "filtered");
  s.signal(SIGTERM);
  EXPECT_EQ(s.wait_exit(), 0);
  std::string err = s.stderr_text();
  EXPECT_EQ(err.find("Operation not permitted"), std::string::npos) << err;
#endif
}

TEST_F(Ops, SocketActivation) {
  RunResult which = run({"sh", "-c", "command -v systemd-socket-activate"});
  if (which.exit_code != 0) GTEST_SKIP() << "systemd-socket-activate is not installed";
  put("a.txt", "activated");
  // No --listen: the socket comes from systemd-socket-activate as fd 3.
  start_with({"--root", root_}, {"systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(port_)});
  EXPECT_EQ(curl({url_ + "/a.txt"}).out, "activated");
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(3s), 0);
}

TEST_F(Ops, NotifySocketGetsReadyThenStopping) {
  std::string path = base_.path() + "/notify.sock";
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strncpy(sun.sun_path, path.c_str(), sizeof sun.sun_path - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
  put("a.txt", "A");
  start_with({"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_)}, {"env", "NOTIFY_SOCKET=" + path});
  auto next = [&] { return read_n(fd, 1, 3s); };
  std::string ready = next();
  EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
  EXPECT_NE(ready.find("STATUS="), std::string::npos) << ready;
  server_->signal(SIGHUP);
  std::string reloading = next();
  EXPECT_NE(reloading.find("RELOADING=1"), std::string::npos) << reloading;
  EXPECT_NE(reloading.find("MONOTONIC_USEC="), std::string::npos) << reloading;
  EXPECT_NE(next().find("READY=1"), std::string::npos);
  server_->signal(SIGTERM);
  EXPECT_NE(next().find("STOPPING=1"), std::string::npos);
  EXPECT_EQ(server_->wait_exit(3s), 0);
  close(fd);
}

// ---------------------------------------------------------------- packaging
