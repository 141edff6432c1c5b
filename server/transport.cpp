#include "transport.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>

namespace filehttpd {

ssize_t PlainTransport::read(char* buf, std::size_t len) {
  return recv(fd_, buf, len, 0);
}

ssize_t PlainTransport::send_iov(const iovec* iov, int count, bool more) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<std::size_t>(count);
  return sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT | (more ? MSG_MORE : 0));
}

ssize_t PlainTransport::send_file(int file_fd, off_t* offset, std::size_t len) {
  return sendfile(fd_, file_fd, offset, len);
}

void PlainTransport::shutdown_write() {
  shutdown(fd_, SHUT_WR);
}

}  // namespace filehttpd
