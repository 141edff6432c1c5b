#pragma once
// Address blocks ("10.0.0.0/8", "::1/128", "unix:") and whether a peer falls in one.
#include <sys/socket.h>

#include <string_view>
#include <vector>

namespace filehttpd {

// One entry of status.allow: an address block, or "unix:" for unix-socket clients.
struct Cidr {
  int family = 0;  // AF_INET, AF_INET6 or AF_UNIX
  unsigned char addr[16] = {};
  unsigned prefix = 0;
};

// Parses "10.0.0.0/8", "::1/128", "192.0.2.7" (a single address) or "unix:". Returns false when malformed
// or holding a NUL. An IPv4-mapped block ("::ffff:10.0.0.0/104") becomes the IPv4 block it maps ("10.0.0.0/8").
bool parse_cidr(std::string_view text, Cidr& out);
// Returns true when peer falls in one of the blocks (an IPv4-mapped IPv6 peer is matched as IPv4).
bool cidr_allows(const std::vector<Cidr>& allow, const sockaddr_storage& peer);

}  // namespace filehttpd
