#include "cgi_exchange.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "access_log.hpp"
#include "compress_config.hpp"
#include "field_syntax.hpp"
#include "http1_framing.hpp"
#include "log.hpp"
#include "response.hpp"
#include "worker.hpp"

namespace filehttpd {

std::chrono::steady_clock::time_point next_cgi_deadline(std::chrono::steady_clock::time_point current, CgiWait ev,
                                                        bool exited, bool waiting,
                                                        std::chrono::steady_clock::time_point now,
                                                        std::chrono::milliseconds timeout,
                                                        std::chrono::milliseconds linger) {
  switch (ev) {
    case CgiWait::output: return exited ? current : now + timeout;
    case CgiWait::armed: return now + (exited ? linger : timeout);
    case CgiWait::paused: return std::chrono::steady_clock::time_point::max();
    case CgiWait::exited: return waiting ? std::min(current, now + linger) : current;
  }
  return current;
}

int CgiExchange::start(const CgiSpawn& spec, CgiOwner* owner, const CgiResponseShape& shape, std::string label) {
  CgiChildHandles h;
  int err = spawn_cgi(spec, h);
  if (err != 0) {
    body_.clear();
    return err;
  }
  child_ = w_.start_cgi(owner, h.pid, std::move(h.pidfd));
  out_fd_ = std::move(h.out);
  in_fd_ = std::move(h.in);
  active_ = true;
  exited_ = false;
  shape_ = shape;
  if (!shape_.parse_head) shape_.keep_alive = false;  // raw output ends with the connection
  label_ = std::move(label);
  out_.reset();
  out_.buf = shape.status_line;
  head_buf_.clear();
  head_done_ = !shape_.parse_head;
  framing_ = Framing::raw;
  status_ = shape.status;
  declared_ = 0;
  declared_set_ = false;
  excess_ = false;
  payload_ = 0;
  encoder_.reset();
  encoding_ = false;
  failure_.clear();
  redirect_.clear();
  feed_.reset();
  feed_pos_ = 0;
  if (!in_fd_) body_.clear();
  return 0;
}

void CgiExchange::stop() {
  if (child_) {
    w_.abandon_cgi(child_);
    child_ = nullptr;
  }
  out_fd_.reset();
  end_stdin();
  active_ = false;
}

bool CgiExchange::exited(int wait_status) {
  child_ = nullptr;
  exited_ = true;
  if (WIFSIGNALED(wait_status)) spdlog::info("{} killed by signal {}", label_, WTERMSIG(wait_status));
  end_stdin();  // whatever of the body it did not read is dropped
  return static_cast<bool>(out_fd_);
}

void CgiExchange::detach() {
  if (child_) {
    child_->conn = nullptr;  // the worker reaps it when it exits
    child_ = nullptr;
  }
  out_fd_.reset();
  end_stdin();
  active_ = false;
}

void CgiExchange::end_stdin() {
  in_fd_.reset();
  body_.clear();
  feed_.reset();
}

void CgiExchange::feed() {
  if (!in_fd_) return;
  feed_.run(
      [this](std::size_t room) {
        std::string& buf = feed_.buf;
        std::size_t old = buf.size();
        buf.resize(old + room);
        ssize_t n = body_.read_at(feed_pos_, buf.data() + old, room);
        buf.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
        if (n < 0) {
          spdlog::error("{}: cannot read the spilled request body: {}", label_, std::strerror(errno));
          return IoStep::failed;  // the script sees its body end early
        }
        feed_pos_ += static_cast<std::uint64_t>(n);
        return n == 0 ? IoStep::ended : IoStep::moved;
      },
      [this](const char* data, std::size_t len, std::size_t& written) {
        while (true) {
          ssize_t n = write(in_fd_.get(), data, len);
          if (n >= 0) {
            written = static_cast<std::size_t>(n);
            return IoStep::moved;
          }
          if (errno == EINTR) continue;
          if (errno == EAGAIN) return IoStep::blocked;
          // EPIPE: the script stopped reading its stdin; the rest is dropped.
          spdlog::debug("{}: stdin closed early: {}", label_, std::strerror(errno));
          return IoStep::failed;
        }
      });
  if (feed_.done() || feed_.failed) end_stdin();
}

CgiExchange::Read CgiExchange::fill(std::size_t room) {
  if (!out_fd_) return end_output("the script ended before finishing its headers") ? Read::ended : Read::bad_head;
  char* buf = w_.scratch();
  ssize_t n = read(out_fd_.get(), buf, std::min(room, k_scratch_size));
  if (n < 0) {
    if (errno == EINTR) return Read::moved;
    if (errno == EAGAIN) return Read::blocked;
    n = 0;  // a broken pipe ends the output like EOF
  }
  if (n == 0) return end_output("the script ended before finishing its headers") ? Read::ended : Read::bad_head;
  std::size_t len = static_cast<std::size_t>(n);
  if (!head_done_) {
    head_buf_.append(buf, len);
    return take_head();
  }
  if (!shape_.head_only || framing_ == Framing::raw) frame_body(buf, len);  // HEAD: the body is dropped
  if (excess_) {
    // The declared body is complete; whatever else the script writes is not ours to send.
    end_output("");
    return Read::ended;
  }
  return Read::moved;
}

bool CgiExchange::end_output(const char* why_if_no_head) {
  out_fd_.reset();
  if (!head_done_) {
    failure_ = why_if_no_head;
    return false;
  }
  finish_framing();
  return true;
}

CgiExchange::Read CgiExchange::take_head() {
  if (shape_.structured) nph_status_to_field(head_buf_);  // HTTP/2 has no raw output: nph- heads are parsed
  CgiHeaderResult r = parse_cgi_headers(head_buf_);
  if (r.state == CgiHeaderResult::State::need_more) {
    if (head_buf_.size() < k_cgi_header_limit) return Read::moved;
    failure_ = "header block over 64 KiB";
    return Read::bad_head;
  }
  if (r.state == CgiHeaderResult::State::invalid) {
    failure_ = r.reason;
    return Read::bad_head;
  }
  if (!r.location.empty() && r.location[0] == '/' && r.status == 200 && r.headers.empty()) {
    redirect_ = r.location;
    head_buf_.clear();
    return Read::local_redirect;
  }
  if (!r.has_status && r.status == 200) r.status = shape_.status;  // an error page keeps its error
  // The script's header block as a Response, framed for HTTP/1.1 with the
  // framing chosen here from its Content-Length and the request's version.
  Response resp;
  resp.status = r.status;
  resp.reason = r.reason_phrase;
  bool bodyless = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
  if (start_stream_coding(r, bodyless)) {
    resp.fields.add("Content-Encoding", shape_.stream_coding);
    resp.fields.add("Vary", "Accept-Encoding");
  }
  for (const Header& h : r.headers) resp.fields.add(h.name, h.value);
  if (!r.location.empty()) resp.fields.add("Location", r.location);
  if (!r.has_content_type && !bodyless) {
    spdlog::warn("{} sent no Content-Type", label_);
    resp.fields.add("Content-Type", "application/octet-stream");
  }
  declared_set_ = r.has_content_length && !shape_.head_only && !bodyless;
  declared_ = r.content_length;
  // HEAD gets the framing headers GET would get; only the body is left out.
  Http1Framing framing;
  if (r.has_content_length) {
    framing_ = Framing::length;
    resp.has_length = true;
    resp.length = r.content_length;
  } else if (bodyless) {
    framing_ = Framing::length;
  } else if (shape_.version_minor >= 1) {
    framing_ = Framing::chunked;
    framing.chunked = true;
  } else {
    framing_ = Framing::close;
    shape_.keep_alive = false;
  }
  if (shape_.structured) {
    if (framing_ == Framing::chunked) framing_ = Framing::close;  // HTTP/2 frames the body itself
    head_ = std::move(resp);
    head_.reason = {};  // HTTP/2 has no reason phrase
  } else {
    framing.keep_alive = shape_.keep_alive;
    framing.version_minor = shape_.version_minor;
    framing.connection_lines = shape_.head_lines;
    frame_http1_head(resp, framing, out_.buf);
  }
  head_done_ = true;
  status_ = r.status;
  if (head_buf_.size() > r.header_bytes && !shape_.head_only && !bodyless)
    frame_body(head_buf_.data() + r.header_bytes, head_buf_.size() - r.header_bytes);
  head_buf_.clear();
  head_buf_.shrink_to_fit();
  return Read::moved;
}

bool CgiExchange::start_stream_coding(CgiHeaderResult& r, bool bodyless) {
  if (shape_.stream_coding.empty() || !shape_.compress_types || bodyless || r.status == 206 || !r.has_content_type)
    return false;
  const Header* type = nullptr;
  for (const Header& h : r.headers) {
    if (iequals(h.name, "Content-Encoding")) return false;  // the script's own coding is left alone
    if (iequals(h.name, "Content-Type")) type = &h;
  }
  if (!type || !compress_type_matches(*shape_.compress_types, type->value)) return false;
  if (!shape_.head_only) {
    encoder_ = StreamEncoder::make(shape_.stream_coding, k_stream_level);
    if (!encoder_) return false;
  }
  encoding_ = true;
  r.has_content_length = false;  // the length is the compressed one: chunked (or close-delimited)
  for (Header& h : r.headers)
    if (iequals(h.name, "ETag") && !h.value.starts_with("W/")) h.value = "W/" + h.value;  // other bytes now
  return true;
}

void CgiExchange::frame_body(const char* data, std::size_t len) {
  std::string& out = out_.buf;
  if (encoder_) {
    // Flushed on every read, so a script that streams reaches the client as it writes.
    packed_.clear();
    if (!encoder_->update(std::string_view(data, len), packed_) || !encoder_->flush(packed_)) {
      spdlog::error("{}: compressing the output failed; closing the connection", label_);
      shape_.keep_alive = false;
      encoder_.reset();
      excess_ = true;
      return;
    }
    data = packed_.data();
    len = packed_.size();
    if (len == 0) return;
  }
  if (framing_ == Framing::chunked) {
    append_chunk(out, std::string_view(data, len));
    payload_ += len;
    return;
  }
  if (framing_ == Framing::length && declared_set_) {
    std::uint64_t room = declared_ - std::min(declared_, payload_);
    if (len > room) {
      if (shape_.keep_alive || room > 0)
        spdlog::warn("{} sent more than its Content-Length of {}; the rest is dropped and the connection closed",
                     label_, declared_);
      shape_.keep_alive = false;
      excess_ = true;
      len = static_cast<std::size_t>(room);
    }
  }
  out.append(data, len);
  payload_ += len;
}

void CgiExchange::finish_framing() {
  if (encoder_) {
    packed_.clear();
    bool ok = encoder_->finish(packed_);
    encoder_.reset();
    if (ok && !packed_.empty()) frame_body(packed_.data(), packed_.size());
    if (!ok) shape_.keep_alive = false;
  }
  if (framing_ == Framing::chunked && !shape_.head_only) append_last_chunk(out_.buf);
  if (framing_ == Framing::length && declared_set_ && payload_ < declared_) {
    // The client waits for bytes that will never come: only a close ends the response.
    spdlog::warn("{} ended after {} of its {} Content-Length bytes; closing the connection", label_, payload_,
                 declared_);
    shape_.keep_alive = false;
  }
}

}  // namespace filehttpd
