#include "cgi.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "signals.hpp"

namespace filehttpd {

namespace {

constexpr const char* k_default_path = "/usr/local/bin:/usr/bin:/bin";

std::string header_to_env(std::string_view name) {
  std::string out = "HTTP_";
  for (char c : name) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

bool is_hop_by_hop(std::string_view name) {
  static const char* const k_hop[] = {"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding",
                                      "TE",         "Trailer",    "Upgrade"};
  for (const char* h : k_hop)
    if (iequals(name, h)) return true;
  return false;
}

// Everything the child needs, prepared before vfork so the child allocates nothing.
struct ExecPlan {
  const char* program;
  const char* cwd;
  char* const* argv;
  char* const* envp;
  int stdin_fd;  // the body pipe, or /dev/null
  int stdout_fd;
  int err_fd;  // close-on-exec pipe that carries errno if exec fails
  std::uint64_t rlimit_cpu;
  std::uint64_t rlimit_as;
  std::uint64_t rlimit_nofile;
  std::uint64_t non_default_signals;
};

// Lowers one resource limit (both soft and hard); 0 leaves it alone.
int apply_limit(int resource, std::uint64_t value) {
  if (value == 0) return 0;
  rlimit rl{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
  return setrlimit(resource, &rl) == 0 ? 0 : errno;
}

[[noreturn]] void exec_child(const ExecPlan* p) {
  // Default dispositions: exec resets handled signals, and main() already
  // undid inherited SIG_IGN, so this is normally an empty mask.
  reset_signals(p->non_default_signals);
  setpgid(0, 0);
  int in = p->stdin_fd;
  int err = 0;
  if (in < 0 || dup2(in, 0) < 0 || dup2(p->stdout_fd, 1) < 0) err = errno;
  if (!err && p->cwd && chdir(p->cwd) != 0) err = errno;
  if (!err) err = apply_limit(RLIMIT_CPU, p->rlimit_cpu);
  if (!err) err = apply_limit(RLIMIT_AS, p->rlimit_as);
  if (!err) err = apply_limit(RLIMIT_NOFILE, p->rlimit_nofile);
  if (!err) {
    // Nothing above fd 2 survives exec; the error pipe closes itself on success.
    syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
    std::uint64_t empty = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, nullptr, sizeof empty);
    execve(p->program, p->argv, p->envp);
    err = errno;
  }
  ssize_t ignored = write(p->err_fd, &err, sizeof err);
  (void)ignored;
  _exit(127);
}

[[gnu::noinline]] pid_t vfork_exec(const ExecPlan* plan) {
  pid_t pid = vfork();
  if (pid == 0) exec_child(plan);
  return pid;
}

}  // namespace

static int null_fd() {
  // One /dev/null per process serves every bodiless script's stdin.
  static const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd;
}

void prepare_cgi_spawning() {
  null_fd();
  non_default_signals();
}

void signal_group(pid_t pid, int sig) {
  if (pid > 0) ::kill(-pid, sig);
}

int spawn_cgi(const CgiSpawn& spec, CgiChildHandles& out) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return errno;
  unique_fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  unique_fd in_r, in_w;
  if (spec.with_stdin) {
    int in_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0) return errno;
    in_r.reset(in_pipe[0]);
    in_w.reset(in_pipe[1]);
  }

  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return errno;
  unique_fd err_r(err_pipe[0]), err_w(err_pipe[1]);

  std::vector<char*> envp;
  envp.reserve(spec.env.size() + 1);
  for (const std::string& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(spec.program.c_str()), nullptr};

