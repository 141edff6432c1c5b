#include "worker.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cgi.hpp"
#include "connection.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "tls_context.hpp"

namespace filehttpd {

namespace {
constexpr int k_max_events = 256;
}

Worker::Worker(const Config& cfg, WorkerSockets sockets, int stop_fd, const std::vector<SiteRoot>& roots)
    : cfg_(cfg),
      sites_(cfg, roots),
      listen_fds_(std::move(sockets.fds)),
      tls_fds_(std::move(sockets.tls_fds)),
      tls_(std::move(sockets.tls)),
      stop_fd_(stop_fd) {
  if (!cfg.tls.hsts.empty()) hsts_line_ = "Strict-Transport-Security: " + cfg.tls.hsts + "\r\n";
  tls_port_ = first_tls_port(cfg.tls);
  now_ = steady_clock::now();
}

Worker::~Worker() {
  for (Connection* c : conns_) delete c;
  for (Connection* c : graveyard_) delete c;
}

bool Worker::set_interest(int fd, EpollTag* tag, std::uint32_t& current, std::uint32_t want) {
  if ((current & k_registered) && (current & ~k_registered) == want) return true;
  epoll_event ev{};
  ev.events = want;
  ev.data.ptr = tag;
  int op = (current & k_registered) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epoll_.get(), op, fd, &ev) != 0) return false;
  current = want | k_registered;
  return true;
}

void Worker::forget(int fd, std::uint32_t& current) {
  if (current & k_registered) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  current = 0;
}

CgiChild* Worker::start_cgi(CgiOwner* conn, pid_t pid, unique_fd pidfd) {
  children_.emplace_back();
  CgiChild& c = children_.back();
  c.pid = pid;
  c.pidfd = std::move(pidfd);
  c.tag.owner = &c;
  c.conn = conn;
  bump(my_counters().cgi_spawned);
  bump(my_counters().cgi_running);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c.tag;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.pidfd.get(), &ev) != 0) {
    spdlog::error("cannot watch CGI pid {}: {}", pid, std::strerror(errno));
  }
  return &c;
}

void Worker::abandon_cgi(CgiChild* child) {
  child->conn = nullptr;
  if (child->exited || child->term_sent) return;
  signal_group(child->pid, SIGTERM);
  child->term_sent = true;
  child->kill_at = now_ + k_cgi_kill_delay;
}

void Worker::connection_closed(Connection* conn) {
  std::size_t slot = conn->slot_;
  if (slot < conns_.size() && conns_[slot] == conn) {
    conns_[slot] = conns_.back();
    conns_[slot]->slot_ = slot;
    conns_.pop_back();
  }
  graveyard_.push_back(conn);
  drop(my_counters().open);
  if (accept_paused_ && !draining_ && now_ >= accept_resume_at_ && conns_.size() < cfg_.limits.max_connections)
    pause_accepting(false);
}

void Worker::pause_accepting(bool paused) {
  if (paused == accept_paused_) return;
  accept_paused_ = paused;
  for (std::size_t i = 0; i < listen_fds_.size(); ++i) {
    if (paused) {
      epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listen_fds_[i], nullptr);
    } else {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLEXCLUSIVE;
      ev.data.ptr = listen_tags_[i].get();
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listen_fds_[i], &ev);
    }
  }
}

void Worker::on_listener(EpollTag* tag) {
  int lfd = static_cast<int>(reinterpret_cast<std::intptr_t>(tag->owner));
  bool tls = std::find(tls_fds_.begin(), tls_fds_.end(), lfd) != tls_fds_.end();
  for (int i = 0; i < k_accepts_per_wakeup; ++i) {
    if (conns_.size() >= cfg_.limits.max_connections) {
      spdlog::warn("connection limit ({}) reached; pausing accepts", cfg_.limits.max_connections);
      accept_resume_at_ = now_;
      pause_accepting(true);
      return;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(lfd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      AcceptVerdict v = classify_accept_error(err);
      if (v.action == AcceptAction::wait) return;
      if (v.action == AcceptAction::next) continue;
      back_off_accepting(v.reason, err);
      return;
    }
    bump(my_counters().accepted);
    bump(my_counters().open);
    auto* c = new Connection(*this, unique_fd(fd), ss, tls);
    c->slot_ = conns_.size();
    conns_.push_back(c);
    c->start();
  }
}

void Worker::back_off_accepting(AcceptError reason, int err) {
  bump(my_counters().accept_errors[static_cast<std::size_t>(reason)]);
  std::uint64_t held_back = 0;
  if (accept_log_.allow(now_, held_back)) {
    if (held_back)
      spdlog::warn("accept: {}; pausing accepts for {} ms ({} more since the last such line)", std::strerror(err),
                   k_accept_backoff.count(), held_back);
    else
      spdlog::warn("accept: {}; pausing accepts for {} ms", std::strerror(err), k_accept_backoff.count());
  }
  accept_resume_at_ = now_ + k_accept_backoff;
  pause_accepting(true);
}

void Worker::on_control() {
  char buf[64];
  ssize_t n = read(stop_fd_, buf, sizeof buf);
  if (n < 0) return;  // EAGAIN: another wake-up got it
  if (n > 0) {
    // Bytes from the supervisor: 'r' reopens log files (SIGUSR1); 'u' marks
    // the server as stopping soon (shutdown_delay: the health path says 503).
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == 'u') {
        unhealthy_ = true;
      } else {
        std::string err = reopen_logs();
        if (!err.empty()) spdlog::error("{}", err);
      }
    }
    return;
  }
  on_stop();  // EOF: the supervisor wants us to stop, or is gone
}

