#include "harness.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace testing_support {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

TempDir::TempDir() {
  char tmpl[] = "/tmp/filehttpd-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
  chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  // Make everything removable even after permission tests.
  for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0755);
  }
  fs::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& rel, const std::string& content, unsigned mode) const {
  fs::path p = fs::path(path_) / rel;
  fs::create_directories(p.parent_path());
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  chmod(p.c_str(), mode);
  return p.string();
}

std::string TempDir::mkdir(const std::string& rel) const {
  fs::path p = fs::path(path_) / rel;
  fs::create_directories(p);
  chmod(p.c_str(), 0755);
  return p.string();
}

int free_port() {
  // The socket stays bound (never listening) until the test process ends: the
  // kernel then gives the port to no other socket, neither as another test's
  // free port nor as the source port of a client connection, which took it
  // between the pick and the server's bind when ctest ran tests side by side.
  // SO_REUSEADDR on both sides lets the server (and every peer the tests
  // start, which all set it) bind and listen on the port all the same.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return rc == 0 ? pid : -1;
}

int wait_with_timeout(pid_t pid, std::chrono::milliseconds timeout, bool& timed_out) {
  auto end = clock_type::now() + timeout;
  timed_out = false;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (r < 0) return -1;
    if (clock_type::now() >= end) {
      timed_out = true;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  RunResult r;
  char out_t[] = "/tmp/filehttpd-out-XXXXXX";
  char err_t[] = "/tmp/filehttpd-err-XXXXXX";
  int out_fd = mkstemp(out_t);
  int err_fd = mkstemp(err_t);
  pid_t pid = spawn(argv, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  if (pid > 0) {
    bool timed_out = false;
    r.exit_code = wait_with_timeout(pid, timeout, timed_out);
    if (timed_out) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      r.exit_code = -1;
    }
  }
  r.out = slurp(out_t);
  r.err = slurp(err_t);
  unlink(out_t);
  unlink(err_t);
  return r;
}

RunResult run_with_private_mounts(const std::string& script, std::chrono::milliseconds timeout) {
  return run({"unshare", "--mount", "--propagation", "private", "sh", "-e", "-c", script}, timeout);
}

bool private_mounts_refused(const RunResult& r) {
  return r.exit_code != 0 &&
         (r.err.find("not permitted") != std::string::npos || r.err.find("ermission denied") != std::string::npos);
}

RunResult curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"curl", "-s", "--max-time", "10"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

Server::Server(std::vector<std::string> args, std::vector<std::string> prefix, int err_fd) {
  std::vector<std::string> argv = prefix;
  argv.push_back(FILEHTTPD_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  start(argv, err_fd);
}

Server::Server(Program, const std::vector<std::string>& argv, int err_fd) { start(argv, err_fd); }

std::unique_ptr<Server> Server::program(const std::vector<std::string>& argv) {
  return std::unique_ptr<Server>(new Server(Program{}, argv, -1));
}

void Server::start(const std::vector<std::string>& argv, int err_fd) {
  if (err_fd >= 0) {
    pid_ = spawn(argv, err_fd, err_fd);
    return;
  }
  char err_t[] = "/tmp/filehttpd-srv-XXXXXX";
  int file_fd = mkstemp(err_t);
  chmod(err_t, 0666);
  err_path_ = err_t;
  pid_ = spawn(argv, file_fd, file_fd);
  close(file_fd);
}

Server::~Server() {
  if (pid_ > 0 && !reaped_) {
    // The workers (and anything they run) go too, and are waited for: a worker
    // outliving its supervisor for a moment still holds the listening socket,
    // and the next server a test starts on the same port would fail to bind.
    std::vector<pid_t> below = descendants_of(pid_);
    kill(pid_, SIGKILL);
    for (pid_t p : below) kill(p, SIGKILL);
    waitpid(pid_, nullptr, 0);
    wait_until(
        [&] {
          for (pid_t p : below)
            if (process_alive(p)) return false;
          return true;
        },
        std::chrono::seconds(5));
  }
  if (!err_path_.empty()) unlink(err_path_.c_str());
}

bool Server::wait_ready(int port, std::chrono::milliseconds timeout) {
  auto end = clock_type::now() + timeout;
  while (clock_type::now() < end) {
    int st = 0;
    if (!reaped_ && waitpid(pid_, &st, WNOHANG) == pid_) {
      reaped_ = true;
      return false;
    }
    int fd = connect_to(port);
    if (fd >= 0) {
      close(fd);
      // The supervisor binds before it forks: ready means a worker exists too.
      while (children_of(pid_).empty() && clock_type::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return !children_of(pid_).empty();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void Server::signal(int sig) const {
  if (pid_ > 0 && !reaped_) kill(pid_, sig);
}

int Server::wait_exit(std::chrono::milliseconds timeout) {
  if (reaped_) return -1;
  bool timed_out = false;
  int rc = wait_with_timeout(pid_, timeout, timed_out);
  if (timed_out) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  reaped_ = true;
  return rc;
}

bool Server::alive() const {
  return !reaped_ && process_alive(pid_);
}

std::string Server::stderr_text() const {
  return slurp(err_path_);
}

int connect_to(int port, int rcvbuf) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string read_n(int fd, std::size_t n, std::chrono::milliseconds timeout) {
  std::string out;
  auto end = clock_type::now() + timeout;
  char buf[65536];
  while (out.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock_type::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

std::string read_all(int fd, std::chrono::milliseconds timeout) {
  return read_n(fd, SIZE_MAX, timeout);
}

std::string raw_request(int port, const std::string& data, std::chrono::milliseconds timeout, bool shutdown_write) {
  int fd = connect_to(port);
  if (fd < 0) return "<connect failed>";
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  if (shutdown_write) shutdown(fd, SHUT_WR);
  std::string out = read_all(fd, timeout);
  close(fd);
  return out;
}

// Calls fn(pid) for every process in /proc.
template <typename Fn>
void for_each_pid(Fn fn) {
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    pid_t pid = std::atoi(e->d_name);
    if (pid > 0) fn(pid);
  }
  if (d) closedir(d);
}

std::vector<pid_t> children_of(pid_t ppid) {
  std::vector<pid_t> out;
  for_each_pid([&](pid_t pid) {
    std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) return;
    std::istringstream rest(stat.substr(close_paren + 2));
    char state;
    pid_t parent;
    rest >> state >> parent;
    if (parent == ppid) out.push_back(pid);
  });
  return out;
}

std::vector<pid_t> descendants_of(pid_t pid) {
  std::vector<pid_t> out;
  std::vector<pid_t> todo{pid};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children_of(p)) {
      out.push_back(c);
      todo.push_back(c);
    }
  }
  return out;
}

char process_state(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) return '?';
  return stat[close_paren + 2];
}

bool process_alive(pid_t pid) {
  char s = process_state(pid);
  return s != '?' && s != 'Z' && s != 'X';
}

std::vector<pid_t> pids_with_cmdline(const std::string& needle) {
  std::vector<pid_t> out;
  for_each_pid([&](pid_t pid) {
    std::string cmd = slurp("/proc/" + std::to_string(pid) + "/cmdline");
    for (char& c : cmd)
      if (c == '\0') c = ' ';
    if (cmd.find(needle) != std::string::npos) out.push_back(pid);
  });
  return out;
}

int fd_count(pid_t pid) {
  int n = 0;
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  while (dirent* e = d ? readdir(d) : nullptr)
    if (e->d_name[0] != '.') ++n;
  if (d) closedir(d);
  return n;
}

double cpu_seconds(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  std::size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream in(stat.substr(close_paren + 2));
  std::string field;
  // After the command: state is field 3; utime and stime are fields 14 and 15.
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string syslogd_script(const std::string& messages) {
  return "mount -t tmpfs tmpfs /dev\n"
         "mknod -m 666 /dev/null c 1 3\n"
         "busybox syslogd -n -O " +
         messages +
         " &\n"
         "SYSLOGD=$!\n"
         "for i in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done\n";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string unprivileged_user() {
  for (const char* name : {"nobody", "daemon"}) {
    if (passwd* pw = getpwnam(name); pw && pw->pw_uid != 0) return name;
  }
  return "";
}

void sleep_for(std::chrono::milliseconds d) {
  std::this_thread::sleep_for(d);
}

std::string read_file(const std::string& path) {
  return slurp(path);
}

int status_of(const std::string& resp) {
  if (resp.size() < 12 || resp.rfind("HTTP/1.", 0) != 0) return -1;
  return std::stoi(resp.substr(9, 3));
}

std::string header(const std::string& resp, const std::string& name) {
  std::size_t head_end = resp.find("\r\n\r\n");
  std::size_t pos = resp.find("\r\n");
  while (pos != std::string::npos && pos < head_end) {
    std::size_t line = pos + 2;
    std::size_t eol = resp.find("\r\n", line);
    if (eol == std::string::npos) break;
    if (eol - line > name.size() && resp[line + name.size()] == ':' &&
        strncasecmp(resp.data() + line, name.data(), name.size()) == 0) {
      std::size_t v = line + name.size() + 1;
      while (v < eol && resp[v] == ' ') ++v;
      return resp.substr(v, eol - v);
    }
    pos = eol;
  }
  return "";
}

std::string body_of(const std::string& resp) {
  auto p = resp.find("\r\n\r\n");
  return p == std::string::npos ? "" : resp.substr(p + 4);
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto end = clock_type::now() + timeout;
  while (clock_type::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

void ServerTest::SetUp() {
  root_ = base_.mkdir("www");
  base_.write("secret.txt", "TOP-SECRET\n");
  port_ = free_port();
  url_ = "http://127.0.0.1:" + std::to_string(port_);
}

void ServerTest::start_with(const std::vector<std::string>& args, const std::vector<std::string>& prefix) {
  // A server started before stops first: the new one binds the same port, which
  // the old one would still hold until the assignment below destroyed it.
  server_.reset();
  server_ = std::make_unique<Server>(args, prefix);
  ASSERT_TRUE(server_->wait_ready(port_)) << server_->stderr_text();
}

std::string ServerTest::put(const std::string& rel, const std::string& content, unsigned mode) {
  return base_.write("www/" + rel, content, mode);
}

void HttpServerTest::start(std::vector<std::string> extra, std::vector<std::string> prefix) {
  std::vector<std::string> args{"--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_)};
  args.insert(args.end(), extra.begin(), extra.end());
  start_with(args, prefix);
}

std::string HttpServerTest::req(const std::string& raw, std::chrono::milliseconds timeout) {
  return raw_request(port_, raw, timeout);
}

std::string HttpServerTest::get(const std::string& target, const std::string& extra) {
  return req("GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + extra + "\r\n");
}

long long sample_of(const std::string& metrics, const std::string& key) {
  // Only at the start of a line: a key is never taken for the tail of a longer name.
  std::string line = key + " ";
  std::size_t at = metrics.starts_with(line) ? 0 : metrics.find("\n" + line);
  if (at == std::string::npos) return -1;
  if (at > 0) ++at;
  return std::stoll(metrics.substr(at + line.size()));
}

std::string ktls_missing() {
  std::ifstream ulp("/proc/sys/net/ipv4/tcp_available_ulp");
  std::string word;
  while (ulp >> word)
    if (word == "tls") return "";
  utsname u{};
  uname(&u);
  std::string dir = std::string("/lib/modules/") + u.release + "/kernel/net/tls";
  if (std::filesystem::exists(dir)) return "";
  return "the kernel has no tls ULP (/proc/sys/net/ipv4/tcp_available_ulp lists no tls, and " + dir +
         " is missing), so OpenSSL cannot turn on kTLS";
}

}  // namespace testing_support
