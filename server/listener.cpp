#include "listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "sock_addr.hpp"

namespace filehttpd {

bool valid_port(const std::string& p) {
  if (p.empty() || p.size() > 5) return false;
  for (char c : p)
    if (c < '0' || c > '9') return false;
  int v = std::stoi(p);
  return v >= 1 && v <= 65535;
}

void set_inherited_options(int fd) {
  // Linux copies TCP_NODELAY from the listener to each accepted socket, so
  // this costs no system call per connection.
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::string socket_name(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  return address_name(reinterpret_cast<sockaddr*>(&ss), len);
}

std::string parse_listen_spec(const std::string& spec, ListenSpec& out) {
  out = ListenSpec{};
  if (spec.rfind("unix:", 0) == 0) {
    out.kind = ListenSpec::Kind::unix_path;
    out.path = spec.substr(5);
    if (out.path.empty() || out.path[0] != '/') return "listen spec '" + spec + "': unix socket path must be absolute";
    if (out.path.size() >= sizeof(sockaddr_un{}.sun_path)) return "listen spec '" + spec + "': path too long";
    return "";
  }
  if (!spec.empty() && spec[0] == '[') {
    auto close = spec.find(']');
    if (close == std::string::npos || close + 1 >= spec.size() || spec[close + 1] != ':')
      return "listen spec '" + spec + "': expected [ADDRESS]:PORT";
    out.host = spec.substr(1, close - 1);
    out.port = spec.substr(close + 2);
  } else {
    auto colon = spec.rfind(':');
    if (colon == std::string::npos) {
      out.port = spec;
    } else {
      out.host = spec.substr(0, colon);
      out.port = spec.substr(colon + 1);
      if (out.host.find(':') != std::string::npos)
        return "listen spec '" + spec + "': IPv6 addresses need brackets, e.g. [::1]:8080";
      if (out.host.empty()) return "listen spec '" + spec + "': empty host";
    }
  }
  if (!valid_port(out.port)) return "listen spec '" + spec + "': port must be 1-65535";
  return "";
}

bool inherited_speaks_tls(const std::string& fd_name, const std::string& address,
                          const std::vector<std::string>& tls_listen) {
  if (fd_name == "tls" || fd_name == "https") return true;
  for (const std::string& spec : tls_listen) {
    if (spec == address) return true;
    bool bare_port = valid_port(spec) && address.size() > spec.size() &&
                     address.compare(address.size() - spec.size() - 1, std::string::npos, ":" + spec) == 0;
    if (bare_port) return true;
  }
  return false;
}

std::string bind_listen_spec(const std::string& spec, bool optional, std::vector<ListenSocket>& out) {
  ListenSpec ls;
  std::string err = parse_listen_spec(spec, ls);
  if (!err.empty()) return err;

  if (ls.kind == ListenSpec::Kind::unix_path) {
    struct stat st {};
    if (lstat(ls.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(ls.path.c_str());
    unique_fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return "cannot create a unix socket: " + std::string(std::strerror(errno));
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, ls.path.c_str(), sizeof sun.sun_path - 1);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0 || listen(fd.get(), k_listen_backlog) != 0)
      return "cannot bind " + spec + ": " + std::strerror(errno);
    out.push_back({std::move(fd), spec, spec});
    return "";
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const char* host = ls.host.empty() ? "0.0.0.0" : ls.host.c_str();
  int gai = getaddrinfo(host, ls.port.c_str(), &hints, &res);
  if (gai != 0) {
    if (optional) return "";
    return "cannot resolve " + spec + ": " + gai_strerror(gai);
  }
  std::vector<std::string> seen;
  std::string result;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    std::string name = address_name(ai->ai_addr, ai->ai_addrlen);
    bool dup = false;
    for (const auto& s : seen) dup = dup || s == name;
    if (dup) continue;
    seen.push_back(name);
    unique_fd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) {
      if (optional && (errno == EAFNOSUPPORT)) continue;
      result = "cannot bind " + name + ": " + std::strerror(errno);
      break;
    }
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    // Hand over connections once their first bytes are in (or after this many seconds).
    int defer = k_defer_accept_seconds;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof defer);
    set_inherited_options(fd.get());
    if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (optional && (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT)) continue;
      result = "cannot bind " + name + ": " + std::strerror(errno);
      break;
    }
    if (listen(fd.get(), k_listen_backlog) != 0) {
      result = "cannot listen on " + name + ": " + std::strerror(errno);
      break;
    }
    out.push_back({std::move(fd), spec, name});
  }
  freeaddrinfo(res);
  return result;
}

}  // namespace filehttpd