void Worker::on_stop() {
  if (draining_) return;
  draining_ = true;
  spdlog::debug("worker {} stopping", getpid());
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, stop_fd_, nullptr);
  // Take what is already queued, then close: new connects are refused.
  if (!accept_paused_) {
    for (auto& tag : listen_tags_) on_listener(tag.get());
  }
  for (int fd : listen_fds_) close(fd);
  listen_fds_.clear();
  // listen_tags_ stay: later events of this epoll batch may still point at them.
  accept_paused_ = false;
  drain_deadline_ = now_ + cfg_.shutdown_timeout;
  std::vector<Connection*> snapshot = conns_;
  for (Connection* c : snapshot) c->on_drain();
}

void Worker::on_child_exit(CgiChild* child) {
  int status = 0;
  pid_t r = waitpid(child->pid, &status, WNOHANG);
  if (r == 0) return;
  child->exited = true;
  child->wait_status = status;
  drop(my_counters().cgi_running);
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, child->pidfd.get(), nullptr);
  // Members of its process group may outlive it (sleep 100 &).
  if (::kill(-child->pid, 0) == 0) stale_groups_.push_back(child->pid);
  if (child->conn) child->conn->on_cgi_exit(status);
  children_.remove_if([child](const CgiChild& c) { return &c == child; });
}

void Worker::sweep() {
  counter_set(my_counters().log_dropped, log_lines_dropped());
  for (std::size_t i = conns_.size(); i-- > 0;) {
    if (i >= conns_.size()) continue;
    Connection* c = conns_[i];
    if (now_ >= c->deadline()) c->on_timer();
  }
  for (CgiChild& c : children_) {
    if (c.term_sent && !c.exited && now_ >= c.kill_at) {
      signal_group(c.pid, SIGKILL);
      c.kill_at = steady_clock::time_point::max();
    }
  }
  if (accept_paused_ && !draining_ && now_ >= accept_resume_at_ && conns_.size() < cfg_.limits.max_connections)
    pause_accepting(false);
  if (draining_) {
    if (!term_sent_ && now_ >= drain_deadline_) {
      term_sent_ = true;
      final_deadline_ = now_ + k_cgi_kill_delay;
      for (CgiChild& c : children_) {
        if (!c.exited && !c.term_sent) {
          spdlog::info("stopping: CGI pid {} still running after the grace period; SIGTERM", c.pid);
          signal_group(c.pid, SIGTERM);
          c.term_sent = true;
          c.kill_at = final_deadline_;
        }
      }
      for (pid_t pg : stale_groups_) signal_group(pg, SIGTERM);
    } else if (term_sent_ && now_ >= final_deadline_) {
      for (CgiChild& c : children_) signal_group(c.pid, SIGKILL);
      for (pid_t pg : stale_groups_) signal_group(pg, SIGKILL);
      std::vector<Connection*> snapshot = conns_;
      for (Connection* c : snapshot) c->force_close();
      final_deadline_ = steady_clock::time_point::max();
    }
  }
  stale_groups_.erase(std::remove_if(stale_groups_.begin(), stale_groups_.end(),
                                     [](pid_t pg) { return ::kill(-pg, 0) != 0 && errno == ESRCH; }),
                      stale_groups_.end());
}

