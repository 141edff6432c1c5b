#pragma once
// Signal dispositions, handled with raw syscalls so that glibc's internal
// real-time signals (32, 33) are covered too. No handler is ever installed.
#include <cstdint>
#include <optional>

namespace filehttpd {

// Async-signal-safe: sets each signal whose bit (1 << (sig - 1)) is in mask to SIG_DFL.
void reset_signals(std::uint64_t mask);

// Sets every catchable signal to SIG_DFL, undoing SIG_IGN inherited from the
// launcher (nohup, trap ''), which children would otherwise inherit in turn.
void reset_all_signals();

// Returns the mask of signals whose disposition is not SIG_DFL, computed once.
std::uint64_t non_default_signals();

}  // namespace filehttpd

#include <array>
#include <chrono>

namespace filehttpd {

// What the supervisor does with a signal it has taken.
enum class SignalAction {
  stop,    // SIGTERM, SIGINT: graceful stop
  child,   // SIGCHLD: reap workers
  reload,  // SIGHUP: re-read the configuration
  reopen,  // SIGUSR1: reopen log files
  quiet,   // needs nothing and is raised by the system (SIGPIPE, SIGWINCH, ...): consumed, never written
  note,    // needs nothing but a person may have sent it on purpose: logged at most once a minute
};

// Returns the supervisor's action for sig (1-64). Pure.
SignalAction signal_action(int sig);

// The signals taken in one pass, acted on by priority: stop, child, reload, reopen, notes.
struct SignalBatch {
  int stop = 0;             // the first stop signal taken, or 0
  bool child = false;       // a SIGCHLD was taken
  bool reload = false;      // a SIGHUP was taken
  bool reopen = false;      // a SIGUSR1 was taken
  std::uint64_t noted = 0;  // bit (sig - 1) for each signal to note
  // Records sig according to signal_action().
  void add(int sig);
};

// Signals taken in one wait, at most.
inline constexpr int k_signals_per_pass = 256;

// Waits (at most wait, forever without one) for a signal, then takes every
// pending signal, up to k_signals_per_pass, so that no flood of one can hold
// back another. Every signal must be blocked. Returns them as a batch (empty
// on timeout).
SignalBatch wait_signals(std::optional<std::chrono::steady_clock::duration> wait);

// Interval between two log lines about the same ignored signal.
inline constexpr std::chrono::seconds k_signal_note_interval{60};

// Rate limit for lines about ignored signals: one per signal number per interval.
class SignalNotes {
 public:
  // Returns true when a line about sig may be written at now; otherwise counts it as suppressed.
  bool should_log(int sig, std::chrono::steady_clock::time_point now);
  // Returns how many occurrences of sig were suppressed since its last line, and resets the count.
  std::uint64_t take_suppressed(int sig);

 private:
  std::array<std::chrono::steady_clock::time_point, 65> next_{};
  std::array<std::uint64_t, 65> suppressed_{};
};

}  // namespace filehttpd
