#pragma once
// Signal dispositions, handled with raw syscalls so that glibc's internal
// real-time signals (32, 33) are covered too. No handler is ever installed.
#include <cstdint>

namespace filehttpd {

// Async-signal-safe: sets each signal whose bit (1 << (sig - 1)) is in mask to SIG_DFL.
void reset_signals(std::uint64_t mask);

// Sets every catchable signal to SIG_DFL, undoing SIG_IGN inherited from the
// launcher (nohup, trap ''), which children would otherwise inherit in turn.
void reset_all_signals();

// Returns the mask of signals whose disposition is not SIG_DFL, computed once.
std::uint64_t non_default_signals();

}  // namespace filehttpd
