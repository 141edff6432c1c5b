#pragma once
// The byte stream under a connection: what a session reads and writes,
// whatever carries it. PlainTransport is the accepted socket itself; a TLS
// transport will put records between the same calls and the socket.
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>

namespace filehttpd {

class Transport {
 public:
  virtual ~Transport() = default;
  // Reads up to len bytes: the count, 0 at end of stream, or -1 with errno (EAGAIN: nothing yet).
  virtual ssize_t read(char* buf, std::size_t len) = 0;
  // Writes the buffers without blocking; more: further bytes of this response
  // follow at once. Returns the bytes taken or -1 with errno (EAGAIN: full).
  virtual ssize_t send_iov(const iovec* iov, int count, bool more) = 0;
  // Sends up to len bytes of file_fd from *offset, advancing it: the bytes
  // taken, 0 when the file ended first, or -1 with errno (EAGAIN: full).
  virtual ssize_t send_file(int file_fd, off_t* offset, std::size_t len) = 0;
  // Sends the buffers, then as much of len bytes of file_fd from offset as
  // fits with them in one write (a TLS record). Returns the bytes taken of
  // both together or -1 with errno; the plain socket sends the buffers only,
  // with MSG_MORE, which already puts them in one segment with the file.
  virtual ssize_t send_iov_file(const iovec* iov, int count, int file_fd, off_t offset, std::size_t len) {
    (void)file_fd, (void)offset, (void)len;
    return send_iov(iov, count, true);
  }
  // Ends the sending direction after what was written (the peer reads end of stream).
  virtual void shutdown_write() = 0;
  // True when the last call stalled for socket readability, whichever way it went (TLS).
  virtual bool wants_read() const { return false; }
  // True when the last call stalled for socket writability, whichever way it went (TLS).
  virtual bool wants_write() const { return false; }
  // Returns true when read() has bytes at hand that no socket event will announce.
  virtual bool pending() const { return false; }
  // True when send_file() hands pages to the kernel without copying them through us
  // (sendfile on a plain socket, SSL_sendfile under kTLS).
  virtual bool zero_copy_files() const { return false; }

  // Writes len bytes from data as one buffer, with nothing to follow: send_iov's result.
  ssize_t write(const char* data, std::size_t len) {
    iovec one{const_cast<char*>(data), len};
    return send_iov(&one, 1, false);
  }
};

// The plain socket: recv, sendmsg and sendfile, never blocking, never SIGPIPE.
// It does not own the descriptor.
class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  // recv() on the socket.
  ssize_t read(char* buf, std::size_t len) override;
  // sendmsg() with MSG_NOSIGNAL | MSG_DONTWAIT, and MSG_MORE when more follows.
  ssize_t send_iov(const iovec* iov, int count, bool more) override;
  // sendfile() into the socket.
  ssize_t send_file(int file_fd, off_t* offset, std::size_t len) override;
  // shutdown(SHUT_WR).
  void shutdown_write() override;
  // sendfile() copies nothing through us.
  bool zero_copy_files() const override { return true; }

 private:
  int fd_;
};

}  // namespace filehttpd
