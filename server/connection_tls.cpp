// Connection: what differs over TLS (the transport, a plain HTTP client on
// a TLS port); the rest of the class is in connection.cpp.
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "connection.hpp"
#include "log.hpp"
#include "tls_context.hpp"

namespace filehttpd {

namespace {

// The answer to plain HTTP on a TLS port, sent without TLS.
constexpr char k_plain_http_refusal[] =
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 52\r\n"
    "Connection: close\r\n"
    "\r\n"
    "This port speaks HTTPS: use an https:// URL for it.\n";

}  // namespace

void Connection::start_tls() {
  SSL* ssl = w_.tls() ? w_.tls()->new_ssl(fd_.get()) : nullptr;
  if (!ssl) {
    spdlog::warn("{}: cannot start a TLS session", peer());
    fd_.reset();
    return;
  }
  io_ = new TlsTransport(ssl, fd_.get());
}

std::string_view Connection::connection_head_lines() const {
  return secure() ? std::string_view(w_.hsts_line()) : std::string_view();
}

std::string_view Connection::sni() const {
  TlsTransport* t = tls();
  return t ? t->server_name() : std::string_view();
}

void Connection::add_tls_info(PeerInfo& info) const {
  if (TlsTransport* t = tls()) {
    TlsSessionInfo s = t->session_info();
    info.tls_protocol = s.protocol;
    info.tls_cipher = s.cipher;
    info.tls_sni = s.sni;
  }
}

TlsTransport* Connection::tls() const {
  return io_ == &plain_ ? nullptr : static_cast<TlsTransport*>(io_);
}

void Connection::read_failed() {
  TlsTransport* t = tls();
  if (t && t->not_tls() && state_ == State::read_request && requests_ == 0) {
    spdlog::debug("{}: plain HTTP on a TLS port; answering 400", peer());
    ssize_t n = send(fd_.get(), k_plain_http_refusal, sizeof k_plain_http_refusal - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)n;  // a full socket on the first answer: the client only loses the explanation
    start_linger();
    return;
  }
  if (t && !t->established())
    spdlog::debug("{}: TLS handshake failed: {}", peer(), std::strerror(errno));
  else
    spdlog::debug("{}: recv: {}", peer(), std::strerror(errno));
  close_now();
}

}  // namespace filehttpd