  int dev_null = null_fd();
  if (!spec.with_stdin && dev_null < 0) return ENOENT;
  ExecPlan plan{spec.program.c_str(),
                spec.cwd.empty() ? nullptr : spec.cwd.c_str(),
                argv,
                envp.data(),
                spec.with_stdin ? in_r.get() : dev_null,
                out_w.get(),
                err_w.get(),
                spec.rlimit_cpu,
                spec.rlimit_as,
                spec.rlimit_nofile,
                non_default_signals()};
  pid_t pid = vfork_exec(&plan);
  if (pid < 0) return errno;
  err_w.reset();
  out_w.reset();
  in_r.reset();
  // vfork returned, so the child has exec'd or failed: the pipe holds errno or EOF.
  int child_err = 0;
  ssize_t got;
  do {
    got = read(err_r.get(), &child_err, sizeof child_err);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof child_err)) {
    waitpid(pid, nullptr, 0);
    return child_err ? child_err : EIO;
  }

  long pidfd = syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    int err = errno;
    signal_group(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return err;
  }
  fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  if (in_w) fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  out.pid = pid;
  out.pidfd.reset(static_cast<int>(pidfd));
  out.out = std::move(out_r);
  out.in = std::move(in_w);
  return 0;
}

std::vector<std::string> build_cgi_env(const Request& req, const Route& route, const PeerInfo& peer,
                                       const std::string& root_path, std::optional<std::uint64_t> body_length) {
  std::vector<std::string> env;
  env.reserve(24 + req.header_count);
  auto add = [&env](std::string_view name, std::string_view value) {
    std::string e(name);
    e.push_back('=');
    e.append(value);
    env.push_back(std::move(e));
  };
  // A fixed, safe PATH: the server's own may name directories a script should not trust.
  add("PATH", k_default_path);
  if (const char* tz = std::getenv("TZ")) add("TZ", tz);
  add("GATEWAY_INTERFACE", "CGI/1.1");
  add("SERVER_PROTOCOL", req.h2 ? "HTTP/2" : req.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1");
  add("SERVER_SOFTWARE", "filehttpd/" FILEHTTPD_VERSION);
  std::string server_name = peer.server_addr;
  if (const std::string* host = req.find("Host")) {
    std::string_view h(*host);
    if (!h.empty() && h.front() == '[') {
      auto close = h.find(']');
      server_name = std::string(h.substr(0, close == std::string_view::npos ? h.size() : close + 1));
    } else {
      server_name = std::string(h.substr(0, h.find(':')));
    }
  }
  add("SERVER_NAME", server_name);
  add("SERVER_PORT", std::to_string(peer.server_port));
  add("REQUEST_METHOD", req.method_name);
  add("REQUEST_URI", req.target);
  add("SCRIPT_NAME", route.path);
  add("SCRIPT_FILENAME", root_path + route.path);
  if (!route.path_info.empty()) {
    add("PATH_INFO", route.path_info);
    add("PATH_TRANSLATED", root_path + route.path_info);
  }
  add("QUERY_STRING", route.query);
  add("DOCUMENT_ROOT", root_path);
  add("REMOTE_ADDR", peer.remote_addr);
  if (!route.remote_user.empty()) {
    // The password never reaches the script: Authorization is left out below.
    add("AUTH_TYPE", "Basic");
    add("REMOTE_USER", route.remote_user);
  }
  add("REMOTE_PORT", std::to_string(peer.remote_port));
  if (body_length) {
    add("CONTENT_LENGTH", std::to_string(*body_length));
    if (const std::string* ct = req.find("Content-Type")) add("CONTENT_TYPE", *ct);
  }
  // The request came through the server's own checks (php-cgi insists on it).
  add("REDIRECT_STATUS", std::to_string(route.redirect_status));
  if (!peer.tls_protocol.empty()) {
    add("HTTPS", "on");
    add("REQUEST_SCHEME", "https");
    add("SSL_PROTOCOL", peer.tls_protocol);
    add("SSL_CIPHER", peer.tls_cipher);
    if (!peer.tls_sni.empty()) add("SSL_TLS_SNI", peer.tls_sni);
  }
  // Fields named in Connection are hop-by-hop too (RFC 9110 section 7.6.1).
  std::vector<std::string_view> named_in_connection;
  for (std::size_t i = 0; i < req.header_count; ++i)
    if (iequals(req.headers[i].name, "Connection")) append_list_items(req.headers[i].value, named_in_connection);
  for (std::size_t i = 0; i < req.header_count; ++i) {
    const Header& h = req.headers[i];
    if (h.name.find('_') != std::string::npos) continue;  // would alias another header
    if (iequals(h.name, "Proxy") || iequals(h.name, "Authorization") || iequals(h.name, "Content-Length") ||
        iequals(h.name, "Content-Type"))
      continue;
    // Hop-by-hop fields belong to this connection, not to the script.
    if (is_hop_by_hop(h.name) || (h.name.size() > 6 && iequals(std::string_view(h.name).substr(0, 6), "Proxy-")))
      continue;
    if (std::any_of(named_in_connection.begin(), named_in_connection.end(),
                    [&](std::string_view n) { return iequals(h.name, n); }))
      continue;
    std::string name = header_to_env(h.name);
    // Repeated headers are joined with ", " as RFC 3875 allows.
    bool merged = false;
    for (std::string& e : env) {
      if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
        e += ", " + h.value;
        merged = true;
        break;
      }
    }
    if (!merged) add(name, h.value);
  }
  return env;
}

