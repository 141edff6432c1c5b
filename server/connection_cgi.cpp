// The connection's CGI states: collecting a request body (read_body), then
// relaying the script's output (cgi_head, relay) through a CgiExchange.
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "access_log.hpp"
#include "connection.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "sock_addr.hpp"

namespace filehttpd {

namespace {

// A finished CGI's pipe may stay open (a grandchild holds it) this long.
constexpr std::chrono::milliseconds k_cgi_exit_linger{1000};

}  // namespace

PeerInfo Connection::peer_info() {
  PeerInfo info;
  info.remote_addr = peer();
  info.remote_port = address_port(peer_);
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    info.server_addr = address_host(local);
    info.server_port = address_port(local);
  }
  add_tls_info(info);
  return info;
}

void Connection::update_pipe_interest() {
  // A closed pipe left the epoll set with its close.
  if (!cgi_ || cgi_->out_fd() < 0) {
    cgi_out_interest_ = 0;
  } else {
    bool waiting = cgi_->wants_readable();
    if (waiting != ((cgi_out_interest_ & EPOLLIN) != 0))
      move_cgi_deadline(waiting ? CgiWait::armed : CgiWait::paused);
    w_.set_interest(cgi_->out_fd(), &cgi_out_tag_, cgi_out_interest_, waiting ? std::uint32_t{EPOLLIN} : 0u);
  }
  if (!cgi_ || cgi_->in_fd() < 0)
    cgi_in_interest_ = 0;
  else
    w_.set_interest(cgi_->in_fd(), &cgi_in_tag_, cgi_in_interest_,
                    cgi_->wants_writable() ? std::uint32_t{EPOLLOUT} : 0u);
}

void Connection::collect_body(Route route, bool send_continue) {
  cgi().body().reset(spill_dir_for(w_.cfg().cgi.body_dir));
  cgi().waiting_route() = std::make_unique<Route>(std::move(route));
  // A chunk size over the limit is refused before its bytes; a declared
  // length was held to both limits already.
  parser_.set_body_limit(std::min(w_.cfg().cgi.max_body, w_.cfg().limits.max_body));
  deadline_ = w_.now() + w_.cfg().limits.body_timeout;
  set_state(State::read_body);
  if (send_continue) {
    static const char k_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (io_->write(k_continue, sizeof k_continue - 1) < 0 && errno != EAGAIN) {
      close_now();
      return;
    }
  }
  // The body bytes already read are parsed by the caller once the head is consumed.
}

void Connection::take_body() {
  const Config& cfg = w_.cfg();
  std::string& chunk = w_.body_chunk_buffer();
  bool whole = false;
  while (state_ == State::read_body && in_off_ < in_.size()) {
    std::size_t used = 0;
    chunk.clear();
    parser_.set_body_sink(&chunk);
    ParseEvent ev = parser_.feed(in_.data() + in_off_, in_.size() - in_off_, used);
    parser_.set_body_sink(nullptr);
    in_off_ += used;
    if (ev == ParseEvent::error && parser_.error_status() == 413) {
      bool cgi_limit = cfg.cgi.max_body <= cfg.limits.max_body;
      spdlog::info("{}: request body over {} ({} bytes): {}", peer(), cgi_limit ? "cgi.max_body" : "limits.max_body",
                   cgi_limit ? cfg.cgi.max_body : cfg.limits.max_body, parser_.error_reason());
      refuse_body(413);
      return;
    }
    if (ev == ParseEvent::error) {
      spdlog::info("{}: bad request body: {}", peer(), log_escaped(parser_.error_reason()));
      refuse_body(400);
      return;
    }
    if (int err = cgi().body().append(chunk.data(), chunk.size())) {
      spdlog::error("{}: cannot keep the request body in {}: {}", peer(), spill_dir_for(cfg.cgi.body_dir),
                    std::strerror(err));
      refuse_body(500);
      return;
    }
    if (ev == ParseEvent::message_done) {
      whole = true;
      break;
    }
    if (used == 0) break;
  }
  if (in_off_ >= in_.size()) {
    in_.clear();
    in_off_ = 0;
  }
  chunk.clear();
  if (chunk.capacity() > k_read_chunk * 4) chunk = std::string();
  if (whole) {
    Route route = std::move(*cgi().waiting_route());
    cgi().waiting_route().reset();
    if (!ex_.spawn_script(parser_.request(), route, cgi().body().size())) cgi().body().clear();
  }
}

void Connection::refuse_body(int status) {
  cgi().body().clear();
  cgi().waiting_route().reset();
  ex_.refuse_body(status);
}

int Connection::run_script(const CgiSpawn& spec, const CgiResponseShape& exchange_shape, std::string label) {
  CgiResponseShape shape = exchange_shape;
  shape.head_lines = connection_head_lines();
  if (int err = cgi().start(spec, this, shape, std::move(label))) return err;
  cgi_out_interest_ = 0;
  cgi_in_interest_ = 0;
  payload_sent_ = 0;
  cgi_deadline_ = w_.now() + w_.cfg().cgi.timeout;
  deadline_ = k_never;
  want_write_ = false;
  state_ = shape.parse_head ? State::cgi_head : State::relay;
  cgi().feed();
  update_interest();
  if (state_ == State::relay && cgi().output().pending() > 0) relay_run();
  return 0;
}

