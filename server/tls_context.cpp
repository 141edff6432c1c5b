#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "listener.hpp"
#include "tls_tickets.hpp"
#include "tls_transport.hpp"

namespace filehttpd {

namespace {

// TLS 1.2 suites: forward secrecy (ECDHE) with an AEAD only. TLS 1.3's are all AEAD.
constexpr const char* k_tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// ALPN: the protocols we speak in our order of preference, length-prefixed.
constexpr unsigned char k_alpn_h2[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
// ALPN without HTTP/2 (tls.http2 = false).
constexpr unsigned char k_alpn_http1[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The newest OpenSSL error as text, the queue emptied.
std::string ssl_error() {
  unsigned long e = ERR_peek_last_error();
  std::string out = "unknown error";
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    out = reason ? reason : "error " + std::to_string(e);
  }
  ERR_clear_error();
  return out;
}

// Returns "" when path can be opened for reading, else the reason.
std::string unreadable(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return std::strerror(errno);
  std::fclose(f);
  return "";
}

// arg is non-null when h2 is offered. Our preference wins over the client's order.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void* arg) {
  unsigned char* chosen = nullptr;
  bool h2 = arg != nullptr;
  const unsigned char* ours = h2 ? k_alpn_h2 : k_alpn_http1;
  unsigned int ours_len = h2 ? sizeof k_alpn_h2 : sizeof k_alpn_http1;
  if (SSL_select_next_proto(&chosen, outlen, ours, ours_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// The DNS names of cert's subjectAltName, in lower case; the subject CN when there are none.
std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> out;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = gn->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
  }
  GENERAL_NAMES_free(sans);
  if (out.empty()) {
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) out.push_back(cn);
  }
  for (auto& n : out) std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// A context with our protocol settings (ALPN h2 when http2) and no certificate yet.
SSL_CTX* new_context(int min_version, bool http2) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return nullptr;
  SSL_CTX_set_min_proto_version(ctx, min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_cipher_list(ctx, k_tls12_ciphers);
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Where the kernel has no TLS, OpenSSL would still try it at each change of keys: two failing
  // setsockopt calls, and the handshake's flight written in two parts.
  if (ktls_usable()) SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  // One socket read takes a record's header and body together, and any records after it (pending() sees them).
  SSL_CTX_set_read_ahead(ctx, 1);
  static int offer_h2 = 1;  // any non-null argument
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, http2 ? &offer_h2 : nullptr);
  use_shared_ticket_keys(ctx);
  // One ticket per handshake, not OpenSSL's two under TLS 1.3: a client keeps one (a resumption
  // brings a fresh one), and the second cost a session encoding and a sealing per full handshake.
  SSL_CTX_set_num_tickets(ctx, 1);
  return ctx;
}

}  // namespace

bool parse_tls_version(std::string_view version, int& out) {
  if (version == "1.2") out = 12;
  else if (version == "1.3") out = 13;
  else return false;
  return true;
}

bool tls_name_matches(std::string_view pattern, std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (pattern.empty() || host.empty()) return false;
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    std::size_t dot = host.find('.');
    if (dot == 0 || dot == std::string_view::npos) return false;
    return iequal(pattern.substr(1), host.substr(dot));
  }
  return iequal(pattern, host);
}

std::size_t pick_certificate(const std::vector<std::vector<std::string>>& names, std::string_view host) {
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < names.size(); ++i)
      for (const std::string& n : names[i]) {
        bool wild = n.size() > 1 && n[0] == '*';
        if (wild == (pass == 1) && tls_name_matches(n, host)) return i;
      }
  }
  return 0;
}

bool is_acme_challenge(std::string_view target) {
  constexpr std::string_view prefix = "/.well-known/acme-challenge/";
  return target.substr(0, prefix.size()) == prefix;
}

std::string https_location(std::string_view host, std::string_view tls_port, std::string_view target) {
  // Strip the port: after a bracketed IPv6 address, or after the one colon of a name.
  std::size_t end = host.size();
  if (!host.empty() && host[0] == '[') {
    end = host.find(']');
    end = end == std::string_view::npos ? host.size() : end + 1;
  } else if (std::size_t colon = host.find(':'); colon != std::string_view::npos) {
    end = colon;
  }
  host = host.substr(0, end);
  if (host.empty()) return "";
  std::string out = "https://";
  out += host;
  if (tls_port != "443") {
    out += ':';
    out += tls_port;
  }
  out += target.empty() || target[0] != '/' ? "/" : "";
  out += target;
  return out;
}

