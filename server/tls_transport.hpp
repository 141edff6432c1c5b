#pragma once
// TLS over an accepted socket: the handshake, then records, all without
// blocking. A call that cannot go on says which way the socket must become
// ready (wants_read/wants_write); the connection watches for that.
#include <cstdint>
#include <string>
#include <string_view>

#include "transport.hpp"

typedef struct ssl_st SSL;

namespace filehttpd {

// Plaintext bytes taken per SSL_write: one full record.
inline constexpr std::size_t k_tls_write_chunk = 16 * 1024;

// What a connection knows of its TLS session (for CGI variables and logs).
struct TlsSessionInfo {
  std::string protocol;  // "TLSv1.3"
  std::string cipher;    // "TLS_AES_128_GCM_SHA256"
  std::string sni;       // the server name the client asked for, or ""
};

// Returns true when the first byte of a connection can start a TLS
// handshake record (content type 22); anything else is not TLS.
inline bool starts_tls_handshake(unsigned char first) { return first == 0x16; }

// Returns the -t note on kernel TLS: available when available_ulps (the text
// of /proc/sys/net/ipv4/tcp_available_ulp) lists tls or the module is
// installed (it loads on first use), else why not.
std::string ktls_note(std::string_view available_ulps, bool module_present);

// ktls_note() for this machine's kernel.
std::string ktls_note_here();

// Returns false when this kernel cannot take TLS keys on a TCP socket:
// setsockopt(TCP_ULP, "tls") on a loopback connection fails with ENOENT
// (it loads the module where one is installed). True when the probe cannot
// run. Probed once per process.
bool ktls_usable();

class TlsTransport final : public Transport {
 public:
  // Takes ownership of ssl, which is set up over fd in accept state.
  TlsTransport(SSL* ssl, int fd) : ssl_(ssl), fd_(fd) {}
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  // Completes the handshake first, then SSL_read. -1 with EAGAIN while
  // waiting; EPROTO when the peer does not speak TLS (see not_tls()).
  ssize_t read(char* buf, std::size_t len) override;
  // SSL_write of the buffers, gathered into one record's worth when several.
  ssize_t send_iov(const iovec* iov, int count, bool more) override;
  // SSL_sendfile when the kernel encrypts (kTLS send), else pread of one
  // record's worth into the worker's buffer, then SSL_write.
  ssize_t send_file(int file_fd, off_t* offset, std::size_t len) override;
  // The buffers and the first file bytes gathered into one record (up to 16 KiB).
  ssize_t send_iov_file(const iovec* iov, int count, int file_fd, off_t offset, std::size_t len) override;
  // Sends close_notify (once), then shuts down the socket's sending side.
  void shutdown_write() override;
  // True when the last call stalled until the socket is readable.
  bool wants_read() const override { return want_read_; }
  // True when the last call stalled until the socket is writable.
  bool wants_write() const override { return want_write_; }
  // True when OpenSSL holds decrypted bytes that read() has not returned yet.
  bool pending() const override;
  // True when the kernel encrypts what is sent (kTLS): SSL_sendfile copies nothing through us.
  bool zero_copy_files() const override { return ktls_send_; }

  // True once the handshake is done.
  bool established() const { return established_; }
  // True when the peer's first byte was not a TLS handshake record.
  bool not_tls() const { return not_tls_; }
  // True when the kernel encrypts what this connection sends (kTLS).
  bool ktls_send() const { return ktls_send_; }
  // Returns the negotiated protocol, cipher and SNI name.
  TlsSessionInfo session_info() const;
  // Returns the SNI name the client sent, or "" (none, or no handshake yet). No copy.
  std::string_view server_name() const;
  // True when ALPN chose "h2".
  bool alpn_h2() const;

 private:
  // Runs the handshake; true once established, else -1's errno is set.
  bool handshake();
  // Maps a failed SSL_* call's result to -1 with errno, noting the direction wanted.
  ssize_t fail(int rc);
  // Gathers the buffers into the staging buffer, then up to room of the file; returns the bytes staged or -1.
  ssize_t stage(const iovec* iov, int count, int file_fd, off_t offset, std::size_t len);
  // SSL_write of len bytes of data.
  ssize_t write_bytes(const char* data, std::size_t len);

  SSL* ssl_;
  int fd_;
  bool want_read_ = false;
  bool want_write_ = false;
  bool established_ = false;
  bool checked_first_ = false;
  bool read_starved_ = false;  // the last read wanted more socket bytes: held bytes are no whole record
  bool not_tls_ = false;
  bool shut_ = false;
  bool ktls_send_ = false;
};

}  // namespace filehttpd
