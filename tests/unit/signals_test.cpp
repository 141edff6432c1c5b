// The supervisor's signal decisions: actions, one-pass batches, rate-limited notes.
#include "signals.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstring>

using namespace filehttpd;

// ---------------------------------------------------------------- signals

TEST(Signals, ActionTable) {
  struct Row {
    int sig;
    SignalAction action;
  } rows[] = {
      {SIGTERM, SignalAction::stop},   {SIGINT, SignalAction::stop},    {SIGCHLD, SignalAction::child},
      {SIGHUP, SignalAction::reload},  {SIGUSR1, SignalAction::reopen}, {SIGPIPE, SignalAction::quiet},
      {SIGWINCH, SignalAction::quiet}, {SIGURG, SignalAction::quiet},   {SIGCONT, SignalAction::quiet},
      {SIGTTOU, SignalAction::quiet},  {SIGUSR2, SignalAction::note},   {SIGALRM, SignalAction::note},
      {SIGQUIT, SignalAction::note},   {SIGRTMIN, SignalAction::note},
  };
  for (const Row& r : rows) EXPECT_EQ(signal_action(r.sig), r.action) << strsignal(r.sig);
}

TEST(Signals, BatchKeepsEveryKindAndTheFirstStop) {
  SignalBatch b;
  for (int sig : {SIGPIPE, SIGUSR2, SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGUSR1, SIGHUP, SIGWINCH}) b.add(sig);
  EXPECT_EQ(b.stop, SIGINT);
  EXPECT_TRUE(b.child);
  EXPECT_TRUE(b.reload);
  EXPECT_TRUE(b.reopen);
  EXPECT_EQ(b.noted, 1ull << (SIGUSR2 - 1));
  SignalBatch quiet;
  for (int i = 0; i < 1000; ++i) quiet.add(SIGPIPE);
  EXPECT_EQ(quiet.stop, 0);
  EXPECT_EQ(quiet.noted, 0u);
}

TEST(Signals, NotesAreRateLimitedPerSignal) {
  SignalNotes notes;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(notes.should_log(SIGUSR2, t0));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(notes.should_log(SIGUSR2, t0 + std::chrono::seconds(i % 59)));
  EXPECT_TRUE(notes.should_log(SIGQUIT, t0 + std::chrono::seconds(1)));  // another number has its own limit
  EXPECT_TRUE(notes.should_log(SIGUSR2, t0 + k_signal_note_interval));
  EXPECT_EQ(notes.take_suppressed(SIGUSR2), 1000u);
  EXPECT_EQ(notes.take_suppressed(SIGUSR2), 0u);
}
