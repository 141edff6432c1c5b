#pragma once
// Worker: one epoll loop over the listeners, the stop fd, every connection
// and every CGI pipe and pidfd. Signals stay blocked; EOF on the control
// pipe says stop, a byte on it says reopen the log files.
#include <sys/types.h>

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "accept_errors.hpp"
#include "compress_worker.hpp"
#include "auth_gate.hpp"
#include "config.hpp"
#include "file_cache.hpp"
#include "router.hpp"
#include "sites.hpp"
#include "unique_fd.hpp"

namespace filehttpd {

class Connection;
class TlsContexts;
class Worker;

// The listening sockets a worker accepts on.
struct WorkerSockets {
  std::vector<int> fds;      // every listener
  std::vector<int> tls_fds;  // those of fds whose connections speak TLS
  std::shared_ptr<const TlsContexts> tls;  // their contexts (null without TLS listeners)
};

// What an epoll event refers to; epoll_data.ptr points at one of these.
struct EpollTag {
  enum class Kind : unsigned char { listener, stop, timer, socket, cgi_out, cgi_in, cgi_pid, log, auth } kind;
  void* owner;
};

// What a CGI's pipes and exit report to: a connection, or one HTTP/2 stream.
class CgiOwner {
 public:
  virtual ~CgiOwner() = default;
  // The script's stdout is readable (or hung up).
  virtual void on_cgi_out_event(std::uint32_t events) = 0;
  // The script's stdin is writable (or closed).
  virtual void on_cgi_in_event(std::uint32_t events) = 0;
  // The script exited with wait_status.
  virtual void on_cgi_exit(int wait_status) = 0;
};

// A CGI child. The worker owns it until it is reaped, even when the
// connection that started it has gone.
struct CgiChild {
  pid_t pid = -1;
  unique_fd pidfd;
  EpollTag tag{EpollTag::Kind::cgi_pid, this};
  CgiOwner* conn = nullptr;  // nullptr once abandoned
  bool exited = false;
  int wait_status = 0;
  steady_clock::time_point kill_at{};  // SIGKILL deadline after a SIGTERM
  bool term_sent = false;
};

// Period of the timeout sweep.
inline constexpr std::chrono::milliseconds k_sweep_period{200};
// Pause before accepting again after EMFILE, ENFILE or another error that
// accepting again at once would only repeat (see classify_accept_error).
inline constexpr std::chrono::milliseconds k_accept_backoff{250};
// Accepts per listener wake-up, so one busy listener cannot starve the rest.
inline constexpr int k_accepts_per_wakeup = 64;
// The worker's shared read buffer (socket reads and CGI pipe reads).
inline constexpr std::size_t k_scratch_size = 64 * 1024;
// Marks an fd as present in the epoll set in an interest word.
inline constexpr std::uint32_t k_registered = 1u << 31;

class Worker {
 public:
  // Takes ownership of nothing: the fds stay open for the worker's life.
  // roots: the top level's document root, then one per [[site]].
  Worker(const Config& cfg, WorkerSockets sockets, int stop_fd, const std::vector<SiteRoot>& roots);
  ~Worker();

  // Runs until stopped and drained. Returns the process exit status.
  int run();

  const Config& cfg() const { return cfg_; }
  // Returns the TLS contexts (null without TLS listeners).
  const TlsContexts* tls() const { return tls_.get(); }
  // Returns "Strict-Transport-Security: VALUE\r\n" for TLS responses, or "" when tls.hsts is empty.
  const std::string& hsts_line() const { return hsts_line_; }
  // Returns the port redirect_http sends plain clients to.
  const std::string& tls_port() const { return tls_port_; }
  // Returns the sites, to pick one by a request's authority.
  Sites& sites() { return sites_; }
  // Returns the compressor that makes this worker's compressed copies of static files.
  Compressor& compressor() { return compressor_; }
  // Returns the [[access]]/[[auth]] gate; after a pending verdict call watch_auth().
  AuthGate& auth() { return auth_; }
  // Makes sure epoll watches the gate's verification answers.
  void watch_auth();
  steady_clock::time_point now() const { return now_; }
  bool draining() const { return draining_; }
  // Returns true once the server is stopping or about to (the health path answers 503).
  bool unhealthy() const { return draining_ || unhealthy_; }
  // Returns the shared buffer of k_scratch_size bytes; valid until the next call.
  char* scratch() { return scratch_.get(); }
  // Shared buffers for building one response at a time (see Connection::own_buffers).
  std::string& head_buffer() { return head_buffer_; }
  std::string& body_buffer() { return body_buffer_; }
  // Shared buffer for the parser's output of a request body on its way into
  // the body's store; what it holds is valid within one call only.
  std::string& body_chunk_buffer() { return body_chunk_buffer_; }

