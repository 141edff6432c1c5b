#include "h2_stream.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "field_syntax.hpp"
#include "h2_session.hpp"
#include "worker.hpp"

namespace filehttpd {

namespace {

// Returns the llhttp method for an HTTP/2 :method, or false when it is none we know.
bool method_from_name(std::string_view name, llhttp_method_t& out) {
#define FILEHTTPD_METHOD(num, id, text) \
  if (name == #text) {                  \
    out = HTTP_##id;                    \
    return true;                        \
  }
  HTTP_METHOD_MAP(FILEHTTPD_METHOD)
#undef FILEHTTPD_METHOD
  return false;
}

// A sink for OutputQueue::drain that copies into a buffer of room bytes;
// with stop_at_files, file ranges long enough to go by reference are left to the session.
struct CopySink {
  std::uint8_t* buf;
  std::size_t room;
  bool stop_at_files;

  ssize_t send_iov(const iovec* iov, int count, bool) {
    if (room == 0) return full();
    std::size_t done = 0;
    for (int i = 0; i < count && room > 0; ++i) {
      std::size_t take = std::min(room, iov[i].iov_len);
      std::copy_n(static_cast<const std::uint8_t*>(iov[i].iov_base), take, buf);
      buf += take;
      room -= take;
      done += take;
    }
    return static_cast<ssize_t>(done);
  }
  ssize_t send_file(int fd, off_t* offset, std::size_t len) {
    if (room == 0 || (stop_at_files && len >= k_h2_by_reference_min)) return full();
    ssize_t n = pread(fd, buf, std::min(room, len), *offset);
    if (n > 0) {
      *offset += n;
      buf += n;
      room -= static_cast<std::size_t>(n);
    }
    return n;
  }
  static ssize_t full() {
    errno = EAGAIN;
    return -1;
  }
};

}  // namespace

H2Stream::H2Stream(H2Session& session, std::int32_t id, Worker& w, ExchangeHost& conn)
    : session_(session), id_(id), conn_(conn), w_(w), ex_(w, *this, out_) {}

bool H2Stream::add_field(std::string_view name, std::string_view value) {
  // Decoded sizes, as RFC 9113 section 6.5.2 counts them (an HPACK bomb counts in full).
  header_bytes_ += name.size() + value.size() + 32;
  if (header_bytes_ > w_.cfg().limits.header_bytes) too_large_ = true;
  if (too_large_) return true;
  if (!name.empty() && name[0] == ':') {
    if (name == ":method")
      method_ = value;
    else if (name == ":path") {
      req_.target = value;
      has_path_ = !value.empty();
    } else if (name == ":authority")
      authority_ = value;
    return true;
  }
  if (req_.headers.empty()) req_.headers.reserve(16);  // one allocation for a usual request's fields
  if (req_.header_count < req_.headers.size())
    req_.headers[req_.header_count] = Header{std::string(name), std::string(value)};
  else
    req_.headers.push_back(Header{std::string(name), std::string(value)});
  ++req_.header_count;
  return true;
}

H2Stream::~H2Stream() {
  if (waiting_auth_) w_.auth().cancel(this);
  stop_cgi();
}

bool H2Stream::begin(std::uint64_t count, bool end_stream) {
  ended_ = end_stream;
  if (method_.empty() || (!has_path_ && method_ != "CONNECT")) return false;
  req_.method_name = method_;
  req_.h2 = true;
  req_.version_major = 2;
  req_.version_minor = 0;
  req_.keep_alive = false;
  if (too_large_) {
    ex_.bad_request(req_, 431);
    return true;
  }
  if (!authority_.empty() && !req_.find("Host")) {
    req_.headers.insert(req_.headers.begin(), Header{"Host", authority_});
    ++req_.header_count;
  }
  if (const std::string* cl = req_.find("Content-Length")) {
    std::uint64_t n = 0;
    auto r = std::from_chars(cl->data(), cl->data() + cl->size(), n);
    if (r.ec == std::errc() && r.ptr == cl->data() + cl->size()) {
      req_.has_content_length = true;
      req_.content_length = n;
    }
  }
  // A body without a length is as a chunked one in HTTP/1.1: its END_STREAM total counts.
  if (!end_stream && !req_.has_content_length) req_.chunked = true;
  if (!method_from_name(method_, req_.method)) {
    ex_.bad_request(req_, 501);
    return true;
  }
  ex_.begin(req_, count);
  return true;
}

void H2Stream::send_response() {
  if (responded_) return;
  responded_ = true;
  // Anything queued after the empty head slot is the body.
  has_body_ = out_.pending_bytes();
  session_.submit(*this);
}

long H2Stream::read_body(std::uint8_t* buf, std::size_t room, bool by_reference, bool& by_ref, bool& eof) {
  if (cgi_relay_) return read_cgi_body(buf, room, eof);
  OutputQueue::Next next;
  if (by_reference && out_.peek(next) && next.file && next.length >= k_h2_by_reference_min) {
    // A file range goes out by reference: the session queues the file itself after the frame header.
    std::uint64_t n = std::min<std::uint64_t>(room, next.length);
    by_ref = true;
    eof = next.last && n == next.length;
    return static_cast<long>(n);
  }
  CopySink sink{buf, room, by_reference};
  std::uint64_t sent = 0;
  OutputQueue::Result r = out_.drain(sink, sent);
  body_sent_ += sent;
  if (r == OutputQueue::Result::error || r == OutputQueue::Result::file_shrank) return -1;
  eof = r == OutputQueue::Result::done;
  if (eof) out_.clear();
  return static_cast<long>(sent);
}

std::shared_ptr<const unique_fd> H2Stream::take_file(std::size_t len, off_t& offset) {
  OutputQueue::Next next;
  if (!out_.peek(next) || !next.file || next.length < len) return nullptr;
  offset = next.offset;
  std::shared_ptr<const unique_fd> file = out_.share_file();
  out_.consume(len);
  body_sent_ += len;
  if (!out_.peek(next)) out_.clear();
  return file;
}

void H2Stream::auth_verified(bool ok) {
  if (!waiting_auth_) return;
  waiting_auth_ = false;
  ex_.auth_verified(ok);
  session_.kick();
}

void H2Stream::closed(bool aborted) {
  ex_.log_access(body_sent_, aborted, !responded_);
}

}  // namespace filehttpd
