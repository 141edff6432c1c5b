#include "sock_addr.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>

namespace filehttpd {

std::string address_host(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = "-";
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_UNIX) {
    return "unix";
  }
  return buf;
}

unsigned address_port(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  return 0;
}

std::string address_name(const sockaddr* sa, socklen_t len) {
  sockaddr_storage ss{};
  std::memcpy(&ss, sa, std::min<std::size_t>(len, sizeof ss));
  if (ss.ss_family == AF_INET) return address_host(ss) + ":" + std::to_string(address_port(ss));
  if (ss.ss_family == AF_INET6) return "[" + address_host(ss) + "]:" + std::to_string(address_port(ss));
  if (ss.ss_family == AF_UNIX) return std::string("unix:") + reinterpret_cast<const sockaddr_un&>(ss).sun_path;
  return "?";
}

}  // namespace filehttpd
