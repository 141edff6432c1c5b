// Connection: reading the socket and parsing requests (pipelined ones too)
// until one needs an answer; the rest of the class is in connection.cpp.
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "connection.hpp"
#include "log.hpp"

namespace filehttpd {

void Connection::read_socket() {
  // Bytes OpenSSL has decrypted already get no socket event: take them now.
  do {
    read_once();
  } while ((state_ == State::read_request || state_ == State::read_body || state_ == State::linger ||
            state_ == State::h2) &&
           io_->pending());
}

void Connection::read_once() {
  char* buf = w_.scratch();
  // A body is read in larger pieces: it is bytes to store, not a head to parse.
  ssize_t n = io_->read(buf, state_ == State::read_body ? k_scratch_size : k_read_chunk);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    read_failed();
    return;
  }
  if (n == 0) {
    if (state_ == State::h2 && h2_->wants_write()) return;  // half-closed: finish what is owed
    if (state_ == State::read_body) spdlog::info("{}: client closed during the request body", peer());
    close_now();
    return;
  }
  if (state_ == State::h2) {
    h2_receive(buf, static_cast<std::size_t>(n));
    return;
  }
  if (state_ == State::linger) {
    linger_read_ += static_cast<std::size_t>(n);
    if (linger_read_ > k_linger_max_bytes) close_now();
    return;
  }
  if (state_ == State::read_body) {
    deadline_ = w_.now() + w_.cfg().limits.body_timeout;
    in_.append(buf, static_cast<std::size_t>(n));
    take_body();
    return;
  }
  feed_bytes(buf, static_cast<std::size_t>(n));
}

void Connection::feed_bytes(const char* data, std::size_t len) {
  if (in_off_ < in_.size()) {
    in_.append(data, len);
    process_buffered();
    return;
  }
  in_.clear();
  in_off_ = 0;
  std::size_t used = process(data, len);
  if (state_ != State::closed && used < len) in_.append(data + used, len - used);
  if (state_ == State::read_body) take_body();
}

void Connection::process_buffered() {
  std::size_t used = process(in_.data() + in_off_, in_.size() - in_off_);
  if (state_ == State::closed) return;
  in_off_ += used;
  if (in_off_ >= in_.size()) {
    in_.clear();
    in_off_ = 0;
  } else if (in_off_ > 0 && state_ == State::read_request) {
    in_.erase(0, in_off_);
    in_off_ = 0;
  }
  if (state_ == State::read_body) take_body();
}

std::size_t Connection::process(const char* data, std::size_t len) {
  if (requests_ == 0 && state_ == State::read_request) {
    if (std::size_t used = maybe_start_h2(data, len)) return used;
  }
  in_process_ = true;
  std::size_t off = 0;
  while (state_ == State::read_request && off < len) {
    std::size_t used = 0;
    ParseEvent ev = parser_.feed(data + off, len - off, used);
    off += used;
    if (ev == ParseEvent::error) {
      if (parser_.in_body()) {
        // The body of a request already answered is malformed: one request
        // gets one final response, so no 400 now; just stop reading.
        spdlog::info("{}: bad request body after the response: {}", peer(), parser_.error_reason());
        start_linger();
        break;
      }
      spdlog::info("{}: bad request ({}): {}", peer(), parser_.error_status(), parser_.error_reason());
      sent_ = 0;
      out_.use_shared(w_.head_buffer(), w_.body_buffer());
      ex_.bad_request(parser_.request(), parser_.error_status());
      break;
    }
    if (ev == ParseEvent::headers_done) {
      head_timer_set_ = false;
      out_.use_shared(w_.head_buffer(), w_.body_buffer());
      sent_ = 0;
      payload_sent_ = 0;
      ex_.begin(parser_.request(), ++requests_);
      continue;
    }
    if (ev == ParseEvent::need_more) {
      if (parser_.body_bytes() > w_.cfg().limits.max_body) {
        spdlog::info("{}: request body over the limit", peer());
        close_now();
        break;
      }
      if (!head_timer_set_ && parser_.head_in_progress()) {
        head_timer_set_ = true;
        deadline_ = w_.now() + w_.cfg().limits.header_timeout;
      }
      break;
    }
    // message_done: a body we did not need has been read; go on.
  }
  in_process_ = false;
  return off;
}

}  // namespace filehttpd
