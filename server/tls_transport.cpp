#include "tls_transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "metrics.hpp"
#include "unique_fd.hpp"

namespace filehttpd {

namespace {

// The worker's one staging buffer for gathered buffers and file chunks: a
// worker is one thread, and OpenSSL has encrypted what it took before a call
// returns, so one buffer serves every connection.
char g_stage[k_tls_write_chunk];

}  // namespace

std::string ktls_note(std::string_view available_ulps, bool module_present) {
  bool listed = false;
  std::size_t pos = 0;
  while (pos < available_ulps.size() && !listed) {
    std::size_t start = available_ulps.find_first_not_of(" \t\n", pos);
    if (start == std::string_view::npos) break;
    std::size_t end = available_ulps.find_first_of(" \t\n", start);
    if (end == std::string_view::npos) end = available_ulps.size();
    listed = available_ulps.substr(start, end - start) == "tls";
    pos = end;
  }
  if (listed || module_present)
    return "kernel TLS: available; file bodies go out with SSL_sendfile where the cipher allows";
  return "kernel TLS: not available (no tls in /proc/sys/net/ipv4/tcp_available_ulp); OpenSSL encrypts file bodies";
}

std::string ktls_note_here() {
  // The probe first: it loads the module where one is installed, so the list
  // read below says what the TLS contexts were set up with.
  ktls_usable();
  std::ifstream in("/proc/sys/net/ipv4/tcp_available_ulp");
  std::stringstream ulps;
  ulps << in.rdbuf();
  utsname u{};
  struct stat st{};
  bool module = uname(&u) == 0 && stat((std::string("/lib/modules/") + u.release + "/kernel/net/tls").c_str(), &st) == 0;
  return ktls_note(ulps.str(), module);
}

bool ktls_usable() {
  static const bool usable = [] {
    unique_fd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    unique_fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    // The ULP needs an established connection; the listener's backlog completes it without an accept.
    if (!listener || !client || bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener.get(), 1) != 0 || getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      return true;
    static const char k_ulp[] = "tls";
    return setsockopt(client.get(), IPPROTO_TCP, TCP_ULP, k_ulp, sizeof k_ulp - 1) == 0 || errno != ENOENT;
  }();
  return usable;
}

TlsTransport::~TlsTransport() {
  if (!established_) bump(my_counters().tls_handshakes[static_cast<std::size_t>(
                         not_tls_ ? TlsHandshake::not_tls : TlsHandshake::failed)]);
  SSL_free(ssl_);
}

ssize_t TlsTransport::fail(int rc) {
  int e = SSL_get_error(ssl_, rc);
  switch (e) {
    case SSL_ERROR_WANT_READ: want_read_ = true; errno = EAGAIN; return -1;
    case SSL_ERROR_WANT_WRITE: want_write_ = true; errno = EAGAIN; return -1;
    case SSL_ERROR_ZERO_RETURN: errno = EPIPE; return -1;
    case SSL_ERROR_SYSCALL:
      if (errno == 0) errno = ECONNRESET;
      break;
    default: errno = EPROTO; break;
  }
  ERR_clear_error();
  return -1;
}

bool TlsTransport::pending() const {
  // Decrypted bytes, or (OpenSSL reads ahead) whole records read from the socket
  // and not yet decrypted; a partial record waits for the socket like any read.
  return established_ && !not_tls_ && (SSL_pending(ssl_) > 0 || (!read_starved_ && SSL_has_pending(ssl_)));
}

ssize_t TlsTransport::read(char* buf, std::size_t len) {
  want_read_ = want_write_ = false;
  if (not_tls_) return recv(fd_, buf, len, 0);  // draining a plain HTTP client after its 400
  if (!established_) {
    if (!checked_first_) {
      unsigned char first = 0;
      ssize_t n = recv(fd_, &first, 1, MSG_PEEK);
      if (n <= 0) {
        if (n < 0 && errno == EAGAIN) want_read_ = true;
        return n;
      }
      checked_first_ = true;
      if (!starts_tls_handshake(first)) {
        not_tls_ = true;
        errno = EPROTO;
        return -1;
      }
    }
    ERR_clear_error();
    int rc = SSL_do_handshake(ssl_);
    if (rc != 1) {
      if (SSL_get_error(ssl_, rc) == SSL_ERROR_ZERO_RETURN) return 0;
      return fail(rc);
    }
    established_ = true;
    TlsHandshake how = SSL_version(ssl_) == TLS1_3_VERSION ? TlsHandshake::ok_tls13 : TlsHandshake::ok_tls12;
    bump(my_counters().tls_handshakes[static_cast<std::size_t>(how)]);
    // OpenSSL turned on kernel TLS at the end of the handshake where the
    // kernel and the cipher allow it (SSL_OP_ENABLE_KTLS); else it encrypts.
    ktls_send_ = BIO_get_ktls_send(SSL_get_wbio(ssl_));
    TlsSendPath path = ktls_send_ ? TlsSendPath::ktls : TlsSendPath::userspace;
    bump(my_counters().tls_connections[static_cast<std::size_t>(path)]);
  }
  std::size_t got = 0;
  int rc = SSL_read_ex(ssl_, buf, len, &got);
  read_starved_ = false;
  if (rc == 1) return static_cast<ssize_t>(got);
  if (SSL_get_error(ssl_, rc) == SSL_ERROR_ZERO_RETURN) return 0;
  ssize_t n = fail(rc);
  read_starved_ = want_read_;  // what OpenSSL holds is not a whole record
  return n;
}

ssize_t TlsTransport::write_bytes(const char* data, std::size_t len) {
  want_read_ = want_write_ = false;
  if (!established_ || not_tls_) {
    errno = EPROTO;
    return -1;
  }
  if (len == 0) return 0;
  std::size_t done = 0;
  int rc = SSL_write_ex(ssl_, data, len, &done);
  if (rc == 1) return static_cast<ssize_t>(done);
  return fail(rc);
}

ssize_t TlsTransport::send_iov(const iovec* iov, int count, bool) {
  // Several buffers become one record's worth: a retry after EAGAIN gathers
  // the same bytes again from the same place, as OpenSSL requires.
  if (count == 1) return write_bytes(static_cast<const char*>(iov[0].iov_base), iov[0].iov_len);
  ssize_t n = stage(iov, count, -1, 0, 0);
  return n < 0 ? n : write_bytes(g_stage, static_cast<std::size_t>(n));
}

ssize_t TlsTransport::stage(const iovec* iov, int count, int file_fd, off_t offset, std::size_t len) {
  std::size_t n = 0;
  for (int i = 0; i < count && n < sizeof g_stage; ++i) {
    std::size_t take = std::min(iov[i].iov_len, sizeof g_stage - n);
    std::memcpy(g_stage + n, iov[i].iov_base, take);
    n += take;
  }
  if (file_fd >= 0 && n < sizeof g_stage && len > 0) {
    ssize_t got = pread(file_fd, g_stage + n, std::min(len, sizeof g_stage - n), offset);
    if (got < 0) return -1;
    n += static_cast<std::size_t>(got);  // 0: the file shrank; send_file says so next
  }
  return static_cast<ssize_t>(n);
}

ssize_t TlsTransport::send_iov_file(const iovec* iov, int count, int file_fd, off_t offset, std::size_t len) {
  ssize_t n = stage(iov, count, file_fd, offset, len);
  return n < 0 ? n : write_bytes(g_stage, static_cast<std::size_t>(n));
}

ssize_t TlsTransport::send_file(int file_fd, off_t* offset, std::size_t len) {
  if (ktls_send_) {
    want_read_ = want_write_ = false;
    ERR_clear_error();
    ossl_ssize_t sent = SSL_sendfile(ssl_, file_fd, *offset, len, 0);
    if (sent < 0) return fail(static_cast<int>(sent));
    *offset += sent;
    return sent;
  }
  ssize_t got = pread(file_fd, g_stage, std::min(len, sizeof g_stage), *offset);
  if (got <= 0) return got;
  ssize_t sent = write_bytes(g_stage, static_cast<std::size_t>(got));
  if (sent > 0) *offset += sent;
  return sent;
}

void TlsTransport::shutdown_write() {
  if (!shut_ && established_ && !not_tls_) {
    SSL_shutdown(ssl_);  // queues close_notify; a full socket just loses it
    ERR_clear_error();
  }
  shut_ = true;
  shutdown(fd_, SHUT_WR);
}

TlsSessionInfo TlsTransport::session_info() const {
  TlsSessionInfo out;
  if (!established_) return out;
  out.protocol = SSL_get_version(ssl_);
  if (const char* c = SSL_get_cipher_name(ssl_)) out.cipher = c;
  if (const char* s = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) out.sni = s;
  return out;
}

std::string_view TlsTransport::server_name() const {
  if (!established_) return {};
  const char* s = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return s ? std::string_view(s) : std::string_view();
}

bool TlsTransport::alpn_h2() const {
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &proto, &len);
  return len == 2 && proto[0] == 'h' && proto[1] == '2';
}

}  // namespace filehttpd
