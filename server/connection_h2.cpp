// Connection: handing the connection to an HTTP/2 session (the h2c preface
// on a plain listener with h2c on, or ALPN h2 over TLS), and driving it.
#include "connection.hpp"
#include "log.hpp"

namespace filehttpd {

std::size_t Connection::maybe_start_h2(const char* data, std::size_t len) {
  std::string_view got(data, len);
  TlsTransport* t = tls();
  bool alpn = t && t->alpn_h2();
  if (!alpn) {
    if (t || !w_.cfg().h2c || w_.cfg().profile != Profile::http) return 0;
    if (!got.starts_with(k_h2_preface.substr(0, std::min(len, k_h2_preface.size())))) return 0;
    if (len < k_h2_preface.size()) {
      // The start of the preface: wait for the rest (the header deadline runs).
      if (!head_timer_set_) {
        head_timer_set_ = true;
        deadline_ = w_.now() + w_.cfg().limits.header_timeout;
      }
      return 0;
    }
  }
  ExchangeHost& host = *this;
  h2_ = std::make_unique<H2Session>(w_, *io_, host);
  h2_->on_kick([this] { h2_run(); });
  state_ = State::h2;
  ++requests_;
  // Over TLS the preface may come in pieces: the header deadline runs until it is whole.
  if (!head_timer_set_) {
    head_timer_set_ = true;
    deadline_ = w_.now() + w_.cfg().limits.header_timeout;
  }
  h2_receive(data, len);
  return len;
}

void Connection::h2_receive(const char* data, std::size_t len) {
  if (!h2_->receive(data, len)) {
    h2_run();  // a GOAWAY may be waiting
    close_now();
    return;
  }
  if (!in_process_) h2_run();
}

void Connection::h2_run() {
  if (state_ != State::h2) return;
  std::uint64_t before = h2_->response_bytes();
  if (!h2_->flush()) {
    close_now();
    return;
  }
  if (h2_->done()) {
    close_now();
    return;
  }
  // Deadlines: until the whole preface is in, header_timeout; then bytes owed and none taken for send_timeout, or streams open
  // and nothing sent for send_timeout (a peer holding every window at 0),
  // close; idle for keepalive_timeout, GOAWAY. Progress is response bytes
  // (HEADERS, DATA): client frames (PING, SETTINGS) and our answers to them
  // extend neither.
  steady_clock::time_point now = w_.now();
  bool progress = h2_->response_bytes() != before;
  if (!h2_->preface_received()) {
    want_write_ = h2_->wants_write();  // the header deadline set when the session started runs on
  } else if (h2_->wants_write()) {
    if (progress || !want_write_) deadline_ = now + w_.cfg().limits.send_timeout;
    want_write_ = true;
  } else {
    want_write_ = false;
    if (h2_->idle()) {
      if (!h2_idle_) deadline_ = now + w_.cfg().limits.keepalive_timeout;
    } else if (progress || h2_idle_) {
      deadline_ = now + w_.cfg().limits.send_timeout;
    }
  }
  h2_idle_ = h2_->idle() && h2_->preface_received();
  deadline_ = std::min(deadline_, h2_->cgi_deadline());
  update_interest();
}

void Connection::h2_timer() {
  // A script's deadline, or a stream waiting on a script (cgi.timeout governs it, not send_timeout).
  if (h2_->expire_cgi(w_.now()) || (!want_write_ && h2_->cgi_waiting())) {
    deadline_ = w_.now() + w_.cfg().limits.send_timeout;
    h2_run();
    return;
  }
  if (want_write_ || !h2_->idle()) {
    spdlog::info("{}: no HTTP/2 progress for {} ms; closing", peer(), w_.cfg().limits.send_timeout.count());
    close_now();
    return;
  }
  h2_->goaway(NGHTTP2_NO_ERROR);
  h2_->flush();
  close_now();
}

}  // namespace filehttpd