void Connection::on_cgi_in_event(std::uint32_t events) {
  if (state_ == State::closed || !cgi_ || cgi_->in_fd() < 0) return;
  if (events & EPOLLERR)
    cgi().end_stdin();  // the script closed its stdin
  else
    cgi().feed();
  update_interest();
}

void Connection::on_cgi_out_event(std::uint32_t events) {
  (void)events;
  if (state_ == State::closed || !cgi_ || cgi_->out_fd() < 0) return;
  relay_run();
}

void Connection::relay_run() {
  if (state_ != State::cgi_head && state_ != State::relay) return;
  // A bad header block or a local redirect replaces the response: acted on
  // after the loop, so nothing new starts inside it.
  CgiExchange::Read replaced = CgiExchange::Read::moved;
  bool ok = cgi().output().run(
      [this, &replaced](std::size_t room) {
        CgiExchange::Read r = cgi().fill(room);
        if (r == CgiExchange::Read::moved && state_ == State::cgi_head && cgi().head_done()) {
          state_ = State::relay;
          ex_.set_status(cgi().status());
        }
        if (r == CgiExchange::Read::moved) move_cgi_deadline(CgiWait::output);
        switch (r) {
          case CgiExchange::Read::moved: return IoStep::moved;
          case CgiExchange::Read::blocked: return IoStep::blocked;
          case CgiExchange::Read::ended: return IoStep::ended;
          default: replaced = r; return IoStep::failed;
        }
      },
      [this](const char* data, std::size_t len, std::size_t& written) { return relay_send(data, len, written); });
  if (replaced == CgiExchange::Read::bad_head) {
    cgi_fail(502, cgi().failure().c_str());
  } else if (replaced == CgiExchange::Read::local_redirect) {
    stop_cgi();
    ex_.internal_redirect(parser_.request(), cgi().redirect_target());
  } else if (ok) {
    if (cgi().output().pending() == 0) {
      payload_sent_ = cgi().payload();
      if (want_write_) {
        want_write_ = false;
        deadline_ = k_never;
      }
    }
    if (cgi().output().done() && state_ == State::relay) {
      ex_.end_keep_alive_unless(cgi_->keep_alive());
      cgi_->detach();
      cgi_.reset();  // an idle connection keeps no CGI state or buffers
      finish_response();
      return;
    }
    update_interest();
  }
}

IoStep Connection::relay_send(const char* data, std::size_t len, std::size_t& written) {
  while (true) {
    ssize_t n = io_->write(data, len);
    if (n >= 0) {
      written = static_cast<std::size_t>(n);
      sent_ += static_cast<std::uint64_t>(n);
      deadline_ = want_write_ ? w_.now() + w_.cfg().limits.send_timeout : k_never;
      return IoStep::moved;
    }
    if (send_failed("CGI relay")) continue;
    return state_ == State::closed ? IoStep::failed : IoStep::blocked;
  }
}

void Connection::cgi_fail(int status, const char* why) {
  if (status == 502) bump(my_counters().cgi_failed);
  spdlog::warn("{}: CGI {} failed ({}): {}", peer(), log_escaped(parser_.request().target), status, why);
  stop_cgi();
  ex_.respond_error(status, false);
}

void Connection::cgi_timeout() {
  if (cgi().script_exited()) {
    spdlog::info("{}: CGI exited but its output stayed open; ending the response", peer());
    if (!cgi().end_output("the script exited before finishing its headers")) {
      cgi_fail(502, cgi().failure().c_str());
      return;
    }
    cgi().output().source_ended = true;
    relay_run();
    return;
  }
  spdlog::warn("{}: CGI produced nothing for {} ms; stopping it", peer(), w_.cfg().cgi.timeout.count());
  bump(my_counters().cgi_timeouts);
  if (state_ == State::cgi_head) {  // no head yet: the exchange can still answer 504
    cgi_fail(504, "timeout");
  } else {
    close_now();
  }
}

void Connection::on_cgi_exit(int wait_status) {
  if (cgi().exited(wait_status)) move_cgi_deadline(CgiWait::exited);
  update_interest();
}

void Connection::move_cgi_deadline(CgiWait ev) {
  cgi_deadline_ = next_cgi_deadline(cgi_deadline_, ev, cgi().script_exited(), cgi().wants_readable(), w_.now(),
                                    w_.cfg().cgi.timeout, k_cgi_exit_linger);
}

CgiExchange& Connection::cgi() {
  if (!cgi_) cgi_ = std::make_unique<CgiExchange>(w_);
  return *cgi_;
}

void Connection::stop_cgi() {
  if (cgi_) cgi_->stop();
  cgi_out_interest_ = 0;  // closing the pipes took them out of the epoll set
  cgi_in_interest_ = 0;
}

}  // namespace filehttpd
