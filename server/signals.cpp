#include "signals.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

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

bool catchable(int sig) {
  return sig != SIGKILL && sig != SIGSTOP;
}

}  // namespace

void reset_signals(std::uint64_t mask) {
  KernelSigaction dfl{SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig <= k_max_signal; ++sig) {
    if ((mask & (1ull << (sig - 1))) && catchable(sig))
      syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof(std::uint64_t));
  }
}

void reset_all_signals() {
  reset_signals(~0ull);
}

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

namespace filehttpd {

SignalAction signal_action(int sig) {
  switch (sig) {
    case SIGTERM:
    case SIGINT: return SignalAction::stop;
    case SIGCHLD: return SignalAction::child;
    case SIGHUP: return SignalAction::reload;
    case SIGUSR1: return SignalAction::reopen;
    case SIGPIPE:
    case SIGWINCH:
    case SIGURG:
    case SIGCONT:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
    case SIGVTALRM:
    case SIGPROF:
    case SIGIO: return SignalAction::quiet;
    default: return SignalAction::note;
  }
}

void SignalBatch::add(int sig) {
  switch (signal_action(sig)) {
    case SignalAction::stop:
      if (!stop) stop = sig;
      break;
    case SignalAction::child: child = true; break;
    case SignalAction::reload: reload = true; break;
    case SignalAction::reopen: reopen = true; break;
    case SignalAction::quiet: break;
    case SignalAction::note:
      if (sig >= 1 && sig <= 64) noted |= 1ull << (sig - 1);
      break;
  }
}

bool SignalNotes::should_log(int sig, std::chrono::steady_clock::time_point now) {
  if (sig < 1 || sig > 64) return false;
  auto i = static_cast<std::size_t>(sig);
  if (now < next_[i]) {
    ++suppressed_[i];
    return false;
  }
  next_[i] = now + k_signal_note_interval;
  return true;
}

std::uint64_t SignalNotes::take_suppressed(int sig) {
  if (sig < 1 || sig > 64) return 0;
  auto i = static_cast<std::size_t>(sig);
  std::uint64_t n = suppressed_[i];
  suppressed_[i] = 0;
  return n;
}

SignalBatch wait_signals(std::optional<std::chrono::steady_clock::duration> wait) {
  sigset_t all;
  sigfillset(&all);
  SignalBatch batch;
  siginfo_t info{};
  int sig;
  if (wait) {
    auto ns = std::max<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(*wait).count(), 1);
    timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    sig = sigtimedwait(&all, &info, &ts);
  } else {
    sig = sigwaitinfo(&all, &info);
  }
  if (sig <= 0) return batch;
  batch.add(sig);
  const timespec zero{0, 0};
  for (int i = 0; i < k_signals_per_pass && (sig = sigtimedwait(&all, &info, &zero)) > 0; ++i) batch.add(sig);
  return batch;
}

}  // namespace filehttpd
