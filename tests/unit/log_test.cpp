// Log lines and destinations: escaping tables, the Combined line, and
// LogDest over real pipes and sockets whose readers stall, seeded.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "access_log.hpp"
#include "log_dest.hpp"

using namespace filehttpd;

namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_log_escaped(out, s);
  return out;
}

// Blocks SIGPIPE in this thread and discards a pending one at destruction.
struct SigpipeBlocked {
  sigset_t set{};
  sigset_t old{};
  SigpipeBlocked() {
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old);
  }
  ~SigpipeBlocked() {
    timespec zero{0, 0};
    while (sigtimedwait(&set, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
};

// Reads what is there without blocking.
std::string read_available(int fd, std::size_t max) {
  std::string out(max, '\0');
  ssize_t n = read(fd, out.data(), max);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

// Sums N over the lines "N log lines dropped ..." and removes them from lines.
std::uint64_t take_reports(std::vector<std::string>& lines) {
  std::uint64_t sum = 0;
  std::vector<std::string> kept;
  std::regex report("^(\\d+) log lines dropped while the destination was not taking them$");
  for (auto& l : lines) {
    std::smatch m;
    if (std::regex_match(l, m, report))
      sum += std::stoull(m[1]);
    else
      kept.push_back(l);
  }
  lines.swap(kept);
  return sum;
}

std::vector<std::string> split_lines(const std::string& text, bool& partial) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      partial = true;
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- escaping

TEST(LogEscape, Table) {
  struct Row {
    std::string in, out;
  } rows[] = {
      {"", ""},
      {"GET / HTTP/1.1", "GET / HTTP/1.1"},
      {"a\"b", "a\\x22b"},
      {"a\\b", "a\\x5Cb"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"tab\there", "tab\\x09here"},
      {"cr\rlf\n", "cr\\x0Dlf\\x0A"},
      {"\x1b[31mred", "\\x1B[31mred"},
      {"del\x7f", "del\\x7F"},
      {"caf\xc3\xa9", "caf\\xC3\\xA9"},
      {"~ !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}", "~ !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}"},
  };
  for (const Row& r : rows) EXPECT_EQ(escaped(r.in), r.out) << r.in;
}

TEST(LogEscape, ControlsOnlyForErrorLines) {
  std::string out;
  append_without_controls(out, std::string("quote\" back\\ \x01\x1f\x7f\n caf\xc3\xa9", 23));
  EXPECT_EQ(out, "quote\" back\\ \\x01\\x1F\\x7F\\x0A caf\xc3\xa9");
}

TEST(AccessLine, CombinedFormat) {
  AccessEntry e;
  e.peer = "127.0.0.1";
  e.time = "23/Nov/2026:09:26:21 +0000";
  e.request_line = "GET /x?\"q\" HTTP/1.1";
  e.status = 200;
  e.body_bytes = 1234;
  e.user_agent = "curl/7.88.1";
  std::string out;
  format_access_line(out, e);
  EXPECT_EQ(out,
            "127.0.0.1 - - [23/Nov/2026:09:26:21 +0000] \"GET /x?\\x22q\\x22 HTTP/1.1\" 200 1234 \"-\" "
            "\"curl/7.88.1\"");
  AccessEntry bad;
  bad.peer = "::1";
  bad.time = "t";
  bad.request_line = "-";
  bad.status = 400;
  out.clear();
  format_access_line(out, bad);
  EXPECT_EQ(out, "::1 - - [t] \"-\" 400 0 \"-\" \"-\"");
  // Every field is escaped, the peer too: the line never holds a control byte,
  // so the log destination queues it without a second pass.
  AccessEntry odd = bad;
  odd.peer = "unix:/run/a\nb";
  out.clear();
  format_access_line(out, odd);
  EXPECT_EQ(out, "unix:/run/a\\x0Ab - - [t] \"-\" 400 0 \"-\" \"-\"");
  // The user an [[auth]] rule let in takes the third field, escaped like the rest.
  AccessEntry user = bad;
  user.user = "al ice\"";
  out.clear();
  format_access_line(out, user);
  EXPECT_EQ(out, "::1 - al ice\\x22 [t] \"-\" 400 0 \"-\" \"-\"");
}

TEST(SyslogLine, PrefixIsRfc3164WithFacilityDaemon) {
  setenv("TZ", "UTC", 1);
  tzset();
  std::time_t t = 1795426581;  // 2026-11-23 09:36:21 UTC
  EXPECT_EQ(syslog_prefix(6, t, 42), "<30>Nov 23 09:36:21 filehttpd[42]: ");
  EXPECT_EQ(syslog_prefix(3, t, 7), "<27>Nov 23 09:36:21 filehttpd[7]: ");
  EXPECT_EQ(syslog_prefix(4, t - 22 * 86400, 7), "<28>Nov  1 09:36:21 filehttpd[7]: ");
}

// ---------------------------------------------------------------- LogDest

// A writer and a reader of one small pipe, both driven by a seeded generator:
// lines of random length, reads of random size at random moments. Whatever
// the interleaving, every line arrives whole, in order, or is counted as
// dropped, and the counts reported add up to the drops.
TEST(LogDest, PipeWithStallingReaderKeepsLinesWholeAndCounted) {
  std::uint64_t all_dropped = 0, all_delivered = 0;
  for (unsigned seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096 << (rng() % 3));
    LogDest dest(DestKind::pipe, unique_fd(p[1]), "test-pipe");
    std::string received;
    std::uint64_t next = 0;
    std::uniform_int_distribution<int> len(0, 600);
    for (int step = 0; step < 400; ++step) {
      int lines = static_cast<int>(rng() % 40);
      for (int i = 0; i < lines; ++i) {
        std::string line = "L" + std::to_string(next++) + ":" + std::string(static_cast<std::size_t>(len(rng)), 'x');
        dest.add(line);
      }
      if (rng() % 3) dest.flush();
      if (rng() % 4 == 0) received += read_available(p[0], 1 + rng() % 20000);
    }
    for (int i = 0; i < 10000 && !dest.flush(); ++i) received += read_available(p[0], 65536);
    ASSERT_TRUE(dest.add("the end"));
    for (int i = 0; i < 10000 && !dest.flush(); ++i) received += read_available(p[0], 65536);
    received += read_available(p[0], 1 << 20);
    ASSERT_EQ(dest.queued(), 0u);
    bool partial = false;
    std::vector<std::string> got = split_lines(received, partial);
    EXPECT_FALSE(partial);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), "the end");
    got.pop_back();
    std::uint64_t reported = take_reports(got);
    EXPECT_EQ(reported, dest.dropped());
    EXPECT_EQ(got.size() + dest.dropped(), next);
    all_dropped += dest.dropped();
    all_delivered += got.size();
    long long last = -1;
    for (const std::string& l : got) {
      std::size_t colon = l.find(':');
      ASSERT_NE(colon, std::string::npos) << l;
      long long n = std::stoll(l.substr(1, colon - 1));
      EXPECT_GT(n, last) << "out of order";
      last = n;
      EXPECT_EQ(l.find_first_not_of('x', colon + 1), std::string::npos) << "a cut line";
    }
    close(p[0]);
  }
  // The generator must have made the reader stall long enough to drop lines.
  EXPECT_GT(all_dropped, 0u);
  EXPECT_GT(all_delivered, 0u);
}

