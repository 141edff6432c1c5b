// Fuzz target: status.allow entries. A block that parses has a prefix that
// fits its family and allows a peer at its own address (but for a wide IPv6
// block at a mapped address: such a peer is matched as IPv4); nothing with a
// NUL parses.
#include <netinet/in.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "cidr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  filehttpd::Cidr c;
  if (!filehttpd::parse_cidr(text, c)) return 0;
  if (text.find('\0') != std::string_view::npos) std::abort();
  sockaddr_storage peer{};
  if (c.family == AF_INET) {
    if (c.prefix > 32) std::abort();
    auto& in = reinterpret_cast<sockaddr_in&>(peer);
    in.sin_family = AF_INET;
    std::memcpy(&in.sin_addr, c.addr, 4);
  } else if (c.family == AF_INET6) {
    if (c.prefix > 128) std::abort();
    auto& in = reinterpret_cast<sockaddr_in6&>(peer);
    in.sin6_family = AF_INET6;
    std::memcpy(&in.sin6_addr, c.addr, 16);
    // A mapped peer is matched as IPv4, so only an IPv4 block (what a mapped
    // block of prefix 96 or more becomes) allows it; a wider block does not.
    if (IN6_IS_ADDR_V4MAPPED(&in.sin6_addr)) {
      if (c.prefix >= 96) std::abort();
      return 0;
    }
  } else if (c.family == AF_UNIX) {
    peer.ss_family = AF_UNIX;
  } else {
    std::abort();
  }
  if (!filehttpd::cidr_allows({c}, peer)) std::abort();
  return 0;
}