void nph_status_to_field(std::string& head) {
  if (!head.starts_with("HTTP/1.") || head.size() < 9 || head[8] != ' ') return;
  if (head.find('\n') == std::string::npos) return;  // the line is not whole yet
  head.replace(0, 9, "Status: ");
}

CgiHeaderResult parse_cgi_headers(std::string_view data) {
  CgiHeaderResult r;
  std::size_t pos = 0;
  bool status_seen = false;
  while (true) {
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return r;  // need more
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      r.state = CgiHeaderResult::State::invalid;
      r.reason = "header line without a colon";
      return r;
    }
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!is_tchar(c)) {
        // A CR, NUL or space here would reach the client's head: response splitting.
        r.state = CgiHeaderResult::State::invalid;
        r.reason = c == ' ' || c == '\t' ? "white space in a header name" : "a header name that is not a token";
        return r;
      }
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (!is_field_value(value)) {
      r.state = CgiHeaderResult::State::invalid;
      r.reason = "a control byte (CR, NUL, ...) in a header value";
      return r;
    }
    if (iequals(name, "Status")) {
      if (value.size() < 3 || !std::isdigit(static_cast<unsigned char>(value[0])) ||
          !std::isdigit(static_cast<unsigned char>(value[1])) || !std::isdigit(static_cast<unsigned char>(value[2])) ||
          (value.size() > 3 && value[3] != ' ') || value[0] < '1' || value[0] > '5') {
        r.state = CgiHeaderResult::State::invalid;
        r.reason = "malformed Status header";
        return r;
      }
      r.status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
      if (value.size() > 4) r.reason_phrase = std::string(value.substr(4));
      for (char c : r.reason_phrase) {
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          r.state = CgiHeaderResult::State::invalid;
          r.reason = "control character in the Status reason";
          return r;
        }
      }
      status_seen = true;
      r.has_status = true;
      continue;
    }
    if (iequals(name, "Location")) {
      r.location = std::string(value);
      continue;
    }
    if (iequals(name, "Content-Type")) r.has_content_type = true;
    if (iequals(name, "Content-Length")) {
      std::uint64_t n = 0;
      if (value.empty()) {
        r.state = CgiHeaderResult::State::invalid;
        r.reason = "empty Content-Length";
        return r;
      }
      for (char c : value) {
        if (c < '0' || c > '9') {
          r.state = CgiHeaderResult::State::invalid;
          r.reason = "malformed Content-Length";
          return r;
        }
        if (__builtin_mul_overflow(n, 10u, &n) || __builtin_add_overflow(n, static_cast<unsigned>(c - '0'), &n)) {
          r.state = CgiHeaderResult::State::invalid;
          r.reason = "Content-Length out of range";
          return r;
        }
      }
      r.has_content_length = true;
      r.content_length = n;
      continue;
    }
    if (is_hop_by_hop(name)) continue;
    r.headers.push_back({std::string(name), std::string(value)});
  }
  if (!r.location.empty() && !status_seen && r.location[0] != '/') r.status = 302;
  r.header_bytes = pos;
  r.state = CgiHeaderResult::State::done;
  return r;
}

}  // namespace filehttpd
