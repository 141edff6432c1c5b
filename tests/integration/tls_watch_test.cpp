// tls.watch: the supervisor reloads certificates whose files change, with no
// signal. Files rewritten in place, symlinks swapped as certbot's live/ dir
// does, a broken key (the old certificate stays), and watch = false.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"
#include "tls_fixture.hpp"

using namespace testing_support;
using namespace std::chrono_literals;
using tls_testing::serial_of;

namespace {

class TlsWatch : public tls_testing::Tls {
 protected:
  // Starts the server from a config file whose one certificate is cert and
  // key, with [tls] lines extra_tls, then flags.
  void start_watching(const std::string& cert, const std::string& key, const std::string& extra_tls,
                      std::vector<std::string> flags = {}) {
    std::string file = dir_.write(
        "watch.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:" + std::to_string(plain_port_) +
                          "\"]\n[tls]\nlisten = [\"127.0.0.1:" + std::to_string(tls_port_) +
                          "\"]\ncertificates = [{ cert = \"" + cert + "\", key = \"" + key + "\" }]\n" + extra_tls);
    flags.insert(flags.begin(), {"-c", file});
    start_raw(flags);
  }

  // Returns the serial of the certificate the TLS port serves now (no SNI).
  std::string served_serial() { return tls_testing::served_serial(tls_port_, "", dir_.path() + "/served.pem"); }

  // Replaces path by a copy of from, through a rename (as most tools write).
  void replace(const std::string& path, const std::string& from, unsigned mode = 0644) {
    std::string tmp = dir_.write("pki/replace.tmp", read_file(from), mode);
    ASSERT_EQ(rename(tmp.c_str(), path.c_str()), 0);
  }
};

}  // namespace

TEST_F(TlsWatch, ReplacedFilesAreServedWithNoSignal) {
  leaf("a2", "rsa", "/CN=a-rsa", "DNS:a.test,DNS:localhost");  // a renewal: same names, new key and serial
  std::string cert = dir_.write("pki/cur.pem", read_file(pki_ + "/a.pem"));
  std::string key = dir_.write("pki/cur.key", read_file(pki_ + "/a.key"), 0600);
  start_watching(cert, key, "watch_interval = \"1s\"\n");
  std::string old_serial = serial_of(pki_ + "/a.pem"), new_serial = serial_of(pki_ + "/a2.pem");
  ASSERT_NE(old_serial, new_serial);
  EXPECT_EQ(served_serial(), old_serial);
  replace(key, pki_ + "/a2.key", 0600);
  dir_.write("pki/cur.pem", read_file(pki_ + "/a2.pem"));  // this one rewritten in place
  EXPECT_TRUE(wait_until([&] { return served_serial() == new_serial; }, 8s)) << server_->stderr_text();
  EXPECT_NE(server_->stderr_text().find(" changed: reloading the configuration"), std::string::npos)
      << server_->stderr_text();
  RunResult r = https({url("/")});
  EXPECT_EQ(r.out, "hello over tls\n") << r.err;
}

TEST_F(TlsWatch, SymlinkSwapAsCertbotDoesCounts) {
  leaf("a2", "rsa", "/CN=a-rsa", "DNS:a.test,DNS:localhost");
  // live/cert.pem -> ../archive/cert1.pem, and so on; a renewal re-points them.
  dir_.mkdir("archive");
  dir_.mkdir("live");
  for (const char* n : {"1", "2"}) {
    std::string from = std::string(n) == "1" ? "a" : "a2";
    dir_.write(std::string("archive/cert") + n + ".pem", read_file(pki_ + "/" + from + ".pem"));
    dir_.write(std::string("archive/privkey") + n + ".pem", read_file(pki_ + "/" + from + ".key"), 0600);
  }
  std::string live = dir_.path() + "/live/";
  ASSERT_EQ(symlink("../archive/cert1.pem", (live + "cert.pem").c_str()), 0);
  ASSERT_EQ(symlink("../archive/privkey1.pem", (live + "privkey.pem").c_str()), 0);
  start_watching(live + "cert.pem", live + "privkey.pem", "watch_interval = \"1s\"\n");
  std::string new_serial = serial_of(pki_ + "/a2.pem");
  EXPECT_EQ(served_serial(), serial_of(pki_ + "/a.pem"));
  for (const char* n : {"cert", "privkey"}) {
    std::string tmp = live + n + ".tmp";
    ASSERT_EQ(symlink((std::string("../archive/") + n + "2.pem").c_str(), tmp.c_str()), 0);
    ASSERT_EQ(rename(tmp.c_str(), (live + n + ".pem").c_str()), 0);
  }
  EXPECT_TRUE(wait_until([&] { return served_serial() == new_serial; }, 8s)) << server_->stderr_text();
}

