#include "tls_tickets.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstring>
#include <string>

namespace filehttpd {

namespace {

unsigned char g_secret[32];
bool g_have_secret = false;
TicketKeyCache g_keys(g_secret);  // each derivation is three HMACs: once per period, not per handshake
EVP_CIPHER* g_aes = nullptr;      // AES-256-CBC, fetched with the secret, not looked up by name per ticket

// HMAC-SHA256(secret, label || period) into out (32 bytes).
void derive(const unsigned char* secret, const char* label, std::uint64_t period, unsigned char* out) {
  std::string msg = std::string("filehttpd ticket ") + label + " " + std::to_string(period);
  unsigned int len = 32;
  HMAC(EVP_sha256(), secret, 32, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
}

// Sets hctx to HMAC-SHA256 under key; returns false on failure.
bool set_mac(EVP_MAC_CTX* hctx, unsigned char* key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key, 32),
                         OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(hctx, params) == 1;
}

// OpenSSL's ticket key callback: enc seals with this period's keys; opening
// takes this period's (1) or the previous one's (2: sealed again).
int ticket_cb(SSL*, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* hctx, int enc) {
  std::uint64_t now = ticket_period(std::time(nullptr));
  if (enc) {
    TicketKeys k = g_keys.get(now);
    if (RAND_bytes(iv, 16) != 1) return -1;
    std::memcpy(key_name, k.name, sizeof k.name);
    if (EVP_EncryptInit_ex(cctx, g_aes, nullptr, k.aes_key, iv) != 1) return -1;
    return set_mac(hctx, k.mac_key) ? 1 : -1;
  }
  for (std::uint64_t back = 0; back < 2 && back <= now; ++back) {
    TicketKeys k = g_keys.get(now - back);
    if (std::memcmp(key_name, k.name, sizeof k.name) != 0) continue;
    if (EVP_DecryptInit_ex(cctx, g_aes, nullptr, k.aes_key, iv) != 1) return -1;
    if (!set_mac(hctx, k.mac_key)) return -1;
    return back == 0 ? 1 : 2;
  }
  return 0;  // unknown or expired keys: a full handshake
}

}  // namespace

std::uint64_t ticket_period(std::time_t t) {
  return t <= 0 ? 0 : static_cast<std::uint64_t>(t / k_ticket_period);
}

TicketKeys derive_ticket_keys(const unsigned char* secret, std::uint64_t period) {
  TicketKeys k;
  unsigned char name[32];
  derive(secret, "name", period, name);
  std::memcpy(k.name, name, sizeof k.name);
  derive(secret, "aes", period, k.aes_key);
  derive(secret, "mac", period, k.mac_key);
  return k;
}

const TicketKeys& TicketKeyCache::get(std::uint64_t period) {
  for (Slot& s : slots_)
    if (s.set && s.period == period) return s.keys;
  Slot& victim = !slots_[0].set ? slots_[0]
                 : !slots_[1].set ? slots_[1]
                 : slots_[0].period < slots_[1].period ? slots_[0] : slots_[1];
  victim.keys = derive_ticket_keys(secret_, period);
  victim.period = period;
  victim.set = true;
  ++derivations_;
  return victim.keys;
}

bool make_ticket_secret() {
  if (!g_aes) g_aes = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  if (!g_have_secret) g_have_secret = RAND_priv_bytes(g_secret, sizeof g_secret) == 1;
  return g_aes && g_have_secret;
}

void use_shared_ticket_keys(SSL_CTX* ctx) {
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
}

}  // namespace filehttpd
