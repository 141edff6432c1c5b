#include "signals.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace filehttpd {

namespace {

// The kernel's struct sigaction layout on x86-64 and most 64-bit ABIs.
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  std::uint64_t mask;
};

constexpr int k_max_signal = 64;

bool catchable(int sig) { return sig != SIGKILL && sig != SIGSTOP; }

}  // namespace

void reset_signals(std::uint64_t mask) {
  KernelSigaction dfl{SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig <= k_max_signal; ++sig) {
    if ((mask & (1ull << (sig - 1))) && catchable(sig))
      syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof(std::uint64_t));
  }
}

void reset_all_signals() { reset_signals(~0ull); }

std::uint64_t non_default_signals() {
  static const std::uint64_t mask = [] {
    std::uint64_t m = 0;
    for (int sig = 1; sig <= k_max_signal; ++sig) {
      KernelSigaction cur{};
      if (catchable(sig) && syscall(SYS_rt_sigaction, sig, nullptr, &cur, sizeof(std::uint64_t)) == 0 &&
          cur.handler != SIG_DFL)
        m |= 1ull << (sig - 1);
    }
    return m;
  }();
  return mask;
}

}  // namespace filehttpd
