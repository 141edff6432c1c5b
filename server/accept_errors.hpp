#pragma once
// What a worker does when accept4() fails: which errors end the wake-up,
// which lose only the connection at hand, and which pause accepting (counted
// by reason); and the limit on how often the pause is logged.
#include <chrono>
#include <cstdint>

#include "metrics.hpp"

namespace filehttpd {

enum class AcceptAction : std::uint8_t {
  wait,      // nothing is queued (EAGAIN): wait until the listener is readable again
  next,      // this one connection failed (aborted, a network error): take the next
  back_off,  // the worker cannot accept now: pause accepting for a while
};

struct AcceptVerdict {
  AcceptAction action;
  AcceptError reason;  // what back_off is counted as (other for the other actions)
};

// Returns what to do after accept4() failed with err. Anything unknown backs
// off, so an error that stays (EPERM from a filter) cannot make the worker spin.
AcceptVerdict classify_accept_error(int err);

// Lets one kind of log line out at most once per interval and counts the
// ones held back in between.
class LineLimiter {
 public:
  // Lines at most once per interval.
  explicit LineLimiter(std::chrono::steady_clock::duration interval) : interval_(interval) {}
  // Returns true when a line may be written at now, with held_back set to the
  // lines held back since the last one (the count starts again); otherwise
  // counts this line as held back and returns false.
  bool allow(std::chrono::steady_clock::time_point now, std::uint64_t& held_back);

 private:
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point next_{};
  std::uint64_t held_back_ = 0;
};

}  // namespace filehttpd
