// Which sockets inherited from systemd are TLS listeners: by their
// FileDescriptorName, or by an address that tls.listen names.
#include "listener.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(InheritedSpeaksTls, ByNameOrByAddress) {
  const std::vector<std::string> tls = {"127.0.0.1:8443", "[::1]:9443", "443"};
  struct Row {
    const char* fd_name;
    const char* address;
    bool want;
  } rows[] = {
      {"tls", "127.0.0.1:80", true},              // named for TLS
      {"https", "0.0.0.0:8080", true},            // the other name
      {"http", "127.0.0.1:8080", false},          // a plain name and an unlisted address
      {"filehttpd.socket", "127.0.0.1:8443", true},  // the address is in tls.listen
      {"3", "[::1]:9443", true},                  // unnamed, IPv6 address listed
      {"3", "[::1]:8443", false},                 // the port alone does not make a host spec match
      {"3", "0.0.0.0:443", true},                 // a bare-port spec matches any address on it
      {"3", "[::]:443", true},
      {"3", "0.0.0.0:4430", false},               // not a suffix match of the digits
      {"3", "unix:/run/filehttpd.sock", false},
      {"TLS", "127.0.0.1:80", false},             // names are exact
  };
  for (const Row& r : rows)
    EXPECT_EQ(inherited_speaks_tls(r.fd_name, r.address, tls), r.want) << r.fd_name << " " << r.address;
  EXPECT_FALSE(inherited_speaks_tls("3", "127.0.0.1:8443", {}));
}
