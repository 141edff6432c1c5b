#pragma once
// Integration-test helpers: temporary directories, the real filehttpd binary
// on a free port, raw sockets, the curl CLI, and /proc inspection.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace testing_support {

// True in the AddressSanitizer build of .ci/run. There the server's CPU time,
// RSS and latency measure the sanitizer (its quarantine keeps freed memory,
// its checks slow every call), so tests report those figures instead of
// asserting bounds on them; the Release stage asserts the bounds.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool k_sanitized = true;
#else
inline constexpr bool k_sanitized = false;
#endif

// A temporary directory, removed with its contents at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes a file (creating parent dirs) with the given mode; returns its path.
  std::string write(const std::string& rel, const std::string& content, unsigned mode = 0644) const;
  // Creates a directory (and parents); returns its path.
  std::string mkdir(const std::string& rel) const;

 private:
  std::string path_;
};

// Returns a TCP port on 127.0.0.1 held for this test process: bound, never
// listening, so only a socket with SO_REUSEADDR (every server here) binds it.
int free_port();

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv to completion (stdin /dev/null) and captures stdout and stderr.
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Runs curl with args (-s is added) and returns its output and exit status.
RunResult curl(const std::vector<std::string>& args);

// A filehttpd process started for one test.
class Server {
 public:
  // Starts the binary with args. prefix (e.g. setpriv ...) goes before it.
  // With err_fd >= 0 the server's stdout and stderr are that fd (the caller
  // keeps it); otherwise a temporary file that stderr_text() reads.
  explicit Server(std::vector<std::string> args, std::vector<std::string> prefix = {}, int err_fd = -1);
  // Starts another program (argv[0] looked up in PATH), such as a test
  // ACME server, with the same output capture and the kill at destruction.
  static std::unique_ptr<Server> program(const std::vector<std::string>& argv);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Waits until 127.0.0.1:port accepts connections and a worker process
  // exists. Returns false on timeout or exit.
  bool wait_ready(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends sig to the server.
  void signal(int sig) const;
  // Waits for exit; returns the exit status, or -1 on timeout (then kills it),
  // or 128+N for signal N.
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Returns true while the process exists and is not a zombie.
  bool alive() const;
  pid_t pid() const { return pid_; }
  // Returns what the server wrote to stderr so far.
  std::string stderr_text() const;

 private:
  struct Program {};
  Server(Program, const std::vector<std::string>& argv, int err_fd);
  // Runs argv with stdout and stderr on err_fd, or on a temporary file when it is < 0.
  void start(const std::vector<std::string>& argv, int err_fd);

  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string err_path_;
};

// Connects to 127.0.0.1:port, sends data, optionally half-closes, and reads
// until EOF or timeout. Returns the bytes received.
std::string raw_request(int port, const std::string& data, std::chrono::milliseconds timeout = std::chrono::seconds(5),
                        bool shutdown_write = false);

// Returns a connected socket fd to 127.0.0.1:port, or -1. A rcvbuf > 0 is
// set before connecting (a small one makes a slow reader).
int connect_to(int port, int rcvbuf = 0);

// Reads from fd until EOF or timeout.
std::string read_all(int fd, std::chrono::milliseconds timeout);

// Reads from fd until it has at least n bytes, EOF or timeout.
std::string read_n(int fd, std::size_t n, std::chrono::milliseconds timeout);

// Returns the pids whose parent is ppid.
std::vector<pid_t> children_of(pid_t ppid);

// Returns every descendant pid of pid.
std::vector<pid_t> descendants_of(pid_t pid);

// Returns true when pid exists and is not a zombie.
bool process_alive(pid_t pid);

// Returns the pids whose command line contains needle.
std::vector<pid_t> pids_with_cmdline(const std::string& needle);

// Returns the state letter (R, S, Z, ...) from /proc/PID/stat, or '?' when gone.
char process_state(pid_t pid);

// Returns the number of open fds of pid.
int fd_count(pid_t pid);

// Returns utime + stime of pid itself from /proc/PID/stat, in seconds (-1 when gone).
double cpu_seconds(pid_t pid);

// Returns shell lines, for a private mount namespace, that put a tmpfs on
// /dev, start busybox syslogd writing to messages (its pid in $SYSLOGD) and
// wait until /dev/log exists.
std::string syslogd_script(const std::string& messages);

// Runs a shell script (sh -e) in a private mount namespace, so it may mount
// tmpfs file systems that vanish with it.
RunResult run_with_private_mounts(const std::string& script, std::chrono::milliseconds timeout);

// Returns true when r failed because this machine refuses a private mount namespace.
bool private_mounts_refused(const RunResult& r);

// Returns the lines of text (without their newlines; a last line without one counts).
std::vector<std::string> lines_of(const std::string& text);

// Returns the name of an unprivileged user to run as, or "" when none exists.
std::string unprivileged_user();

// Sleeps for d.
void sleep_for(std::chrono::milliseconds d);

// Returns a file's bytes ("" when unreadable).
std::string read_file(const std::string& path);

// Returns the status code of a raw HTTP response, or -1.
int status_of(const std::string& resp);

// Returns the value of the first header called name (any case) in the head
// of a raw response, or "" when there is none.
std::string header(const std::string& resp, const std::string& name);

// Returns what follows the first blank line of a raw response.
std::string body_of(const std::string& resp);

// Polls cond every 20 ms until it holds or timeout passes; returns the last result.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// Returns the value of the sample key (name{labels}) at the start of a line of a metrics text, or -1.
long long sample_of(const std::string& metrics, const std::string& key);

// Why kernel TLS cannot be used here, or "" when the kernel offers it: the
// tls ULP is registered, or its module is there for the kernel to load.
std::string ktls_missing();

// Base fixture: base_/www is the document root, base_/secret.txt sits beside
// it, and port_ is free. Subclasses decide how the server is started.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // Starts the binary with args and waits until port_ accepts.
  void start_with(const std::vector<std::string>& args, const std::vector<std::string>& prefix = {});
  // Writes a file below the root.
  std::string put(const std::string& rel, const std::string& content, unsigned mode = 0644);

  TempDir base_;
  std::string root_;
  int port_ = 0;
  std::string url_;
  std::unique_ptr<Server> server_;
};

// Fixture for the http profile: --root and --listen on 127.0.0.1:port_.
class HttpServerTest : public ServerTest {
 protected:
  // Starts the server with the extra flags (and a command prefix).
  void start(std::vector<std::string> extra = {}, std::vector<std::string> prefix = {});
  // Sends raw bytes on a new connection and returns all that comes back.
  std::string req(const std::string& raw, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // GET target with Host and Connection: close, plus extra header lines.
  std::string get(const std::string& target, const std::string& extra = "");
};

}  // namespace testing_support
