#include "startup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "config_auth.hpp"
#include "config_tls.hpp"
#include "listener.hpp"
#include "request_body.hpp"
#include "router.hpp"
#include "tls_context.hpp"
#include "tls_transport.hpp"

namespace filehttpd {

namespace {

// Capabilities the supervisor keeps once workers run as another user: bind
// (re-bind on reload), set ids (start workers), read and write past file
// modes (config, root, log files, pidfile, unix sockets on reload).
constexpr std::uint64_t k_kept_caps = (1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_SETUID) | (1ull << CAP_SETGID) |
                                      (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_DAC_READ_SEARCH);

}  // namespace

// Returns "" when CGI request bodies can spill where cfg says, else an error naming cgi.body_dir.
std::string check_body_dir(const Config& cfg) {
  if (cfg.profile != Profile::http || !cfg.cgi.enabled) return "";
  std::string dir = spill_dir_for(cfg.cgi.body_dir);
  std::string why = check_spill_dir(dir);
  return why.empty() ? "" : "cannot use cgi.body_dir '" + dir + "': " + why;
}

// Opens the document root. Returns "" or an error naming the path.
std::string open_root(const std::string& dir, Root& out) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return "cannot use root '" + dir + "': " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "cannot use root '" + dir + "': Not a directory";
  char real[PATH_MAX];
  if (!realpath(dir.c_str(), real)) return "cannot use root '" + dir + "': " + std::strerror(errno);
  int fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return "cannot use root '" + dir + "': " + std::strerror(errno);
  out.fd.reset(fd);
  out.path = real;
  if (out.path == "/") out.path.clear();  // so root_path + "/x" stays "/x"
  return "";
}

std::string open_site_roots(const Config& cfg, std::vector<Root>& out) {
  out.clear();
  for (const SiteConfig& site : cfg.sites) {
    out.emplace_back();
    std::string err = open_root(site.cfg->root, out.back());
    if (!err.empty()) return site.where + ": site " + site.names.front() + ": " + err;
  }
  return "";
}

// Resolves user/group. Returns "" or an error naming the key.
std::string resolve_credentials(const Config& cfg, Credentials& out) {
  out = Credentials{};
  if (cfg.user.empty() && cfg.group.empty()) return "";
  if (geteuid() != 0) return "";  // not root: nothing to drop, keep running as we are
  out.drop = true;
  out.uid = getuid();
  out.gid = getgid();
  if (!cfg.user.empty()) {
    passwd* pw = getpwnam(cfg.user.c_str());
    if (!pw) return "user '" + cfg.user + "' does not exist";
    out.uid = pw->pw_uid;
    out.gid = pw->pw_gid;
  }
  if (!cfg.group.empty()) {
    group* gr = getgrnam(cfg.group.c_str());
    if (!gr) return "group '" + cfg.group + "' does not exist";
    out.gid = gr->gr_gid;
  }
  return "";
}

// setgroups, setgid, setuid; then make sure root cannot be regained.
bool drop_privileges(const Credentials& c) {
  if (!c.drop) return true;
  if (setgroups(1, &c.gid) != 0 || setgid(c.gid) != 0 || setuid(c.uid) != 0) return false;
  if (c.uid != 0 && (setuid(0) == 0 || geteuid() == 0)) return false;
  return true;
}

