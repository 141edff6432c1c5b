#include "connection.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "http1_framing.hpp"
#include "log.hpp"
#include "sock_addr.hpp"

namespace filehttpd {

namespace {

// Capacity of the worker's body buffer kept between responses.
constexpr std::size_t k_keep_body_buffer = 1024 * 1024;

}  // namespace

Connection::Connection(Worker& worker, unique_fd fd, const sockaddr_storage& peer, bool tls)
    : w_(worker),
      fd_(std::move(fd)),
      peer_(peer),
      parser_(worker.cfg().limits.header_bytes, worker.cfg().limits.uri_bytes,
              worker.cfg().profile == Profile::classic) {
  deadline_ = w_.now() + w_.cfg().limits.header_timeout;
  if (tls) start_tls();
}

Connection::~Connection() {
  if (io_ != &plain_) delete io_;
}

void Connection::start() {
  // Listeners use TCP_DEFER_ACCEPT, so the request is usually here already:
  // read before registering, and a short response may need no epoll_ctl at all.
  if (!fd_) {  // no TLS session could be made
    close_now();
    return;
  }
  read_socket();
  if (state_ != State::closed) update_interest();
}

steady_clock::time_point Connection::deadline() const {
  if ((state_ == State::cgi_head || state_ == State::relay) && cgi_ && cgi_->out_fd() >= 0)
    return std::min(deadline_, cgi_deadline_);
  return deadline_;
}

void Connection::set_state(State s) {
  state_ = s;
  update_interest();
}

std::uint32_t Connection::interest() const {
  // A TLS call that stalled waits for the direction OpenSSL asked for.
  std::uint32_t tls_wait = (io_->wants_read() ? EPOLLIN : 0u) | (io_->wants_write() ? EPOLLOUT : 0u);
  switch (state_) {
    case State::read_request:
    case State::read_body:
    case State::linger: return io_->wants_write() ? tls_wait : std::uint32_t{EPOLLIN};
    // No EPOLLRDHUP while answering: a client that half-closes after its
    // request still gets the whole response. A client that is really gone
    // shows up as a failed send, or as EPOLLHUP/EPOLLERR, which epoll always reports.
    case State::send:
    case State::cgi_head:
    case State::relay: return want_write_ ? (tls_wait ? tls_wait : std::uint32_t{EPOLLOUT}) : 0u;
    case State::h2: return tls_wait | EPOLLIN | (h2_->wants_write() ? std::uint32_t{EPOLLOUT} : 0u);
    case State::auth_wait:
    case State::closed: return 0;
  }
  return 0;
}

void Connection::update_interest() {
  if (!fd_) return;
  if (!w_.set_interest(fd_.get(), &sock_tag_, sock_interest_, interest())) {
    spdlog::warn("epoll_ctl failed for a client socket: {}", std::strerror(errno));
  }
  update_pipe_interest();
}

const std::string& Connection::peer() {
  if (peer_str_.empty()) peer_str_ = address_host(peer_);
  return peer_str_;
}

// ---------------------------------------------------------------- events

void Connection::on_socket_event(std::uint32_t events) {
  if (state_ == State::closed) return;
  if (events & EPOLLERR) {
    spdlog::debug("{}: connection error", peer());
    close_now();
    return;
  }
  if (state_ == State::h2) {
    if (events & (EPOLLIN | EPOLLHUP | EPOLLOUT)) read_socket();
    if (state_ == State::h2) h2_run();
    return;
  }
  bool reading = state_ == State::read_request || state_ == State::linger || state_ == State::read_body;
  // TLS: a write may wait for input and a read for output.
  if (!reading && (events & (io_->wants_read() ? EPOLLIN : 0u))) events |= EPOLLOUT;
  if (reading && (events & (io_->wants_write() ? EPOLLOUT : 0u))) events |= EPOLLIN;
  if (events & EPOLLOUT) {
    if (state_ == State::send)
      send_output();
    else if (state_ == State::relay || state_ == State::cgi_head)
      relay_run();
    if (state_ == State::closed) return;
  }
  if ((events & (EPOLLIN | EPOLLHUP)) && reading) {
    read_socket();
    return;
  }
  if (events & EPOLLHUP) {
    if (state_ == State::cgi_head || state_ == State::relay) {
      spdlog::info("{}: client went away during a CGI response", peer());
    }
    close_now();
  }
}

// ---------------------------------------------------------------- sending

void Connection::send_response() {
  // The HTTP/1.1 framing of the exchange's response, in the slot before its body.
  std::string& head = out_.head();
  head.clear();
  Http1Framing framing;
  framing.keep_alive = ex_.keep_alive();
  framing.version_minor = ex_.version_minor();
  framing.connection_lines = connection_head_lines();
  frame_http1_head(ex_.response(), framing, head);
  out_.set_head(head);
  head_len_ = head.size();
  want_write_ = false;
  deadline_ = w_.now() + w_.cfg().limits.send_timeout;
  state_ = State::send;
  send_output();
}

void Connection::wait_for_auth() {
  // Bounded like a send: a verification queue that long means the worker is swamped.
  deadline_ = w_.now() + w_.cfg().limits.send_timeout;
  set_state(State::auth_wait);
}

void Connection::auth_verified(bool ok) {
  if (state_ != State::auth_wait) return;
  state_ = State::read_request;  // the exchange answers from here as if the head had just come
  out_.use_shared(w_.head_buffer(), w_.body_buffer());
  ex_.auth_verified(ok);
  if (state_ == State::read_body) take_body();
  if (state_ == State::read_request) update_interest();
}

void Connection::send_output() {
  std::uint64_t before = sent_;
  OutputQueue::Result r = out_.send(*io_, sent_);
  int err = errno;
  if (sent_ != before) deadline_ = w_.now() + w_.cfg().limits.send_timeout;
  switch (r) {
    case OutputQueue::Result::done: finish_response(); return;
    case OutputQueue::Result::would_block: wait_writable(); return;
    case OutputQueue::Result::error:
      spdlog::info("{}: send failed: {}", peer(), std::strerror(err));
      close_now();
      return;
    case OutputQueue::Result::file_shrank:
      spdlog::warn("{}: file shrank while being sent", peer());
      close_now();
      return;
  }
}

void Connection::wait_writable() {
  out_.own_buffers();
  if (!want_write_) {
    want_write_ = true;
    deadline_ = w_.now() + w_.cfg().limits.send_timeout;
  }
  update_interest();
}

bool Connection::send_failed(const char* what) {
  if (errno == EINTR) return true;
  if (errno == EAGAIN) {
    wait_writable();
    return false;
  }
  spdlog::info("{}: {} failed: {}", peer(), what, std::strerror(errno));
  close_now();
  return false;
}

void Connection::log_access(bool aborted) {
  ex_.log_access(body_bytes_sent(), aborted, sent_ == 0);
}

std::uint64_t Connection::body_bytes_sent() const {
  if (state_ == State::relay || state_ == State::cgi_head) return payload_sent_;
  return sent_ > head_len_ ? sent_ - head_len_ : 0;
}

void Connection::finish_response() {
  log_access();
  out_.clear();
  // A big generated body (a listing of many entries) does not keep its memory.
  if (w_.body_buffer().capacity() > k_keep_body_buffer) std::string().swap(w_.body_buffer());
  want_write_ = false;
  if (!ex_.keep_alive() || w_.draining()) {
    if (ex_.force_linger() || in_off_ < in_.size() || parser_.unread_body())
      start_linger();
    else
      close_now();
    return;
  }
  state_ = State::read_request;
  deadline_ = w_.now() + w_.cfg().limits.keepalive_timeout;
  head_timer_set_ = false;
  update_interest();
  if (!in_process_ && in_off_ < in_.size()) process_buffered();
  if (!in_process_ && state_ == State::read_request && io_->pending()) read_socket();
}

void Connection::start_linger() {
  // Closing with unread input would send RST, which can destroy the response
  // in the client's receive queue: half-close and drain first.
  io_->shutdown_write();
  linger_read_ = 0;
  deadline_ = w_.now() + k_linger_timeout;
  set_state(State::linger);
}

void Connection::close_now() {
  if (state_ == State::closed) return;
  if (state_ == State::auth_wait) w_.auth().cancel(this);
  log_access(true);  // a response cut short still gets its line, with what was sent
  stop_cgi();
  if (cgi_) cgi_->waiting_route().reset();
  state_ = State::closed;
  w_.connection_closed(this);  // counted closed before the peer can see the close
  sock_interest_ = 0;          // close() drops the fd from the epoll set
  h2_.reset();  // streams cut short log their lines
  fd_.reset();
  out_.clear();
}

void Connection::force_close() {
  close_now();
}

void Connection::on_drain() {
  if (state_ == State::h2) {
    h2_->goaway(NGHTTP2_NO_ERROR);  // the streams in flight finish; no new ones start
    h2_run();
    return;
  }
  if (state_ != State::read_request) return;
  bool idle = in_off_ >= in_.size() && !parser_.head_in_progress() && !parser_.unread_body();
  if (idle && requests_ > 0) close_now();
}

void Connection::on_timer() {
  if (state_ == State::closed) return;
  steady_clock::time_point now = w_.now();
  if ((state_ == State::cgi_head || state_ == State::relay) && cgi_ && cgi_->out_fd() >= 0 && now >= cgi_deadline_) {
    cgi_timeout();
    return;
  }
  if (now < deadline_) return;
  switch (state_) {
    case State::h2: h2_timer(); return;
    case State::read_request:
      spdlog::debug("{}: {} timeout", peer(), parser_.head_in_progress() || requests_ == 0 ? "header" : "keep-alive");
      io_->shutdown_write();  // over TLS a close_notify first: the client sees a clean end, not a truncation
      close_now();
      return;
    case State::read_body:
      spdlog::info("{}: no request body bytes for {} ms; answering 408", peer(), w_.cfg().limits.body_timeout.count());
      refuse_body(408);
      return;
    case State::send:
    case State::relay:
    case State::cgi_head:
      if (want_write_) {
        spdlog::info("{}: no send progress for {} ms; closing", peer(), w_.cfg().limits.send_timeout.count());
        close_now();
      } else {
        deadline_ = k_never;
      }
      return;
    case State::auth_wait:
      spdlog::info("{}: no answer from the password verification for {} ms; closing", peer(),
                   w_.cfg().limits.send_timeout.count());
      close_now();
      return;
    case State::linger: close_now(); return;
    case State::closed: return;
  }
}

}  // namespace filehttpd
