// H2Stream's CGI: the request body collected from DATA frames into a
// BodyStore, then the script's output read through a CgiExchange (its header
// block parsed into a Response) and handed to the session's data provider.
// Reading the pipe pauses while the relay buffer is full (the client's
// window is the slow side) and resumes as DATA frames take the bytes.
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>

#include "access_log.hpp"
#include "h2_session.hpp"
#include "h2_stream.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace filehttpd {

namespace {

// A finished script's pipe may stay open (a grandchild holds it) this long.
constexpr std::chrono::milliseconds k_h2_cgi_exit_linger{1000};

}  // namespace

const Response& H2Stream::response() const {
  return cgi_relay_ ? cgi_->head() : ex_.response();
}

void H2Stream::collect_body(Route route, bool) {
  // No 100 Continue in HTTP/2: the client sends DATA frames as the window allows.
  if (!cgi_) cgi_ = std::make_unique<CgiExchange>(w_);
  cgi_->body().reset(spill_dir_for(w_.cfg().cgi.body_dir));
  waiting_route_ = std::make_unique<Route>(std::move(route));
  body_limit_ = std::min(w_.cfg().cgi.max_body, w_.cfg().limits.max_body);
  collecting_ = true;
  cgi_deadline_ = w_.now() + w_.cfg().limits.body_timeout;  // as over HTTP/1.1: since the last body bytes
  if (ended_) end_of_body();
}

void H2Stream::body_data(const std::uint8_t* data, std::size_t len) {
  if (!collecting_) return;  // a body no script waits for is dropped
  const Config& cfg = w_.cfg();
  cgi_deadline_ = w_.now() + cfg.limits.body_timeout;
  if (cgi_->body().size() + len > body_limit_) {
    bool cgi_limit = cfg.cgi.max_body <= cfg.limits.max_body;
    spdlog::info("{}: request body over {} ({} bytes)", peer(), cgi_limit ? "cgi.max_body" : "limits.max_body",
                 body_limit_);
    refuse_body(413);
    return;
  }
  if (int err = cgi_->body().append(reinterpret_cast<const char*>(data), len)) {
    spdlog::error("{}: cannot keep the request body in {}: {}", peer(), spill_dir_for(cfg.cgi.body_dir),
                  std::strerror(err));
    refuse_body(500);
  }
}

void H2Stream::refuse_body(int status) {
  collecting_ = false;
  cgi_deadline_ = steady_clock::time_point::max();
  cgi_->body().clear();
  waiting_route_.reset();
  ex_.refuse_body(status);
}

void H2Stream::end_of_body() {
  ended_ = true;
  if (!collecting_) return;
  if (req_.has_content_length && cgi_->body().size() != req_.content_length) {
    spdlog::info("{}: request body of {} bytes, Content-Length {}", peer(), cgi_->body().size(), req_.content_length);
    refuse_body(400);
    return;
  }
  collecting_ = false;
  cgi_deadline_ = steady_clock::time_point::max();
  Route route = std::move(*waiting_route_);
  waiting_route_.reset();
  if (!ex_.spawn_script(req_, route, cgi_->body().size())) cgi_->body().clear();
}

int H2Stream::run_script(const CgiSpawn& spec, const CgiResponseShape& exchange_shape, std::string label) {
  CgiResponseShape shape = exchange_shape;
  shape.structured = true;
  shape.parse_head = true;  // no raw (nph-) output over HTTP/2: its status line would be HTTP/1.1
  shape.status_line = {};
  shape.head_lines = {};
  if (!cgi_) cgi_ = std::make_unique<CgiExchange>(w_);
  if (int err = cgi_->start(spec, this, shape, std::move(label))) return err;
  out_interest_ = 0;
  in_interest_ = 0;
  cgi_relay_ = false;
  deferred_ = false;
  cgi_deadline_ = w_.now() + w_.cfg().cgi.timeout;
  cgi_->feed();
  update_pipe_interest();
  return 0;
}

bool H2Stream::cgi_waiting() const {
  // Not while collecting: an uploader makes the server send WINDOW_UPDATEs, so
  // send_timeout closes only a connection whose body stalled (or an empty-DATA flood).
  return cgi_ && cgi_->active() && cgi_->wants_readable();
}

void H2Stream::on_cgi_in_event(std::uint32_t events) {
  if (!cgi_ || cgi_->in_fd() < 0) return;
  if (events & EPOLLERR)
    cgi_->end_stdin();
  else
    cgi_->feed();
  update_pipe_interest();
}

void H2Stream::on_cgi_out_event(std::uint32_t) {
  if (!cgi_ || cgi_->out_fd() < 0) return;
  relay();
  session_.kick();
}

void H2Stream::on_cgi_exit(int wait_status) {
  if (!cgi_) return;
  if (cgi_->exited(wait_status)) move_cgi_deadline(CgiWait::exited);
  update_pipe_interest();
}