  // Adds, changes or removes fd's interest; current is updated. Returns false on error.
  bool set_interest(int fd, EpollTag* tag, std::uint32_t& current, std::uint32_t want);
  // Stops watching fd (before it is closed).
  void forget(int fd, std::uint32_t& current);

  // Spawns a CGI and watches its pidfd. Returns the child or nullptr with err set.
  CgiChild* start_cgi(CgiOwner* conn, pid_t pid, unique_fd pidfd);
  // The connection no longer wants the child: SIGTERM its group now, SIGKILL later.
  void abandon_cgi(CgiChild* child);
  // Returns the number of CGI children alive.
  std::size_t cgi_count() const { return children_.size(); }

  // Keeps a closed HTTP/2 stream that had a CGI until this epoll batch is over
  // (events of the batch may still point at its pipes' tags).
  void retire(std::unique_ptr<CgiOwner> owner) { retired_.push_back(std::move(owner)); }

  // Called by a connection when it has closed; it is freed after this batch.
  void connection_closed(Connection* conn);

 private:
  // Accepts up to k_accepts_per_wakeup connections; pauses on limits or EMFILE.
  void on_listener(EpollTag* tag);
  // Reads the control pipe: a byte reopens logs, EOF starts the stop.
  void on_control();
  // Takes the backlog, closes the listeners and closes idle connections.
  void on_stop();
  // Reaps a CGI child and tells its connection.
  void on_child_exit(CgiChild* child);
  // Timeouts, SIGKILL deadlines, accept back-off and the stop's grace period.
  void sweep();
  // Watches (want) or stops watching a log destination's fd for EPOLLOUT.
  void watch_log(int fd, void* dest, bool want);
  // Removes or restores the listeners in the epoll set.
  void pause_accepting(bool paused);
  // accept4() failed with err (a back_off error): counts it, logs it (at most
  // once a second) and pauses accepting for k_accept_backoff.
  void back_off_accepting(AcceptError reason, int err);

  const Config& cfg_;
  Sites sites_;
  std::unique_ptr<char[]> scratch_{new char[k_scratch_size]};
  std::string head_buffer_;
  std::string body_buffer_;
  std::string body_chunk_buffer_;
  Compressor compressor_;
  AuthGate auth_;
  EpollTag auth_tag_{EpollTag::Kind::auth, nullptr};
  std::uint32_t auth_interest_ = 0;
  unique_fd epoll_;
  std::vector<int> listen_fds_;
  std::vector<int> tls_fds_;
  std::shared_ptr<const TlsContexts> tls_;
  std::string hsts_line_;
  std::string tls_port_;
  std::vector<std::unique_ptr<EpollTag>> listen_tags_;
  bool accept_paused_ = false;
  steady_clock::time_point accept_resume_at_{};
  LineLimiter accept_log_{std::chrono::seconds(1)};
  int stop_fd_;
  EpollTag stop_tag_{EpollTag::Kind::stop, nullptr};
  unique_fd timer_;  // periodic, k_sweep_period
  EpollTag timer_tag_{EpollTag::Kind::timer, nullptr};
  // Log destinations waiting to become writable (see watch_log_writability).
  std::vector<std::unique_ptr<EpollTag>> log_tags_;
  std::vector<Connection*> conns_;
  std::vector<Connection*> graveyard_;
  std::vector<std::unique_ptr<CgiOwner>> retired_;
  std::list<CgiChild> children_;
  std::vector<pid_t> stale_groups_;  // CGI groups whose leader exited
  steady_clock::time_point now_;
  bool draining_ = false;
  bool unhealthy_ = false;
  steady_clock::time_point drain_deadline_{};
  bool term_sent_ = false;
  steady_clock::time_point final_deadline_{};
};

// Entry point of a worker process. Returns its exit status.
// roots: as Worker's.
int run_worker(const Config& cfg, WorkerSockets sockets, int stop_fd, const std::vector<SiteRoot>& roots);

}  // namespace filehttpd
