#pragma once
// The memory of a worker's password checks: successes kept for a while
// (keyed by a keyed SHA-256, never the password), and failed attempts per client
// address for the 429 limit. Both are bounded; neither does I/O.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace filehttpd {

using auth_clock = std::chrono::steady_clock;

// Successful verifications remembered, at most.
inline constexpr std::size_t k_auth_cache_entries = 1024;
// How long a successful verification is remembered.
inline constexpr std::chrono::seconds k_auth_cache_ttl{300};
// Client addresses whose failures are counted, at most.
inline constexpr std::size_t k_auth_limit_entries = 4096;
// Failed attempts one address may make within k_auth_limit_window before 429.
inline constexpr unsigned k_auth_max_failures = 10;
// The window over which failures count; an address is forgiven after it.
inline constexpr std::chrono::seconds k_auth_limit_window{60};

// Successful (user, password, stored hash) triples, for a bounded time and count.
class AuthCache {
 public:
  using Key = std::array<unsigned char, 32>;

  // With a random key from the OS (RAND_bytes); a fixed key for tests.
  AuthCache();
  explicit AuthCache(std::string_view key, std::size_t capacity = k_auth_cache_entries,
                     auth_clock::duration ttl = k_auth_cache_ttl);
  ~AuthCache();
  AuthCache(const AuthCache&) = delete;
  AuthCache& operator=(const AuthCache&) = delete;

  // Returns SHA-256(key block, len user, user, len password, password, hash):
  // each length is 4 bytes big-endian, so no two triples share an input.
  Key key_for(std::string_view user, std::string_view password, std::string_view hash) const;
  // Returns true when key was stored and has not expired by now.
  bool hit(const Key& key, auth_clock::time_point now);
  // Remembers key until now + ttl; when full, drops expired entries, then the oldest.
  void store(const Key& key, auth_clock::time_point now);
  // Returns the number of entries held.
  std::size_t size() const { return entries_.size(); }

 private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  // Pads key to one SHA-256 block and absorbs it into keyed_, so key_for()
  // starts from a copy of that state and allocates nothing; key is wiped.
  void make_keyed(std::string key);

  // SHA256_CTX's bytes: the state after the key block. OpenSSL 3.0's EVP
  // digests free and allocate their context on every restart, which cost
  // more than the hash itself on the cached-password path.
  alignas(8) std::array<unsigned char, 112> keyed_{};
  std::size_t capacity_;
  auth_clock::duration ttl_;
  std::unordered_map<Key, auth_clock::time_point, KeyHash> entries_;  // key -> expiry
};

// Failed attempts per client address within a window, bounded in entries.
class FailureLimiter {
 public:
  explicit FailureLimiter(unsigned max_failures = k_auth_max_failures,
                          auth_clock::duration window = k_auth_limit_window,
                          std::size_t capacity = k_auth_limit_entries)
      : max_(max_failures), window_(window), capacity_(capacity) {}

  // Returns true when address has used up its failures in the current window.
  bool limited(std::string_view address, auth_clock::time_point now) const;
  // Counts a failure of address; when the table is full, drops expired
  // entries, then the one whose window started first.
  void fail(std::string_view address, auth_clock::time_point now);
  // Returns the number of addresses held.
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    unsigned failures = 0;
    auth_clock::time_point since{};
  };
  unsigned max_;
  auth_clock::duration window_;
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace filehttpd
