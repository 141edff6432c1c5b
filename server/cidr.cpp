#include "cidr.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <string>

namespace filehttpd {

bool parse_cidr(std::string_view text, Cidr& out) {
  out = Cidr{};
  if (text.find('\0') != std::string_view::npos) return false;  // inet_pton would read only the text before it
  if (text == "unix:") {
    out.family = AF_UNIX;
    return true;
  }
  std::size_t slash = text.find('/');
  std::string addr(text.substr(0, slash));
  unsigned max_prefix = 0;
  if (inet_pton(AF_INET, addr.c_str(), out.addr) == 1) {
    out.family = AF_INET;
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), out.addr) == 1) {
    out.family = AF_INET6;
    max_prefix = 128;
  } else {
    return false;
  }
  out.prefix = max_prefix;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || v > max_prefix) return false;
    out.prefix = v;
  }
  // A block inside ::ffff:0:0/96 holds IPv4-mapped addresses only: it is the
  // IPv4 block it maps, so it matches IPv4 clients (mapped ones too).
  static constexpr unsigned char k_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (out.family == AF_INET6 && out.prefix >= 96 && std::memcmp(out.addr, k_mapped, 12) == 0) {
    std::memmove(out.addr, out.addr + 12, 4);
    std::memset(out.addr + 4, 0, 12);
    out.family = AF_INET;
    out.prefix -= 96;
  }
  return true;
}

bool cidr_allows(const std::vector<Cidr>& allow, const sockaddr_storage& peer) {
  int family = peer.ss_family;
  const unsigned char* bytes = nullptr;
  if (family == AF_INET) {
    bytes = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in&>(peer).sin_addr);
  } else if (family == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr;
    bytes = reinterpret_cast<const unsigned char*>(&a6);
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
      family = AF_INET;
      bytes += 12;
    }
  }
  for (const Cidr& c : allow) {
    if (c.family != family) continue;
    if (family == AF_UNIX) return true;
    unsigned full = c.prefix / 8, rest = c.prefix % 8;
    if (std::memcmp(c.addr, bytes, full) != 0) continue;
    if (rest) {
      auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
      if ((c.addr[full] & mask) != (bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace filehttpd
