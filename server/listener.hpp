#pragma once
// Listen specs: PORT, HOST:PORT, [V6]:PORT, unix:/path; binding and inherited sockets.
#include <string>
#include <vector>

#include "unique_fd.hpp"

namespace filehttpd {

// Backlog passed to listen().
inline constexpr int k_listen_backlog = 4096;
// TCP_DEFER_ACCEPT timeout: accept() waits this long for a client's first bytes.
inline constexpr int k_defer_accept_seconds = 1;

struct ListenSocket {
  unique_fd fd;
  std::string spec;  // the spec it came from
  std::string name;  // the bound address, e.g. "127.0.0.1:8080"
  bool tls = false;  // a [tls] listener: connections start with a TLS handshake
};

struct ListenSpec {
  enum class Kind { inet, unix_path } kind = Kind::inet;
  std::string host;  // empty: every IPv4 address
  std::string port;
  std::string path;  // unix sockets
};

// Returns true when p is a decimal port number from 1 to 65535.
bool valid_port(const std::string& p);

// Parses a listen spec. Returns "" or an error naming the spec.
std::string parse_listen_spec(const std::string& spec, ListenSpec& out);

// Returns true when a socket inherited from systemd is a TLS listener: its
// FileDescriptorName is "tls" or "https", or its bound address (as
// socket_name gives it) is one of tls_listen's specs, or a bare-port spec's port.
bool inherited_speaks_tls(const std::string& fd_name, const std::string& address,
                          const std::vector<std::string>& tls_listen);

// Binds every address spec resolves to and appends the sockets to out.
// With optional, an address the host lacks (no IPv6) is skipped silently.
// Returns "" or "cannot bind ADDRESS: reason".
std::string bind_listen_spec(const std::string& spec, bool optional, std::vector<ListenSocket>& out);

// Sets the options accepted sockets inherit from a listening one: TCP_NODELAY,
// so no response waits on Nagle (see output_queue.hpp). A unix socket ignores it.
void set_inherited_options(int fd);

// Returns a printable local address of a listening socket.
std::string socket_name(int fd);

}  // namespace filehttpd