int Worker::run() {
  prepare_cgi_spawning();
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) {
    spdlog::error("epoll_create1: {}", std::strerror(errno));
    return 1;
  }
  for (int fd : listen_fds_) {
    listen_tags_.push_back(std::make_unique<EpollTag>(
        EpollTag{EpollTag::Kind::listener, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd))}));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.ptr = listen_tags_.back().get();
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      spdlog::error("cannot watch a listening socket: {}", std::strerror(errno));
      return 1;
    }
  }
  epoll_event sev{};
  sev.events = EPOLLIN;
  sev.data.ptr = &stop_tag_;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stop_fd_, &sev) != 0) {
    spdlog::error("cannot watch the stop pipe: {}", std::strerror(errno));
    return 1;
  }

  timer_.reset(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  itimerspec period{};
  period.it_interval.tv_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(k_sweep_period).count();
  period.it_value = period.it_interval;
  epoll_event tev{};
  tev.events = EPOLLIN;
  tev.data.ptr = &timer_tag_;
  if (!timer_ || timerfd_settime(timer_.get(), 0, &period, nullptr) != 0 ||
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, timer_.get(), &tev) != 0) {
    spdlog::error("cannot set up the sweep timer: {}", std::strerror(errno));
    return 1;
  }

  // A log destination that fills up is written again as soon as it drains,
  // not only on the next tick.
  watch_log_writability([this](int fd, void* dest, bool want) { watch_log(fd, dest, want); });
  epoll_event events[k_max_events];
  now_ = steady_clock::now();
  while (true) {
    // The periodic timerfd wakes us for sweeps, so epoll_wait never arms a timer itself.
    int n = epoll_wait(epoll_.get(), events, k_max_events, -1);
    if (n < 0 && errno != EINTR) {
      spdlog::error("epoll_wait: {}", std::strerror(errno));
      return 1;
    }
    now_ = steady_clock::now();
    for (int i = 0; i < n; ++i) {
      auto* tag = static_cast<EpollTag*>(events[i].data.ptr);
      std::uint32_t ev = events[i].events;
      switch (tag->kind) {
        case EpollTag::Kind::listener:
          if (!draining_) on_listener(tag);
          break;
        case EpollTag::Kind::stop: on_control(); break;
        case EpollTag::Kind::timer: {
          std::uint64_t ticks;
          ssize_t ignored = read(timer_.get(), &ticks, sizeof ticks);
          (void)ignored;
          sweep();
          flush_logs();  // the access log goes out at least once per tick
          break;
        }
        case EpollTag::Kind::socket: static_cast<Connection*>(tag->owner)->on_socket_event(ev); break;
        case EpollTag::Kind::cgi_out: static_cast<CgiOwner*>(tag->owner)->on_cgi_out_event(ev); break;
        case EpollTag::Kind::cgi_in: static_cast<CgiOwner*>(tag->owner)->on_cgi_in_event(ev); break;
        case EpollTag::Kind::cgi_pid: on_child_exit(static_cast<CgiChild*>(tag->owner)); break;
        case EpollTag::Kind::log: on_log_writable(tag->owner); break;
        case EpollTag::Kind::auth: auth_.on_ready(now_); break;
      }
    }
    for (Connection* c : graveyard_) delete c;
    graveyard_.clear();
    retired_.clear();
    if (draining_ && conns_.empty() && children_.empty()) break;
  }
  for (pid_t pg : stale_groups_) signal_group(pg, SIGKILL);
  spdlog::debug("worker {} done", getpid());
  watch_log_writability(nullptr);
  return 0;
}

void Worker::watch_log(int fd, void* dest, bool want) {
  if (!want) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    return;
  }
  auto it = std::find_if(log_tags_.begin(), log_tags_.end(), [&](const auto& t) { return t->owner == dest; });
  if (it == log_tags_.end()) {
    log_tags_.push_back(std::make_unique<EpollTag>(EpollTag{EpollTag::Kind::log, dest}));
    it = log_tags_.end() - 1;
  }
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.ptr = it->get();
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
}

void Worker::watch_auth() {
  if (auth_interest_ == 0 && auth_.fd() >= 0 && !set_interest(auth_.fd(), &auth_tag_, auth_interest_, EPOLLIN))
    spdlog::error("cannot watch password verifications: {}", std::strerror(errno));
}

int run_worker(const Config& cfg, WorkerSockets sockets, int stop_fd, const std::vector<SiteRoot>& roots) {
  Worker w(cfg, std::move(sockets), stop_fd, roots);
  return w.run();
}

}  // namespace filehttpd
