#include "auth_gate.hpp"

#include <algorithm>
#include <utility>

#include "metrics.hpp"

namespace filehttpd {

AuthOutcome AuthGate::check(const ProtectionRules& rules, const AuthRequest& req, auth_clock::time_point now,
                            AuthWaiter* waiter) {
  AuthOutcome out;
  if (!access_allowed(rules, req.path, *req.peer)) {
    bump(my_counters().access_denied);
    out.verdict = AuthVerdict::forbidden;
    return out;
  }
  out.rule = auth_rule_for(rules, req.path);
  if (!out.rule) return out;
  std::string password;
  if (!req.authorization || !parse_basic_credentials(*req.authorization, out.user, password)) {
    // No credentials is the browser's first try: a challenge, not a failure.
    if (req.authorization) bump(my_counters().auth_failures);
    out.user.clear();
    out.verdict = AuthVerdict::challenge;
    return out;
  }
  const Htpasswd& users = *out.rule->users;
  auto found = users.users.find(out.user);
  bool known = found != users.users.end();
  AuthCache::Key key{};
  if (known) {
    // Credentials verified a moment ago pass first: an address out of tries
    // (a NAT shared with a guesser) does not lock out users already in.
    key = cache_.key_for(out.user, password, found->second);
    if (cache_.hit(key, now)) {
      bump(my_counters().auth_cache_hits);
      return out;
    }
  }
  auto in_flight = in_flight_.find(std::string(req.peer_key));
  unsigned flying = in_flight == in_flight_.end() ? 0 : in_flight->second;
  if (limiter_.limited(req.peer_key, now) || (flying >= k_auth_max_failures)) {
    bump(my_counters().auth_limited);
    out.verdict = AuthVerdict::limited;
    return out;
  }
  if (!known && users.users.empty()) {
    limiter_.fail(req.peer_key, now);
    bump(my_counters().auth_failures);
    out.verdict = AuthVerdict::challenge;
    return out;
  }
  const std::string& hash = known ? found->second : users.users.begin()->second;
  if (!known) key = cache_.key_for(out.user, password, hash);
  out.verdict = AuthVerdict::pending;
  for (auto& [id, p] : pending_) {
    if (p.key == key && p.force_fail == !known) {  // the same check is running: wait for its answer
      p.waiters.push_back(waiter);
      return out;
    }
  }
  if (!pool_) pool_ = std::make_unique<CryptPool>();
  std::uint64_t id = next_id_++;
  if (!pool_->submit(id, std::move(password), hash)) {
    out.verdict = AuthVerdict::busy;
    return out;
  }
  bump(my_counters().auth_offloop);
  Pending& p = pending_[id];
  p.key = key;
  p.peer_key = std::string(req.peer_key);
  p.force_fail = !known;
  p.waiters.push_back(waiter);
  ++in_flight_[p.peer_key];
  return out;
}

void AuthGate::cancel(AuthWaiter* waiter) {
  for (auto& [id, p] : pending_) std::erase(p.waiters, waiter);
  for (AuthWaiter*& w : delivering_)
    if (w == waiter) w = nullptr;
}

void AuthGate::on_ready(auth_clock::time_point now) {
  if (!pool_) return;
  for (const CryptPool::Done& d : pool_->take_done()) {
    auto it = pending_.find(d.id);
    if (it == pending_.end()) continue;
    Pending p = std::move(it->second);
    pending_.erase(it);
    if (auto f = in_flight_.find(p.peer_key); f != in_flight_.end() && --f->second == 0) in_flight_.erase(f);
    bool ok = d.ok && !p.force_fail;
    // A success does not forgive earlier failures: one valid account must not reset the count for guessing others.
    if (ok) {
      cache_.store(p.key, now);
    } else {
      limiter_.fail(p.peer_key, now);
      bump(my_counters().auth_failures, std::max<std::size_t>(1, p.waiters.size()));
    }
    // One waiter's answer may end others (h2 streams of a connection that
    // closes): those cancel themselves out of delivering_ as they go.
    delivering_ = std::move(p.waiters);
    for (std::size_t i = 0; i < delivering_.size(); ++i) {
      AuthWaiter* w = std::exchange(delivering_[i], nullptr);
      if (w) w->auth_verified(ok);
    }
    delivering_.clear();
  }
}

}  // namespace filehttpd