std::string first_tls_port(const TlsConfig& tls) {
  for (const std::string& spec : tls.listen) {
    ListenSpec ls;
    if (parse_listen_spec(spec, ls).empty() && ls.kind == ListenSpec::Kind::inet) return ls.port;
  }
  return "443";
}

TlsContexts::~TlsContexts() {
  for (SSL_CTX* c : ctxs_) SSL_CTX_free(c);
}

std::shared_ptr<TlsContexts> TlsContexts::build(const TlsConfig& tls, std::string& err, std::vector<std::string>& notes,
                                                std::vector<std::string>& warnings) {
  std::shared_ptr<TlsContexts> out(new TlsContexts());
  int min_version = 12;
  parse_tls_version(tls.min_version, min_version);
  if (tls.certificates.empty()) {
    err = "tls: TLS listeners need at least one certificate (tls.certificates, --tls-cert and --tls-key)";
    return nullptr;
  }
  if (!make_ticket_secret()) {
    err = "cannot make session ticket keys: " + ssl_error();
    return nullptr;
  }
  ERR_clear_error();
  for (const TlsCertificate& c : tls.certificates) {
    std::string prefix = c.where.empty() ? "" : c.where + ": ";
    for (const std::string* f : {&c.cert, &c.key}) {
      std::string why = unreadable(*f);
      if (!why.empty()) {
        err = prefix + "cannot read " + *f + ": " + why;
        return nullptr;
      }
    }
    // Load into a scratch context first to learn the names.
    SSL_CTX* probe = new_context(min_version, tls.http2);
    if (!probe) {
      err = "cannot make a TLS context: " + ssl_error();
      return nullptr;
    }
    std::vector<std::string> names;
    if (SSL_CTX_use_certificate_chain_file(probe, c.cert.c_str()) != 1) {
      err = prefix + c.cert + ": not a usable PEM certificate: " + ssl_error();
    } else {
      X509* leaf = SSL_CTX_get0_certificate(probe);
      names = dns_names(leaf);
      if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0)
        warnings.push_back(prefix + c.cert + ": the certificate has expired");
    }
    SSL_CTX_free(probe);
    if (!err.empty()) return nullptr;
    // Certificates for the same names share a context: the client gets the
    // one whose key type it supports.
    std::size_t slot = std::find(out->names_.begin(), out->names_.end(), names) - out->names_.begin();
    if (slot == out->ctxs_.size()) {
      SSL_CTX* ctx = new_context(min_version, tls.http2);
      if (!ctx) {
        err = "cannot make a TLS context: " + ssl_error();
        return nullptr;
      }
      SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
      SSL_CTX_set_tlsext_servername_arg(ctx, out.get());
      out->ctxs_.push_back(ctx);
      out->names_.push_back(names);
    }
    SSL_CTX* ctx = out->ctxs_[slot];
    if (SSL_CTX_use_certificate_chain_file(ctx, c.cert.c_str()) != 1) {
      err = prefix + c.cert + ": not a usable PEM certificate: " + ssl_error();
      return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, c.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
      err = prefix + c.key + (mismatch ? ": the key does not match the certificate " + c.cert
                                       : ": not a usable PEM private key: " + ssl_error());
      ERR_clear_error();
      return nullptr;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      err = prefix + c.key + ": the key does not match the certificate " + c.cert;
      ERR_clear_error();
      return nullptr;
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    notes.push_back(c.cert + " serves " + (list.empty() ? std::string("(no names)") : list) +
                    (&c == &tls.certificates.front() ? " (the default)" : ""));
  }
  return out;
}

SSL* TlsContexts::new_ssl(int fd) const {
  SSL* ssl = SSL_new(ctxs_.front());
  if (!ssl) {
    ERR_clear_error();
    return nullptr;
  }
  if (SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    ERR_clear_error();
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return ssl;
}

int TlsContexts::on_servername(SSL* ssl, int*, void* arg) {
  const auto* self = static_cast<const TlsContexts*>(arg);
  const char* host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!host) return SSL_TLSEXT_ERR_OK;
  std::size_t i = pick_certificate(self->names_, host);
  if (i != 0) SSL_set_SSL_CTX(ssl, self->ctxs_[i]);
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace filehttpd