TEST_F(TlsWatch, ABrokenKeyKeepsTheOldCertificateAndLogsOnce) {
  std::string cert = dir_.write("pki/cur.pem", read_file(pki_ + "/a.pem"));
  std::string key = dir_.write("pki/cur.key", read_file(pki_ + "/a.key"), 0600);
  start_watching(cert, key, "watch_interval = \"1s\"\n");
  std::string old_serial = serial_of(pki_ + "/a.pem");
  EXPECT_EQ(served_serial(), old_serial);
  dir_.write("pki/cur.key", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", 0600);
  EXPECT_TRUE(wait_until([&] { return server_->stderr_text().find("reload failed") != std::string::npos; }, 8s))
      << server_->stderr_text();
  std::this_thread::sleep_for(2500ms);  // more intervals: the same broken file is not retried
  std::string log = server_->stderr_text();
  std::size_t at = log.find("reload failed, keeping the running configuration: ");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_NE(log.find(key + ": not a usable PEM private key", at), std::string::npos) << log;
  EXPECT_EQ(log.find("reload failed", at + 1), std::string::npos) << log;
  EXPECT_NE(log.find(key + " changed: reloading the configuration"), std::string::npos) << log;
  EXPECT_EQ(served_serial(), old_serial);
  RunResult r = https({url("/")});
  EXPECT_EQ(r.out, "hello over tls\n") << r.err;
  // Mended: the next look reloads.
  dir_.write("pki/cur.pem", read_file(pki_ + "/b.pem"));
  dir_.write("pki/cur.key", read_file(pki_ + "/b.key"), 0600);
  EXPECT_TRUE(wait_until([&] { return served_serial() == serial_of(pki_ + "/b.pem"); }, 8s))
      << server_->stderr_text();
}

TEST_F(TlsWatch, WatchFalseWaitsForSighup) {
  std::string cert = dir_.write("pki/cur.pem", read_file(pki_ + "/a.pem"));
  std::string key = dir_.write("pki/cur.key", read_file(pki_ + "/a.key"), 0600);
  start_watching(cert, key, "watch = false\nwatch_interval = \"1s\"\n");
  std::string old_serial = serial_of(pki_ + "/a.pem");
  replace(cert, pki_ + "/b.pem");
  replace(key, pki_ + "/b.key", 0600);
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(served_serial(), old_serial);
  EXPECT_EQ(server_->stderr_text().find("reloading"), std::string::npos) << server_->stderr_text();
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return served_serial() == serial_of(pki_ + "/b.pem"); }, 8s))
      << server_->stderr_text();
}

TEST_F(TlsWatch, CheckConfigPrintsTheWatch) {
  auto check = [&](const std::string& tls_extra) {
    std::string file = dir_.write(
        "t.toml", "root = \"" + root_ + "\"\nlisten = [\"127.0.0.1:1\"]\n[tls]\nlisten = [\"127.0.0.1:2\"]\n" +
                      "certificates = [{ cert = \"" + pki_ + "/a.pem\", key = \"" + pki_ + "/a.key\" }]\n" + tls_extra);
    return run({FILEHTTPD_BIN, "-t", "-c", file});
  };
  RunResult r = check("");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("tls.watch: certificate and key files are checked every 1m and reloaded when they change"),
            std::string::npos)
      << r.err;
  r = check("watch_interval = \"90s\"\n");
  EXPECT_NE(r.err.find("checked every 90s"), std::string::npos) << r.err;
  r = check("watch = false\n");
  EXPECT_NE(r.err.find("tls.watch: off; certificates reload on SIGHUP only"), std::string::npos) << r.err;
  r = check("watch_interval = \"100ms\"\n");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("t.toml:6:18: tls.watch_interval must be a duration"), std::string::npos) << r.err;
}

TEST_F(TlsWatch, NoBusyLoopDuringTheShutdownDelay) {
  std::string cert = dir_.write("pki/cur.pem", read_file(pki_ + "/a.pem"));
  std::string key = dir_.write("pki/cur.key", read_file(pki_ + "/a.key"), 0600);
  start_watching(cert, key, "watch_interval = \"1s\"\n", {"--shutdown-delay", "4s"});
  server_->signal(SIGTERM);
  // The watch is off while stopping; the supervisor still sleeps until the
  // delay ends instead of waking for a look that never comes.
  std::this_thread::sleep_for(1200ms);
  double before = cpu_seconds(server_->pid());
  std::this_thread::sleep_for(2s);
  double used = cpu_seconds(server_->pid()) - before;
  EXPECT_LT(used, 0.2) << "the supervisor used " << used << " s of CPU in 2 s of shutdown_delay";
  EXPECT_EQ(server_->wait_exit(10s), 0) << server_->stderr_text();
}