void H2Stream::relay() {
  BytePump& p = cgi_->output();
  CgiExchange::Read r = CgiExchange::Read::blocked;
  while (p.wants_source()) {
    r = cgi_->fill(p.capacity - p.pending());
    if (r == CgiExchange::Read::moved) {
      move_cgi_deadline(CgiWait::output);
      continue;
    }
    if (r == CgiExchange::Read::ended) p.source_ended = true;
    break;
  }
  if (r == CgiExchange::Read::bad_head) {
    cgi_fail(502, cgi_->failure().c_str());
    return;
  }
  if (r == CgiExchange::Read::local_redirect) {
    stop_cgi();
    ex_.internal_redirect(req_, cgi_->redirect_target());
    return;
  }
  if (cgi_->head_done() && !cgi_relay_ && !responded_) {
    cgi_relay_ = true;
    responded_ = true;
    has_body_ = true;  // the data provider ends the stream when the output ends (HEAD: no bytes)
    ex_.set_status(cgi_->status());
    session_.submit(*this);
  } else if (deferred_ && (p.pending() > 0 || p.source_ended)) {
    deferred_ = false;
    session_.resume(id_);
  }
  update_pipe_interest();
}

long H2Stream::read_cgi_body(std::uint8_t* buf, std::size_t room, bool& eof) {
  BytePump& p = cgi_->output();
  std::size_t n = std::min(room, p.pending());
  std::copy_n(p.buf.data() + p.off, n, buf);
  p.off += n;
  if (p.off == p.buf.size()) {
    p.buf.clear();
    p.off = 0;
  }
  body_sent_ += n;
  if (p.pending() == 0 && p.source_ended) {
    eof = true;
    cgi_->detach();  // the worker reaps the script
    cgi_deadline_ = steady_clock::time_point::max();
  } else if (n == 0) {
    deferred_ = true;
    update_pipe_interest();
    return k_h2_deferred;
  }
  update_pipe_interest();
  return static_cast<long>(n);
}

void H2Stream::update_pipe_interest() {
  if (!cgi_ || cgi_->out_fd() < 0) {
    out_interest_ = 0;  // a closed pipe left the epoll set with its close
  } else {
    bool waiting = cgi_->wants_readable();
    if (waiting != ((out_interest_ & EPOLLIN) != 0)) move_cgi_deadline(waiting ? CgiWait::armed : CgiWait::paused);
    w_.set_interest(cgi_->out_fd(), &out_tag_, out_interest_, waiting ? std::uint32_t{EPOLLIN} : 0u);
  }
  if (!cgi_ || cgi_->in_fd() < 0)
    in_interest_ = 0;
  else
    w_.set_interest(cgi_->in_fd(), &in_tag_, in_interest_, cgi_->wants_writable() ? std::uint32_t{EPOLLOUT} : 0u);
}

void H2Stream::move_cgi_deadline(CgiWait ev) {
  cgi_deadline_ = next_cgi_deadline(cgi_deadline_, ev, cgi_->script_exited(), cgi_->wants_readable(), w_.now(),
                                    w_.cfg().cgi.timeout, k_h2_cgi_exit_linger);
}

void H2Stream::cgi_fail(int status, const char* why) {
  if (status == 502) bump(my_counters().cgi_failed);
  spdlog::warn("{}: CGI {} failed ({}): {}", peer(), log_escaped(req_.target), status, why);
  stop_cgi();
  ex_.respond_error(status, false);
}

void H2Stream::cgi_timeout() {
  cgi_deadline_ = steady_clock::time_point::max();
  if (collecting_) {
    spdlog::info("{}: no request body bytes for {} ms; answering 408", peer(), w_.cfg().limits.body_timeout.count());
    refuse_body(408);
    return;
  }
  if (!cgi_ || !cgi_->active()) return;
  if (cgi_->script_exited()) {
    spdlog::info("{}: CGI exited but its output stayed open; ending the response", peer());
    if (!cgi_->end_output("the script exited before finishing its headers")) {
      cgi_fail(502, cgi_->failure().c_str());
      return;
    }
    cgi_->output().source_ended = true;
    relay();
    return;
  }
  spdlog::warn("{}: CGI produced nothing for {} ms; stopping it", peer(), w_.cfg().cgi.timeout.count());
  bump(my_counters().cgi_timeouts);
  if (!responded_) {
    cgi_fail(504, "timeout");
    return;
  }
  stop_cgi();
  session_.reset(id_);
}

void H2Stream::stop_cgi() {
  if (!cgi_) return;
  cgi_->stop();
  out_interest_ = 0;  // closing the pipes took them out of the epoll set
  in_interest_ = 0;
  cgi_deadline_ = steady_clock::time_point::max();
}

}  // namespace filehttpd