// Drops every other capability from the bounding, permitted and effective
// sets. Returns "" or an error.
std::string keep_only_needed_caps() {
  for (int cap = 0; cap < 64; ++cap) {
    if (k_kept_caps & (1ull << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) break;  // past the last capability
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    data[i].permitted = static_cast<std::uint32_t>(k_kept_caps >> (32 * i));
    data[i].effective = data[i].permitted;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) return std::string("capset: ") + std::strerror(errno);
  return "";
}

std::vector<std::string> check_pages_as(const Config& cfg, const Root& root, const Credentials& creds) {
  if (!creds.drop) return Router(cfg, root.fd.get(), root.path).check_pages();
  if (cfg.fallback.empty() && cfg.error_pages.empty()) return {};
  // A child drops to the workers' user and group and checks; its warnings
  // come back one line each.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return {std::string("cannot check pages as the workers' user: pipe: ") + std::strerror(errno)};
  unique_fd in(fds[0]), out(fds[1]);
  pid_t pid = fork();
  if (pid < 0) return {std::string("cannot check pages as the workers' user: fork: ") + std::strerror(errno)};
  if (pid == 0) {
    in.reset();
    std::string text;
    if (!drop_privileges(creds)) {
      text = std::string("cannot check pages as the workers' user: ") + std::strerror(errno) + "\n";
    } else {
      for (const std::string& w : Router(cfg, root.fd.get(), root.path).check_pages())
        text += one_line_message(w) + "\n";
    }
    for (std::size_t done = 0; done < text.size();) {
      ssize_t n = write(out.get(), text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    _exit(0);
  }
  out.reset();
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  std::vector<std::string> warnings;
  for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
    warnings.push_back(text.substr(at, nl - at));
  return warnings;
}

namespace {

// check_config() before its messages are made one line.
// The HTTP/2 line of -t: where h2 is offered and its settings.
std::string http2_summary(const Config& cfg) {
  bool tls = !cfg.tls.listen.empty() && cfg.tls.http2;
  std::string where = tls && cfg.h2c ? "over TLS (ALPN h2) and h2c" : tls ? "over TLS (ALPN h2)" : cfg.h2c ? "h2c" : "";
  if (where.empty()) return "HTTP/2: off (tls.http2 needs TLS listeners; h2c = false)";
  return "HTTP/2: " + where + ", h2.max_concurrent_streams = " + std::to_string(cfg.h2.max_concurrent_streams) +
         ", h2.initial_window = " + std::to_string(cfg.h2.initial_window);
}

std::string check_config_raw(const Config& cfg, std::vector<std::string>& warnings, std::vector<std::string>& notes) {
  Root root;
  std::string err = open_root(cfg.root, root);
  if (!err.empty()) return err;
  Credentials creds;
  err = resolve_credentials(cfg, creds);
  if (!err.empty()) return err;
  warnings = check_pages_as(cfg, root, creds);
  std::vector<Root> site_roots;
  err = open_site_roots(cfg, site_roots);
  if (!err.empty()) return err;
  for (std::size_t i = 0; i < cfg.sites.size(); ++i) {
    const SiteConfig& site = cfg.sites[i];
    for (const std::string& w : check_pages_as(*site.cfg, site_roots[i], creds))
      warnings.push_back("site " + site.names.front() + ": " + w);
    std::string names;
    for (const std::string& n : site.names) names += (names.empty() ? "" : ", ") + n;
    notes.push_back("site " + names + ": root " + (site_roots[i].path.empty() ? "/" : site_roots[i].path) + " (" +
                    site.where + ")");
  }
  if (!cfg.sites.empty()) notes.push_back("default site (no name matched): root " + (root.path.empty() ? "/" : root.path));
  for (std::string& w : protection_warnings(cfg)) warnings.push_back(std::move(w));
  std::string rules = describe_protection(cfg);
  for (std::size_t at = 0, nl; (nl = rules.find('\n', at)) != std::string::npos; at = nl + 1)
    notes.push_back(rules.substr(at, nl - at));
  err = check_body_dir(cfg);
  if (!err.empty()) return err;
  for (const std::string& spec : cfg.listen) {
    ListenSpec ls;
    err = parse_listen_spec(spec, ls);
    if (!err.empty()) return err;
  }
  for (const std::string& spec : cfg.tls.listen) {
    ListenSpec ls;
    err = parse_listen_spec(spec, ls);
    if (!err.empty()) return "tls.listen: " + err;
  }
  if (!cfg.tls.listen.empty() || !cfg.tls.certificates.empty()) {
    TlsContexts::build(cfg.tls, err, notes, warnings);
    if (!err.empty()) return err;
    notes.push_back(ktls_note_here());
    notes.push_back(tls_watch_note(cfg.tls));
  }
  if (cfg.profile == Profile::http) {
    notes.push_back(describe_compress(cfg.compress));
    notes.push_back(http2_summary(cfg));
  }
  return "";
}

}  // namespace

std::string check_config(const Config& cfg, std::vector<std::string>& warnings, std::vector<std::string>& notes) {
  std::string err = one_line_message(check_config_raw(cfg, warnings, notes));
  for (std::string& w : warnings) w = one_line_message(w);
  for (std::string& n : notes) n = one_line_message(n);
  return err;
}

}  // namespace filehttpd
