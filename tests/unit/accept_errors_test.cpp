// What the worker does when accept4() fails, as a table, and the limiter that
// keeps the resulting warning to one line a second.
#include "accept_errors.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

using namespace filehttpd;
using namespace std::chrono_literals;

TEST(AcceptErrors, ClassifyTable) {
  using A = AcceptAction;
  using R = AcceptError;
  struct Row {
    int err;
    A action;
    R reason;
  } rows[] = {
      {EAGAIN, A::wait, R::other},        {EWOULDBLOCK, A::wait, R::other},    {EINTR, A::next, R::other},
      {ECONNABORTED, A::next, R::other},  {EPROTO, A::next, R::other},         {ENETDOWN, A::next, R::other},
      {EHOSTUNREACH, A::next, R::other},  {ENETUNREACH, A::next, R::other},    {EMFILE, A::back_off, R::fd_limit},
      {ENFILE, A::back_off, R::fd_limit}, {ENOBUFS, A::back_off, R::memory},   {ENOMEM, A::back_off, R::memory},
      {EPERM, A::back_off, R::other},     {EINVAL, A::back_off, R::other},     {EBADF, A::back_off, R::other},
      {ENOTSOCK, A::back_off, R::other},  {EOPNOTSUPP, A::back_off, R::other}, {EFAULT, A::back_off, R::other},
      {12345, A::back_off, R::other},
  };
  for (const Row& r : rows) {
    AcceptVerdict v = classify_accept_error(r.err);
    EXPECT_EQ(v.action, r.action) << std::strerror(r.err);
    EXPECT_EQ(v.reason, r.reason) << std::strerror(r.err);
  }
}

TEST(AcceptErrors, LineLimiterLetsOneLineASecondAndCountsTheRest) {
  LineLimiter limit(1s);
  auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  std::uint64_t held = 99;
  struct Step {
    std::chrono::milliseconds at;
    bool allowed;
    std::uint64_t held_back;  // checked when allowed
  } steps[] = {
      {0ms, true, 0},    {250ms, false, 0},  {500ms, false, 0}, {999ms, false, 0},
      {1000ms, true, 3}, {1100ms, false, 0}, {5000ms, true, 1}, {6000ms, true, 0},
  };
  for (const Step& s : steps) {
    bool allowed = limit.allow(t0 + s.at, held);
    EXPECT_EQ(allowed, s.allowed) << s.at.count();
    if (allowed) {
      EXPECT_EQ(held, s.held_back) << s.at.count();
    }
  }
}
