#include "auth_cache.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace filehttpd {

AuthCache::AuthCache() : capacity_(k_auth_cache_entries), ttl_(k_auth_cache_ttl) {
  secret_.resize(32);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret_.data()), static_cast<int>(secret_.size())) != 1)
    throw std::runtime_error("RAND_bytes failed for the password cache key");
  make_keyed();
}

AuthCache::AuthCache(std::string_view key, std::size_t capacity, auth_clock::duration ttl)
    : secret_(key), capacity_(capacity), ttl_(ttl) {
  make_keyed();
}

AuthCache::~AuthCache() {
  EVP_MAC_CTX_free(keyed_);
  OPENSSL_cleanse(secret_.data(), secret_.size());
}

void AuthCache::make_keyed() {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  keyed_ = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  EVP_MAC_free(mac);  // the context keeps its own reference
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (!keyed_ || EVP_MAC_init(keyed_, reinterpret_cast<const unsigned char*>(secret_.data()), secret_.size(),
                              params) != 1)
    throw std::runtime_error("cannot set up HMAC-SHA256 for the password cache");
}

std::size_t AuthCache::KeyHash::operator()(const Key& k) const {
  std::size_t h;
  std::memcpy(&h, k.data(), sizeof h);  // the key is an HMAC: its bytes are uniform already
  return h;
}

AuthCache::Key AuthCache::key_for(std::string_view user, std::string_view password, std::string_view hash) const {
  Key out{};
  // A NULL key restarts the MAC under the key it has: no allocation per request.
  EVP_MAC_CTX* c = keyed_;
  if (EVP_MAC_init(c, nullptr, 0, nullptr) != 1) throw std::runtime_error("HMAC-SHA256 restart failed");
  static const unsigned char k_nul = 0;
  auto feed = [c](std::string_view s) { EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(s.data()), s.size()); };
  feed(user);
  EVP_MAC_update(c, &k_nul, 1);
  feed(password);
  EVP_MAC_update(c, &k_nul, 1);
  feed(hash);
  std::size_t len = 0;
  EVP_MAC_final(c, out.data(), &len, out.size());
  return out;
}

bool AuthCache::hit(const Key& key, auth_clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (now >= it->second) {
    entries_.erase(it);
    return false;
  }
  return true;
}

void AuthCache::store(const Key& key, auth_clock::time_point now) {
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_ && !entries_.contains(key)) {
    std::erase_if(entries_, [&](const auto& e) { return now >= e.second; });
    if (entries_.size() >= capacity_) {
      auto oldest = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->second < oldest->second) oldest = it;
      entries_.erase(oldest);
    }
  }
  entries_[key] = now + ttl_;
}

bool FailureLimiter::limited(std::string_view address, auth_clock::time_point now) const {
  auto it = entries_.find(std::string(address));
  if (it == entries_.end() || now - it->second.since >= window_) return false;
  return it->second.failures >= max_;
}

void FailureLimiter::fail(std::string_view address, auth_clock::time_point now) {
  if (capacity_ == 0) return;
  std::string key(address);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= capacity_) {
      std::erase_if(entries_, [&](const auto& e) { return now - e.second.since >= window_; });
      if (entries_.size() >= capacity_) {
        auto oldest = entries_.begin();
        for (auto i = entries_.begin(); i != entries_.end(); ++i)
          if (i->second.since < oldest->second.since) oldest = i;
        entries_.erase(oldest);
      }
    }
    it = entries_.emplace(std::move(key), Entry{0, now}).first;
  } else if (now - it->second.since >= window_) {
    it->second = Entry{0, now};
  }
  ++it->second.failures;
}

}  // namespace filehttpd
