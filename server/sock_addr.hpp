#pragma once
// Socket addresses as text, for log lines, CGI variables and listener names.
#include <sys/socket.h>

#include <string>

namespace filehttpd {

// Returns the host part of ss: "127.0.0.1", "::1", "unix", or "-" for other families.
std::string address_host(const sockaddr_storage& ss);
// Returns the port of an IPv4 or IPv6 address, 0 for other families.
unsigned address_port(const sockaddr_storage& ss);
// Returns "host:port", "[v6]:port", "unix:/path", or "?" for other families.
std::string address_name(const sockaddr* sa, socklen_t len);

}  // namespace filehttpd
