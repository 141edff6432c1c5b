#include "auth_cache.hpp"

// SHA256_Init and friends are deprecated in OpenSSL 3 but kept in every 3.x:
// they hash from a copied state with no allocation (see keyed_).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace filehttpd {

namespace {
constexpr std::size_t k_block = 64;  // SHA-256's block
}  // namespace

AuthCache::AuthCache() : capacity_(k_auth_cache_entries), ttl_(k_auth_cache_ttl) {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
    throw std::runtime_error("RAND_bytes failed for the password cache key");
  make_keyed(std::move(key));
}

AuthCache::AuthCache(std::string_view key, std::size_t capacity, auth_clock::duration ttl)
    : capacity_(capacity), ttl_(ttl) {
  make_keyed(std::string(key));
}

AuthCache::~AuthCache() {
  OPENSSL_cleanse(keyed_.data(), keyed_.size());
}

void AuthCache::make_keyed(std::string key) {
  static_assert(sizeof(SHA256_CTX) <= sizeof keyed_, "keyed_ holds a SHA256_CTX");
  // A key longer than a block is hashed first, as HMAC does; a shorter one is zero-padded.
  if (key.size() > k_block) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), d);
    OPENSSL_cleanse(key.data(), key.size());
    key.assign(reinterpret_cast<const char*>(d), sizeof d);
    OPENSSL_cleanse(d, sizeof d);
  }
  key.resize(k_block, '\0');
  SHA256_CTX c;
  bool ok = SHA256_Init(&c) == 1 && SHA256_Update(&c, key.data(), key.size()) == 1;
  OPENSSL_cleanse(key.data(), key.size());  // only the state after the key block is kept
  if (!ok) throw std::runtime_error("cannot set up SHA-256 for the password cache");
  std::memcpy(keyed_.data(), &c, sizeof c);
  OPENSSL_cleanse(&c, sizeof c);
}

std::size_t AuthCache::KeyHash::operator()(const Key& k) const {
  std::size_t h;
  std::memcpy(&h, k.data(), sizeof h);  // the key is a keyed hash: its bytes are uniform already
  return h;
}

AuthCache::Key AuthCache::key_for(std::string_view user, std::string_view password, std::string_view hash) const {
  Key out{};
  SHA256_CTX c;
  std::memcpy(&c, keyed_.data(), sizeof c);
  auto feed_sized = [&c](std::string_view s) {
    std::uint32_t n = static_cast<std::uint32_t>(s.size());
    unsigned char len[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                            static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
    SHA256_Update(&c, len, sizeof len);
    SHA256_Update(&c, s.data(), s.size());
  };
  feed_sized(user);
  feed_sized(password);
  SHA256_Update(&c, hash.data(), hash.size());
  SHA256_Final(out.data(), &c);
  OPENSSL_cleanse(&c, sizeof c);
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
