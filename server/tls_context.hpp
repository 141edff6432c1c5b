#pragma once
// TLS server contexts: one SSL_CTX per set of names (an RSA and an ECDSA
// certificate for the same names share one), chosen by SNI in the
// servername callback; the first certificate answers clients without SNI or
// with an unknown name. Built in the supervisor before the workers fork, and
// again on reload. The pure decisions (name matching, versions) are apart so
// tables test them.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace filehttpd {

// Returns true when version is "1.2" or "1.3" (tls.min_version); sets out to 12 or 13.
bool parse_tls_version(std::string_view version, int& out);

// Returns true when host (an SNI name) matches pattern, a subjectAltName DNS
// name: equal ignoring letter case, or "*.rest" standing for exactly one
// non-empty leftmost label before ".rest".
bool tls_name_matches(std::string_view pattern, std::string_view host);

// Returns the index of the certificate serving host: the first whose names
// match it exactly, else the first matching through a wildcard, else 0.
std::size_t pick_certificate(const std::vector<std::vector<std::string>>& names, std::string_view host);

// Returns true when target (a request target) lies under
// /.well-known/acme-challenge/, which redirect_http leaves on plain HTTP.
bool is_acme_challenge(std::string_view target);

// Returns the Location of redirect_http's 308: https://HOST[:port]target,
// where HOST is host (a Host field value) without its port, and the port is
// left out when it is 443. An empty host gives "".
std::string https_location(std::string_view host, std::string_view tls_port, std::string_view target);

// Returns the port of the first TLS listen spec ("443" when none parses).
std::string first_tls_port(const TlsConfig& tls);

// The loaded contexts of one configuration.
class TlsContexts {
 public:
  ~TlsContexts();
  TlsContexts(const TlsContexts&) = delete;
  TlsContexts& operator=(const TlsContexts&) = delete;

  // Loads every certificate and key of tls. Returns nullptr and sets err to
  // "WHERE: FILE: reason" when one is unreadable, malformed or does not
  // match; notes gets one line per certificate (its names) and warnings
  // (expired certificates).
  static std::shared_ptr<TlsContexts> build(const TlsConfig& tls, std::string& err, std::vector<std::string>& notes,
                                            std::vector<std::string>& warnings);

  // Returns a fresh server-side SSL over fd, or nullptr when OpenSSL fails.
  SSL* new_ssl(int fd) const;

  // The names each context serves, in order (index 0 is the default).
  const std::vector<std::vector<std::string>>& names() const { return names_; }

 private:
  TlsContexts() = default;
  // The servername callback: moves ssl to the context whose names match.
  static int on_servername(SSL* ssl, int* alert, void* arg);

  std::vector<SSL_CTX*> ctxs_;
  std::vector<std::vector<std::string>> names_;
};

}  // namespace filehttpd
