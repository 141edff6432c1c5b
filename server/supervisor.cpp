#include "supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <optional>

#include "cli.hpp"
#include "compress_dir.hpp"
#include "config_auth.hpp"
#include "config_tls.hpp"
#include "daemon.hpp"
#include "file_watch.hpp"
#include "listener.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "mime.hpp"
#include "router.hpp"
#include "signals.hpp"
#include "startup.hpp"
#include "systemd.hpp"
#include "tls_context.hpp"
#include "unique_fd.hpp"
#include "worker.hpp"

namespace filehttpd {

namespace {

using steady = std::chrono::steady_clock;

// How soon the supervisor retries an error log that did not take its lines.
constexpr steady::duration k_log_retry = std::chrono::seconds(1);

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

class Supervisor {
 public:
  Supervisor(Config cfg, std::vector<std::string> argv) : cfg_(std::move(cfg)), argv_(std::move(argv)) {}
  int run();

 private:
  struct WorkerProc {
    pid_t pid = -1;
    unique_fd control;  // write end: a byte asks for a log reopen, EOF says stop
    unsigned index = 0;
    std::size_t slot = k_metric_slots;  // its counters in the shared region
  };
  struct Generation {
    Config cfg;
    Credentials creds;
    Root root;
    std::vector<Root> site_roots;  // one per cfg.sites entry
    std::shared_ptr<TlsContexts> tls;  // loaded before the workers fork; they inherit it
    FileWatch watch;                   // its certificate files as they were just before loading
    std::vector<WorkerProc> workers;
    bool retiring = false;
    unsigned id = 0;
  };
  struct Respawn {
    Generation* gen;
    unsigned index;
  };

  // Reports a start-up error (stderr or the launcher). Returns msg.
  std::string fail(const std::string& msg);
  // Opens the root, resolves credentials and binds (reusing unchanged sockets).
  std::string prepare(Config& cfg, Generation& gen, std::vector<ListenSocket>& next,
                      std::vector<ListenSocket>& removed);
  // Forks one worker of gen. Returns "" or an error.
  std::string spawn_worker(Generation& gen, unsigned index);
  // Closes gen's control pipes: its workers drain and exit.
  void retire(Generation& gen);
  // Reaps workers; schedules respawns for unexpected deaths.
  void on_sigchld();
  // Respawns due workers, at most one per k_respawn_interval.
  void do_respawns();
  // SIGHUP (or a watched file changed, as why says): re-read the
  // configuration; start a new generation or keep the old.
  void reload(const std::string& why);
  // Returns true while tls.watch looks at files: some to watch, not stopping.
  bool watching() const { return !watch_.paths().empty() && !stopping_ && !delay_until_; }
  // tls.watch: when the interval has passed, look at the watched files and
  // reload if one changed.
  void check_watch();
  // SIGTERM/SIGINT: with shutdown_delay, first serve on with health at 503
  // (a second signal skips the wait); then begin_stop().
  void on_stop_signal(int sig);
  // Close the sockets and retire every generation.
  void begin_stop(int sig);
  // Writes one control byte to every worker ('r' reopen logs, 'u' unhealthy).
  void tell_workers(char what);
  // SIGUSR1: reopen our log files and ask every worker to reopen theirs.
  void reopen();
  // Acts on the signals of one pass: stop, reap, reload, reopen, then notes.
  void act_on(const SignalBatch& batch);
  // Returns the STATUS= line for systemd.
  std::string status_line() const;
  // In daemon mode, resolve relative paths against the launch directory...
  void enter_launch_dir();
  // ...and return to "/" afterwards.
  void leave_launch_dir();