// A pipe whose reader has gone: every write fails with EPIPE, the lines are
// dropped and counted, and nothing blocks.
TEST(LogDest, PipeWithoutReaderDropsAndCounts) {
  SigpipeBlocked blocked;
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  close(p[0]);
  LogDest dest(DestKind::pipe, unique_fd(p[1]), "gone");
  for (int i = 0; i < 1000; ++i) {
    dest.add("line " + std::to_string(i));
    dest.flush();
  }
  EXPECT_EQ(dest.dropped(), 1000u);
  EXPECT_EQ(dest.queued(), 0u);
}

// A datagram socket nobody reads stands in for a stopped syslog daemon: the
// queue fills, lines are dropped; once the reader drains, the count follows.
TEST(LogDest, SyslogSocketThatStopsReading) {
  std::string path = "/tmp/filehttpd-unit-log-" + std::to_string(getpid());
  unlink(path.c_str());
  int srv = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  ASSERT_GE(srv, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(bind(srv, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  LogDest dest(DestKind::syslog, unique_fd(), path);
  const int total = 20000;
  for (int i = 0; i < total; ++i) {
    dest.add("line " + std::to_string(i), 6);
    dest.flush();
  }
  EXPECT_GT(dest.dropped(), 0u);
  std::vector<std::string> got;
  char buf[2048];
  auto drain = [&] {
    ssize_t n;
    while ((n = recv(srv, buf, sizeof buf, 0)) > 0) got.emplace_back(buf, static_cast<std::size_t>(n));
  };
  for (int i = 0; i < 1000 && (drain(), !dest.flush()); ++i) {
  }
  drain();
  dest.add("last", 6);
  dest.flush();
  drain();
  ASSERT_FALSE(got.empty());
  std::regex shape("^<(\\d+)>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d filehttpd\\[\\d+\\]: (.*)$");
  std::uint64_t lines = 0, reported = 0;
  for (const std::string& d : got) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(d, m, shape)) << d;
    std::string text = m[2];
    std::smatch r;
    if (std::regex_match(text, r, std::regex("^(\\d+) log lines dropped.*"))) {
      EXPECT_EQ(m[1], "28");  // daemon.warning
      reported += std::stoull(r[1]);
    } else if (text != "last") {
      EXPECT_EQ(m[1], "30");  // daemon.info
      ++lines;
    }
  }
  EXPECT_EQ(reported, dest.dropped());
  EXPECT_EQ(lines + dest.dropped(), static_cast<std::uint64_t>(total));
  close(srv);
  unlink(path.c_str());
}

// No syslog daemon at all: lines are counted as dropped, nothing blocks or fails.
TEST(LogDest, SyslogWithoutDaemonCounts) {
  LogDest dest(DestKind::syslog, unique_fd(), "/tmp/filehttpd-no-such-socket");
  for (int i = 0; i < 10; ++i) {
    dest.add("x");
    EXPECT_TRUE(dest.flush());
  }
  EXPECT_EQ(dest.dropped(), 10u);
}

// A file: appended, reopened at its path after a rename, nothing lost.
TEST(LogDest, FileReopensAfterRename) {
  std::string path = "/tmp/filehttpd-unit-file-" + std::to_string(getpid()) + ".log";
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".1");
  std::string err;
  auto dest = LogDest::open(path, err);
  ASSERT_TRUE(dest) << err;
  dest->add("one");
  dest->add("two");
  std::filesystem::rename(path, path + ".1");
  EXPECT_EQ(dest->reopen(), "");
  dest->add("three");
  EXPECT_TRUE(dest->flush());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(slurp(path + ".1"), "one\ntwo\n");
  EXPECT_EQ(slurp(path), "three\n");
  EXPECT_EQ(dest->dropped(), 0u);
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".1");
  auto bad = LogDest::open("/nonexistent-dir/x.log", err);
  EXPECT_FALSE(bad);
  EXPECT_NE(err.find("/nonexistent-dir/x.log"), std::string::npos) << err;
}

// A forked child must not write the lines its parent had queued.
TEST(LogDest, AfterForkForgetsTheParentsQueue) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  LogDest dest(DestKind::pipe, unique_fd(p[1]), "p");
  dest.add("queued by the parent");
  dest.after_fork();
  dest.add("child");
  EXPECT_TRUE(dest.flush());
  EXPECT_EQ(read_available(p[0], 4096), "child\n");
  close(p[0]);
}
