#pragma once
// A worker's gate for [[access]] and [[auth]]: decides a request's fate
// from the rules, the success cache and the failure limiter, and hands a
// check the cache cannot answer to the CryptPool, resuming the waiter when
// the answer arrives on the pool's eventfd.
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "access_rules.hpp"
#include "auth_cache.hpp"
#include "crypt_pool.hpp"

namespace filehttpd {

// Who waits for a verification (an exchange's connection).
class AuthWaiter {
 public:
  // The verification ended: ok says whether the password was right.
  virtual void auth_verified(bool ok) = 0;

 protected:
  ~AuthWaiter() = default;
};

enum class AuthVerdict {
  pass,       // no rule stops it (user says who, under [[auth]])
  forbidden,  // 403: [[access]] leaves the address out
  challenge,  // 401: no, malformed or wrong credentials
  limited,    // 429: too many failures from this address
  pending,    // the waiter hears auth_verified() later
  busy,       // 503: the verification queue is full
};

struct AuthOutcome {
  AuthVerdict verdict = AuthVerdict::pass;
  const AuthRule* rule = nullptr;  // the [[auth]] rule guarding the path, if any
  std::string user;                // the user it let in (pass under a rule)
};

// What a request brings to the gate.
struct AuthRequest {
  std::string_view path;                  // decoded, normalised URL path
  const std::string* authorization;       // the Authorization value, or nullptr
  const sockaddr_storage* peer;
  std::string_view peer_key;              // the client's address as text (the limiter's key)
};

class AuthGate {
 public:
  AuthGate() = default;
  AuthGate(const AuthGate&) = delete;
  AuthGate& operator=(const AuthGate&) = delete;

  // Decides req under rules. A pending verdict registers waiter, which must
  // stay alive until auth_verified() or cancel(waiter).
  AuthOutcome check(const ProtectionRules& rules, const AuthRequest& req, auth_clock::time_point now,
                    AuthWaiter* waiter);
  // The waiter is going away: it hears nothing more (the check still counts).
  void cancel(AuthWaiter* waiter);
  // Returns the pool's eventfd (-1 until the first verification starts the pool).
  int fd() const { return pool_ ? pool_->fd() : -1; }
  // Takes the pool's answers, records them and tells the waiters.
  void on_ready(auth_clock::time_point now);
  // Returns true before the pool is first used (the worker adds fd() to epoll then).
  bool pool_started() const { return pool_ != nullptr; }

 private:
  struct Pending {
    AuthCache::Key key;
    std::string peer_key;
    bool force_fail = false;  // an unknown user, checked against another user's hash for equal time
    std::vector<AuthWaiter*> waiters;
  };

  AuthCache cache_;
  FailureLimiter limiter_;
  std::unique_ptr<CryptPool> pool_;
  std::unordered_map<std::uint64_t, Pending> pending_;
  std::unordered_map<std::string, unsigned> in_flight_;  // peer_key -> jobs pending
  std::vector<AuthWaiter*> delivering_;                  // waiters of the answer being delivered
  std::uint64_t next_id_ = 1;
};

}  // namespace filehttpd