  Config cfg_;
  std::vector<std::string> argv_;
  std::vector<ListenSocket> listeners_;
  bool inherited_ = false;
  std::list<Generation> gens_;
  unsigned next_gen_id_ = 1;
  std::vector<Respawn> respawns_;
  steady::time_point last_respawn_{};
  bool stopping_ = false;
  std::optional<steady::time_point> delay_until_;  // shutdown_delay under way: stop at this time
  int exit_code_ = 0;
  Pidfile pidfile_;
  unique_fd lifeline_;
  unique_fd launch_dir_;
  SignalNotes notes_;
  std::string compress_dir_;  // the private compression cache made at start, removed at exit
  FileWatch watch_;                  // the serving generation's watched files
  steady::time_point next_watch_{};  // when check_watch() looks next
};

void Supervisor::act_on(const SignalBatch& batch) {
  if (batch.stop) on_stop_signal(batch.stop);
  if (batch.child) on_sigchld();
  if (batch.reload && !stopping_ && !delay_until_) reload("SIGHUP");
  if (batch.reopen) reopen();
  for (int sig = 1; sig <= 64; ++sig) {
    if (!(batch.noted & (1ull << (sig - 1))) || !notes_.should_log(sig, steady::now())) continue;
    std::uint64_t more = notes_.take_suppressed(sig);
    if (more)
      spdlog::info("ignoring signal {} ({} more since the last such line)", strsignal(sig), more);
    else
      spdlog::info("ignoring signal {}", strsignal(sig));
  }
}

void Supervisor::enter_launch_dir() {
  if (launch_dir_ && fchdir(launch_dir_.get()) != 0) spdlog::warn("fchdir: {}", std::strerror(errno));
}

void Supervisor::leave_launch_dir() {
  if (launch_dir_ && chdir("/") != 0) spdlog::warn("chdir /: {}", std::strerror(errno));
}

std::string Supervisor::status_line() const {
  std::size_t workers = 0;
  for (const auto& g : gens_)
    if (!g.retiring) workers += g.workers.size();
  return "STATUS=serving " + (gens_.empty() ? std::string("?") : gens_.back().cfg.root) + " with " +
         std::to_string(workers) + " worker(s) on " + std::to_string(listeners_.size()) + " socket(s)";
}

// Binds what cfg needs (reusing sockets whose spec is unchanged), opens the
// root and resolves credentials. On error nothing changes.
std::string Supervisor::prepare(Config& cfg, Generation& gen, std::vector<ListenSocket>& next,
                                std::vector<ListenSocket>& removed) {
  std::string err = open_root(cfg.root, gen.root);
  if (!err.empty()) return err;
  err = open_site_roots(cfg, gen.site_roots);
  if (!err.empty()) return err;
  err = check_body_dir(cfg);
  if (!err.empty()) return err;
  err = resolve_credentials(cfg, gen.creds);
  if (!err.empty()) return err;
  err = prepare_compress_dir(cfg, gen.creds, compress_dir_);
  if (!err.empty()) return err;
  if (cfg.profile == Profile::http) {
    for (const std::string& w : check_pages_as(cfg, gen.root, gen.creds)) spdlog::warn("{}", w);
    for (std::size_t i = 0; i < cfg.sites.size(); ++i)
      for (const std::string& w : check_pages_as(*cfg.sites[i].cfg, gen.site_roots[i], gen.creds))
        spdlog::warn("site {}: {}", cfg.sites[i].names.front(), w);
  }
  for (const std::string& w : protection_warnings(cfg)) spdlog::warn("{}", w);
  // Before loading: a change while it loads is seen next time.
  gen.watch = FileWatch(watched_files(cfg));
  if (!cfg.tls.listen.empty() || !cfg.tls.certificates.empty()) {
    std::vector<std::string> notes, warnings;
    gen.tls = TlsContexts::build(cfg.tls, err, notes, warnings);
    if (!gen.tls) return err;
    for (const std::string& w : warnings) spdlog::warn("{}", w);
  }
  if (inherited_) {
    // Sockets from systemd: TLS by FileDescriptorName=tls (or https) or by
    // an address that tls.listen names; the rest plain.
    for (ListenSocket& l : listeners_) {
      std::string fd_name = l.spec.rfind("systemd:", 0) == 0 ? l.spec.substr(8) : l.spec;
      l.tls = inherited_speaks_tls(fd_name, l.name, cfg.tls.listen);
      if (l.tls && !gen.tls) return "systemd socket " + l.spec + " (" + l.name + ") is TLS but tls.certificates is empty";
    }
    next = std::move(listeners_);
    return "";
  }
  // Every spec with its kind. A spec that moved between listen and
  // tls.listen keeps its socket and changes kind, as nginx keeps a socket
  // whose listen line gained or lost ssl: binding it again would fail.
  std::vector<std::pair<std::string, bool>> specs;
  for (const std::string& spec : cfg.listen) specs.emplace_back(spec, false);
  for (const std::string& spec : cfg.tls.listen) specs.emplace_back(spec, true);
  auto same = [](const ListenSocket& l, const std::pair<std::string, bool>& s) { return l.spec == s.first; };
  std::vector<ListenSocket> fresh;
  for (const auto& s : specs) {
    if (std::any_of(listeners_.begin(), listeners_.end(), [&](const ListenSocket& l) { return same(l, s); }))
      continue;
    bool optional = cfg.optional_v6_loopback && s.first.rfind("[::1]", 0) == 0;
    std::size_t before = fresh.size();
    err = bind_listen_spec(s.first, optional, fresh);
    if (!err.empty()) return err;
    for (std::size_t i = before; i < fresh.size(); ++i) fresh[i].tls = s.second;
  }
  for (const auto& s : specs) {
    for (auto it = listeners_.begin(); it != listeners_.end();) {
      if (same(*it, s)) {
        if (it->tls != s.second) spdlog::info("{} now speaks {}", it->name, s.second ? "TLS" : "plain HTTP");
        it->tls = s.second;
        next.push_back(std::move(*it));
        it = listeners_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& l : fresh)
      if (l.fd && same(l, s)) next.push_back(std::move(l));
  }
  removed = std::move(listeners_);
  listeners_.clear();
  if (next.empty()) return "no listening socket could be bound";
  return "";
}

std::string Supervisor::spawn_worker(Generation& gen, unsigned index) {
  int control[2];
  if (pipe2(control, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  unique_fd control_r(control[0]), control_w(control[1]);
  std::size_t slot = metrics_take_slot();
  if (slot == k_metric_slots) spdlog::warn("no free status counter slot: this worker's requests go uncounted");
  pid_t pid = fork();
  if (pid < 0) {
    metrics_release_slot(slot);
    return std::string("fork: ") + std::strerror(errno);
  }
  if (pid == 0) {
    log_after_fork();  // the supervisor's queued lines are its own to write
    // The worker keeps only its own control pipe: another worker's write
    // end here would hide that worker's stop EOF.
    control_w.reset();
    for (auto& g : gens_) {
      for (auto& w : g.workers) w.control.reset();
      if (&g != &gen) {
        g.root.fd.reset();
        g.site_roots.clear();
      }
    }
    lifeline_.reset();
    if (pidfile_.fd() >= 0) close(pidfile_.fd());
    if (!drop_privileges(gen.creds)) {
      spdlog::critical("worker cannot drop privileges to {}:{}: {}; refusing to serve", gen.cfg.user, gen.cfg.group,
                       std::strerror(errno));
      _exit(k_exit_privileges);
    }
    fcntl(control_r.get(), F_SETFL, O_NONBLOCK);
    metrics_use_slot(slot);
    std::vector<int> fds, tls_fds;
    for (const auto& l : listeners_) (l.tls ? tls_fds : fds).push_back(l.fd.get());
    fds.insert(fds.end(), tls_fds.begin(), tls_fds.end());
    std::vector<SiteRoot> roots{{gen.root.fd.get(), gen.root.path}};
    for (const Root& r : gen.site_roots) roots.push_back({r.fd.get(), r.path});
    int rc = run_worker(gen.cfg, WorkerSockets{fds, tls_fds, gen.tls}, control_r.get(), roots);
    flush_logs();
    spdlog::shutdown();
    _exit(rc);
  }
  if (delay_until_) {
    // Respawned while stopping soon: its health path says so too.
    ssize_t ignored = write(control_w.get(), "u", 1);
    (void)ignored;
  }
  gen.workers.push_back({pid, std::move(control_w), index, slot});
  return "";
}

void Supervisor::retire(Generation& gen) {
  gen.retiring = true;
  for (auto& w : gen.workers) w.control.reset();
  respawns_.erase(std::remove_if(respawns_.begin(), respawns_.end(), [&](const Respawn& r) { return r.gen == &gen; }),
                  respawns_.end());
}

void Supervisor::on_stop_signal(int sig) {
  if (stopping_ || delay_until_ || cfg_.shutdown_delay.count() == 0) {
    begin_stop(sig);
    return;
  }
  delay_until_ = steady::now() + cfg_.shutdown_delay;
  spdlog::info("received {}; the health path answers 503 and the server stops in {} ms", strsignal(sig),
               cfg_.shutdown_delay.count());
  notify("STATUS=stopping in " + std::to_string(cfg_.shutdown_delay.count()) + " ms");
  tell_workers('u');
}

void Supervisor::tell_workers(char what) {
  for (auto& g : gens_)
    for (auto& w : g.workers)
      if (w.control) {
        ssize_t ignored = write(w.control.get(), &what, 1);
        (void)ignored;
      }
}

void Supervisor::begin_stop(int sig) {
  if (stopping_) {
    spdlog::info("received {} while stopping; still waiting for workers", strsignal(sig));
    return;
  }
  spdlog::info("received {}; stopping", strsignal(sig));
  notify("STOPPING=1");
  stopping_ = true;
  listeners_.clear();  // the workers close theirs after taking the backlog
  for (auto& g : gens_) retire(g);
}

void Supervisor::reopen() {
  std::string e = reopen_logs();
  if (!e.empty()) spdlog::error("{}", e);
  tell_workers('r');
  spdlog::info("log files reopened");
}

void Supervisor::on_sigchld() {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (auto git = gens_.begin(); git != gens_.end(); ++git) {
      auto& ws = git->workers;
      auto it = std::find_if(ws.begin(), ws.end(), [&](const WorkerProc& w) { return w.pid == pid; });
      if (it == ws.end()) continue;
      unsigned index = it->index;
      metrics_release_slot(it->slot);
      ws.erase(it);
      bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (git->retiring || stopping_) {
        if (!clean) spdlog::warn("worker {} ended with {}", pid, describe_status(status));
        if (stopping_ && !clean) exit_code_ = 1;
      } else if (WIFEXITED(status) && WEXITSTATUS(status) == k_exit_privileges) {
        spdlog::critical("worker {} could not drop privileges; stopping", pid);
        exit_code_ = 1;
        begin_stop(SIGTERM);
      } else {
        spdlog::error("worker {} died unexpectedly ({}); respawning", pid, describe_status(status));
        respawns_.push_back({&*git, index});
      }
      if (git->retiring && git->workers.empty()) {
        spdlog::info("generation {} finished", git->id);
        gens_.erase(git);
      }
      break;
    }
  }
}

void Supervisor::do_respawns() {
  while (!respawns_.empty() && !stopping_) {
    auto now = steady::now();
    if (now - last_respawn_ < k_respawn_interval) return;
    Respawn r = respawns_.front();
    respawns_.erase(respawns_.begin());
    last_respawn_ = now;
    std::string err = spawn_worker(*r.gen, r.index);
    if (!err.empty()) {
      spdlog::error("cannot respawn a worker: {}", err);
      respawns_.push_back(r);
    } else {
      spdlog::info("worker {} started", r.gen->workers.back().pid);
      if (SharedMetrics* m = metrics_region()) bump(m->respawns);
    }
  }
}

void Supervisor::check_watch() {
  if (!watching()) return;
  auto now = steady::now();
  if (now < next_watch_) return;
  next_watch_ = now + cfg_.tls.watch_interval;
  enter_launch_dir();  // relative paths are the launch directory's
  std::string path = watch_.changed();
  leave_launch_dir();
  if (!path.empty()) reload(path + " changed");
}

void Supervisor::reload(const std::string& why) {
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
  spdlog::info("{}: reloading the configuration", why);
  Config next_cfg;
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  enter_launch_dir();
  CliOutcome out = parse_cli(static_cast<int>(argv_.size()), args.data(), next_cfg);
  std::string err;
  if (out.action != CliAction::run) err = out.message;
  auto gen = std::make_unique<Generation>();
  std::vector<ListenSocket> next, removed;
  if (err.empty()) {
    gen->cfg = next_cfg;
    err = prepare(gen->cfg, *gen, next, removed);
    if (!err.empty()) {
      // Put every socket back where it was.
      for (auto& l : next) listeners_.push_back(std::move(l));
      for (auto& l : removed) listeners_.push_back(std::move(l));
    }
  }
  leave_launch_dir();
  if (!err.empty()) {
    spdlog::error("reload failed, keeping the running configuration: {}", err);
    notify("READY=1\n" + status_line());
    return;
  }
  if (next_cfg.log.level != cfg_.log.level || next_cfg.log.target != cfg_.log.target ||
      next_cfg.log.access != cfg_.log.access) {
    std::string le = setup_logging(next_cfg.log, cfg_.daemon);
    if (!le.empty()) spdlog::error("{}", le);
  }
  cfg_ = next_cfg;
  watch_ = std::move(gen->watch);
  next_watch_ = steady::now() + cfg_.tls.watch_interval;
  configure_mime_types(cfg_.mime_types);  // the new workers inherit the table
  listeners_ = std::move(next);
  removed.clear();  // before forking, so the new workers never hold removed sockets
  gen->id = next_gen_id_++;
  std::vector<Generation*> old;
  for (auto& g : gens_)
    if (!g.retiring) old.push_back(&g);
  gens_.push_back(std::move(*gen));
  Generation& fresh = gens_.back();
  for (unsigned i = 0; i < fresh.cfg.workers; ++i) {
    std::string e = spawn_worker(fresh, i);
    if (!e.empty()) spdlog::error("cannot start a worker: {}", e);
  }
  for (Generation* g : old) retire(*g);
  if (SharedMetrics* m = metrics_region()) bump(m->reloads);
  for (auto& l : listeners_) spdlog::info("listening on {}{}", l.name, l.tls ? " (TLS)" : "");
  spdlog::info("reloaded: generation {} serving {}", fresh.id, fresh.root.path.empty() ? "/" : fresh.root.path);
  notify("READY=1\n" + status_line());
}

std::string Supervisor::fail(const std::string& msg) {
  std::string line = "filehttpd: " + msg + "\n";
  if (lifeline_) {
    release_launcher(lifeline_, false, line);
  } else {
    std::fputs(line.c_str(), stderr);
  }
  spdlog::error("{}", msg);
  return msg;
}

int Supervisor::run() {
  if (cfg_.daemon) {
    launch_dir_.reset(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    std::string err;
    lifeline_ = daemonize(err, launch_dir_.get());
    if (!lifeline_) {
      std::fprintf(stderr, "filehttpd: %s\n", err.c_str());
      return 1;
    }
    if (fcntl(lifeline_.get(), F_SETFD, FD_CLOEXEC) != 0) spdlog::warn("fcntl: {}", std::strerror(errno));
  }
  enter_launch_dir();
  std::string err = setup_logging(cfg_.log, cfg_.daemon);
  if (!err.empty()) {
    fail(err);
    return 1;
  }
  configure_mime_types(cfg_.mime_types);
  if (!cfg_.pidfile.empty()) {
    err = pidfile_.lock(cfg_.pidfile);
    if (!err.empty()) {
      fail(err);
      return 1;
    }
  }
  listeners_ = inherited_listeners();
  inherited_ = !listeners_.empty();
  for (auto& l : listeners_) fcntl(l.fd.get(), F_SETFL, O_NONBLOCK);

  Generation gen;
  gen.cfg = cfg_;
  std::vector<ListenSocket> next, removed;
  err = prepare(gen.cfg, gen, next, removed);
  leave_launch_dir();
  if (!err.empty()) {
    fail(err);
    remove_compress_dir(compress_dir_);
    pidfile_.remove();
    return 1;
  }
  listeners_ = std::move(next);
  watch_ = std::move(gen.watch);
  next_watch_ = steady::now() + cfg_.tls.watch_interval;
  err = metrics_map();
  if (!err.empty()) {
    fail(err);
    pidfile_.remove();
    return 1;
  }
  for (const auto& l : listeners_) spdlog::info("listening on {}{}", l.name, l.tls ? " (TLS)" : "");
  gen.id = next_gen_id_++;
  gens_.push_back(std::move(gen));
  for (unsigned i = 0; i < gens_.back().cfg.workers; ++i) {
    err = spawn_worker(gens_.back(), i);
    if (!err.empty()) {
      fail(err);
      return 1;
    }
  }
  err = pidfile_.write_pid();
  if (!err.empty()) spdlog::warn("{}", err);
  if (gens_.back().creds.drop) {
    // Workers run unprivileged; the supervisor keeps only what reloads need.
    err = keep_only_needed_caps();
    if (!err.empty()) spdlog::warn("cannot reduce the supervisor's capabilities: {}", err);
  }
  spdlog::info("filehttpd {} serving {} with {} worker(s)", FILEHTTPD_VERSION,
               gens_.back().root.path.empty() ? "/" : gens_.back().root.path, gens_.back().workers.size());
  release_launcher(lifeline_, true);
  notify("READY=1\n" + status_line() + "\nMAINPID=" + std::to_string(getpid()));

  while (!gens_.empty()) {
    // Wait for a signal; wake up anyway when a respawn is due or the error
    // log holds lines its destination did not take yet.
    std::optional<steady::duration> wait;
    if (!respawns_.empty()) wait = k_respawn_interval - (steady::now() - last_respawn_);
    if (!flush_logs()) wait = std::min(wait.value_or(k_log_retry), steady::duration(k_log_retry));
    if (delay_until_ && !stopping_)
      wait = std::min(wait.value_or(steady::duration::max()),
                      std::max(*delay_until_ - steady::now(), steady::duration(0)));
    if (watching())
      wait = std::min(wait.value_or(steady::duration::max()),
                      std::max(next_watch_ - steady::now(), steady::duration(0)));
    SignalBatch batch = wait_signals(wait);
    act_on(batch);
    check_watch();
    counter_set(metrics_region()->supervisor_log_dropped, log_lines_dropped());
    if (delay_until_ && !stopping_ && steady::now() >= *delay_until_) begin_stop(SIGTERM);
    do_respawns();
    if (stopping_ && std::all_of(gens_.begin(), gens_.end(), [](const Generation& g) { return g.workers.empty(); }))
      break;
  }
  pidfile_.remove();
  remove_compress_dir(compress_dir_);
  spdlog::info("stopped");
  flush_logs();
  return exit_code_;
}

}  // namespace

int run_supervisor(Config cfg, std::vector<std::string> argv) {
  Supervisor s(std::move(cfg), std::move(argv));
  return s.run();
}

}  // namespace filehttpd
