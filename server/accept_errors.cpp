#include "accept_errors.hpp"

#include <cerrno>

namespace filehttpd {

AcceptVerdict classify_accept_error(int err) {
  switch (err) {
    case EAGAIN: return {AcceptAction::wait, AcceptError::other};
    // A signal, or the queued connection is gone; Linux also hands over a
    // pending network error of the new connection (accept(2)): retrying takes the next one.
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case ENETUNREACH: return {AcceptAction::next, AcceptError::other};
    case EMFILE:
    case ENFILE: return {AcceptAction::back_off, AcceptError::fd_limit};
    case ENOBUFS:
    case ENOMEM: return {AcceptAction::back_off, AcceptError::memory};
    default: return {AcceptAction::back_off, AcceptError::other};
  }
}

bool LineLimiter::allow(std::chrono::steady_clock::time_point now, std::uint64_t& held_back) {
  if (now < next_) {
    ++held_back_;
    return false;
  }
  next_ = now + interval_;
  held_back = held_back_;
  held_back_ = 0;
  return true;
}

}  // namespace filehttpd
