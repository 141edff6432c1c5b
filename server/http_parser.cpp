#include "http_parser.hpp"

#include <cstring>

#include "request_body.hpp"

namespace filehttpd {

namespace {

constexpr int k_pause = HPE_PAUSED;

RequestParser& self(llhttp_t* p) {
  return *static_cast<RequestParser*>(p->data);
}

// The absolute-form prefix the classic profile must see whole before it
// decides whether a target needs its leading '/'.
constexpr std::string_view k_http_scheme = "http://";

// Longest method token we wait for before handing bytes to llhttp.
constexpr std::size_t k_max_method_probe = 32;

}  // namespace

std::string_view rejection_reason(llhttp_errno_t err) {
  switch (err) {
    case HPE_INVALID_METHOD: return "a malformed method";
    case HPE_INVALID_URL: return "a malformed request target";
    case HPE_INVALID_CONSTANT: return "a malformed request line";
    case HPE_INVALID_VERSION: return "an HTTP version other than 1.x";
    case HPE_INVALID_HEADER_TOKEN: return "a byte not allowed in a header name or value";
    case HPE_INVALID_CONTENT_LENGTH: return "a malformed or repeated Content-Length";
    case HPE_UNEXPECTED_CONTENT_LENGTH: return "Content-Length together with Transfer-Encoding";
    case HPE_INVALID_TRANSFER_ENCODING: return "chunked is not the final transfer coding";
    case HPE_INVALID_CHUNK_SIZE: return "a malformed or overflowing chunk size";
    case HPE_STRICT: return "chunk data without its CRLF";
    case HPE_CR_EXPECTED:
    case HPE_LF_EXPECTED: return "a malformed line ending";
    case HPE_INVALID_EOF_STATE: return "the connection ended inside a message";
    case HPE_PAUSED_H2_UPGRADE: return "an HTTP/2 connection preface (only HTTP/1.x is served)";
    case HPE_PAUSED_UPGRADE: return "a protocol upgrade we do not perform";
    default: return "a malformed request";
  }
}

const std::string* Request::find(std::string_view name) const {
  for (std::size_t i = 0; i < header_count; ++i) {
    const Header& h = headers[i];
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

const std::string* Request::find_list(std::string_view name, std::string& joined) const {
  const std::string* first = nullptr;
  bool several = false;
  for (std::size_t i = 0; i < header_count; ++i) {
    const Header& h = headers[i];
    if (!iequals(h.name, name)) continue;
    if (!first) {
      first = &h.value;
      continue;
    }
    if (!several) joined = *first;
    several = true;
    joined += ", ";
    joined += h.value;
  }
  return several ? &joined : first;
}

void Request::clear() {
  target.clear();
  header_count = 0;
  keep_alive = false;
  chunked = false;
  has_content_length = false;
  content_length = 0;
}

RequestParser::RequestParser(std::size_t header_limit, std::size_t uri_limit, bool relative_targets)
    : header_limit_(header_limit), uri_limit_(uri_limit), relative_targets_(relative_targets) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
  parser_.data = this;
}

const llhttp_settings_t& RequestParser::settings() {
  // One table for every parser: the callbacks find their parser through data.
  static const llhttp_settings_t table = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = on_message_begin;
    s.on_url = on_url;
    s.on_header_field = on_header_field;
    s.on_header_value = on_header_value;
    s.on_header_field_complete = on_header_field_complete;
    s.on_header_value_complete = on_header_value_complete;
    s.on_headers_complete = on_headers_complete;
    s.on_chunk_header = on_chunk_header;
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  return table;
}

int RequestParser::on_message_begin(llhttp_t* p) {
  auto& s = self(p);
  s.req_.clear();
  s.in_message_ = true;
  s.headers_done_ = false;
  s.head_bytes_ = 0;
  s.field_open_ = false;
  s.body_bytes_ = 0;
  s.body_limit_ = UINT64_MAX;
  return 0;
}

int RequestParser::on_url(llhttp_t* p, const char* at, std::size_t len) {
  auto& s = self(p);
  if (s.req_.target.size() + len > s.uri_limit_) {
    s.pending_status_ = 414;
    s.error_reason_ = "request target too long";
    return -1;
  }
  s.req_.target.append(at, len);
  return s.count_head(len);
}

int RequestParser::count_head(std::size_t len) {
  head_bytes_ += len;
  if (head_bytes_ > header_limit_) {
    pending_status_ = 431;
    error_reason_ = "request header section too large";
    return -1;
  }
  return 0;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, std::size_t len) {
  auto& s = self(p);
  Request& r = s.req_;
  std::size_t overhead = 0;
  if (!s.field_open_) {
    // A field starts a line: the byte before it is the previous line's LF.
    char before = at > s.run_begin_ ? at[-1] : s.last_byte_;
    if (before != '\n') {
      s.pending_status_ = 400;
      s.error_reason_ = "a bare CR in the header section";
      return -1;
    }
    s.value_started_ = false;
    if (r.headers.size() <= r.header_count) r.headers.emplace_back();
    r.headers[r.header_count].name.clear();
    r.headers[r.header_count].value.clear();
    ++r.header_count;
    s.field_open_ = true;
    // Two bytes of ": " and two of CRLF per line count too, once per line
    // however many calls the name arrives in.
    overhead = 4;
  }
  r.headers[r.header_count - 1].name.append(at, len);
  return s.count_head(len + overhead);
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t len) {
  auto& s = self(p);
  Header& h = s.req_.headers[s.req_.header_count - 1];
  s.field_open_ = false;
  if (s.value_started_) {
    // A value arrives in pieces only where input was split; a gap between
    // pieces means llhttp skipped a CRLF: an obs-fold continuation line.
    // (Pointers are compared within one call only: the caller may reuse its buffer.)
    bool continues = (s.value_run_ == s.run_seq_ && at == s.value_end_) || (s.value_at_run_end_ && at == s.run_begin_);
    if (!continues) {
      s.pending_status_ = 400;
      s.error_reason_ = "an obs-fold continuation line";
      return -1;
    }
  }
  s.value_started_ = true;
  s.value_end_ = at + len;
  s.value_run_ = s.run_seq_;
  s.value_at_run_end_ = s.value_end_ == s.run_end_;
  h.value.append(at, len);
  return s.count_head(len);
}

int RequestParser::on_header_field_complete(llhttp_t* p) {
  auto& s = self(p);
  if (!s.field_open_ || s.req_.header_count == 0) {  // no on_header_field for this line: ": value"
    s.pending_status_ = 400;
    s.error_reason_ = "empty header name";
    return -1;
  }
  const std::string& name = s.req_.headers[s.req_.header_count - 1].name;
  if (name.empty()) {
    s.pending_status_ = 400;
    s.error_reason_ = "empty header name";
    return -1;
  }
  if (name.back() == ' ' || name.back() == '\t') {
    // "Name : value" is forbidden (RFC 9112 section 5.1); llhttp lets it through.
    s.pending_status_ = 400;
    s.error_reason_ = "white space before a header colon";
    return -1;
  }
  for (char c : name) {
    if (!is_tchar(c)) {
      // A field name is a token (RFC 9112 section 5.1); llhttp 8.1 lets SP through.
      s.pending_status_ = 400;
      s.error_reason_ = "a byte not allowed in a header name";
      return -1;
    }
  }
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  auto& s = self(p);
  s.field_open_ = false;
  if (s.req_.header_count == 0) return 0;
  std::string& value = s.req_.headers[s.req_.header_count - 1].value;
  // llhttp drops the white space before a value but keeps the white space
  // after it, which is not part of it either (RFC 9110 section 5.5).
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  if (!is_field_value(value)) {
    // A bare CR (read as a line end by some parsers) or the CRLF of an
    // obs-fold continuation that llhttp 8.1 keeps in the value.
    s.pending_status_ = 400;
    s.error_reason_ = "a control byte (bare CR, obs-fold, ...) in a header value";
    return -1;
  }
  return 0;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  auto& s = self(p);
  Request& r = s.req_;
  std::size_t hosts = 0;
  Header* host = nullptr;
  for (std::size_t i = 0; i < r.header_count; ++i) {
    Header& h = r.headers[i];
    if (iequals(h.name, "Host")) {
      ++hosts;
      host = &h;
    }
  }
  if (hosts > 1) {
    // Two parsers could pick different ones (RFC 9112 section 3.2).
    s.pending_status_ = 400;
    s.error_reason_ = "more than one Host field";
    return -1;
  }
  std::string joined;
  if (const std::string* te = r.find_list("Transfer-Encoding", joined)) {
    TransferCodingCheck check = check_transfer_codings(*te, p->http_major == 1 && p->http_minor == 0);
    if (check.status) {
      s.pending_status_ = check.status;
      s.error_reason_ = check.reason;
      return -1;
    }
  }
  if (host && !is_valid_host(host->value)) {
    // Checked even when an absolute-form target overrides it (RFC 9112 section 3.2).
    s.pending_status_ = 400;
    s.error_reason_ = "a malformed Host field";
    return -1;
  }
  std::string authority, origin;
  if (split_absolute_form(r.target, authority, origin)) {
    // RFC 9112 section 3.2.2: the target's authority replaces Host.
    if (authority.empty()) {
      s.pending_status_ = 400;
      s.error_reason_ = "absolute-form target without a host";
      return -1;
    }
    if (!is_valid_host(authority)) {
      s.pending_status_ = 400;
      s.error_reason_ = "absolute-form target with a malformed authority";
      return -1;
    }
    r.target = origin;
    // An HTTP/1.1 request without Host stays without one, to be refused like
    // any other (RFC 9112 section 3.2); HTTP/1.0 and the classic profile need none.
    bool needs_host = p->http_major == 1 && p->http_minor >= 1 && !s.relative_targets_;
    if (!host && !needs_host) {
      if (r.headers.size() <= r.header_count) r.headers.emplace_back();
      host = &r.headers[r.header_count++];
      host->name = "Host";
    }
    if (host) host->value = authority;
  }
  r.method = static_cast<llhttp_method_t>(p->method);
  r.method_name = llhttp_method_name(r.method);
  r.version_major = p->http_major;
  r.version_minor = p->http_minor;
  r.keep_alive = llhttp_should_keep_alive(p) != 0;
  r.chunked = (p->flags & F_CHUNKED) != 0;
  r.has_content_length = (p->flags & F_CONTENT_LENGTH) != 0;
  r.content_length = r.has_content_length ? p->content_length : 0;
  s.headers_done_ = true;
  s.paused_event_ = ParseEvent::headers_done;
  // We never switch protocols: an Upgrade header (or CONNECT) is ignored and
  // the bytes after this message are parsed as the next request.
  p->upgrade = 0;
  return k_pause;
}

int RequestParser::on_chunk_header(llhttp_t* p) {
  // p->content_length is the size this chunk announces: refused before its bytes come.
  auto& s = self(p);
  if (!body_over_limit(s.body_bytes_, p->content_length, s.body_limit_)) return 0;
  s.pending_status_ = 413;
  s.error_reason_ = "a chunk that takes the body over its limit";
  return -1;
}

int RequestParser::on_body(llhttp_t* p, const char* at, std::size_t len) {
  auto& s = self(p);
  s.body_bytes_ += len;
  if (s.body_sink_) s.body_sink_->append(at, len);
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  auto& s = self(p);
  s.in_message_ = false;
  s.paused_event_ = ParseEvent::message_done;
  return k_pause;
}

ParseEvent RequestParser::fail(int status, std::string_view reason) {
  error_status_ = status;
  error_reason_ = std::string(reason);
  return ParseEvent::error;
}

ParseEvent RequestParser::run(const char* data, std::size_t len, std::size_t& consumed) {
  run_begin_ = data;
  run_end_ = data + len;
  ++run_seq_;
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  // A value continues into the next call only if a chunk of it ended this one.
  if (value_run_ != run_seq_ || value_end_ != run_end_) value_at_run_end_ = false;
  run_begin_ = run_end_ = nullptr;
  if (err == HPE_OK) {
    consumed = len;
  } else if (err == HPE_PAUSED) {
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data);
    llhttp_resume(&parser_);
  } else {
    consumed = len;
    if (pending_status_) return fail(pending_status_, error_reason_);
    std::string_view reason = rejection_reason(err);
    switch (err) {
      case HPE_INVALID_METHOD: {
        // A well-formed but unknown method token is 501; garbage is 400.
        std::size_t i = 0;
        while (i < len && is_tchar(data[i])) ++i;
        bool unknown = i > 0 && i < len && data[i] == ' ';
        return fail(unknown ? 501 : 400, unknown ? "unknown method" : reason);
      }
      case HPE_INVALID_VERSION: return fail(505, reason);
      case HPE_PAUSED_H2_UPGRADE: return fail(505, reason);
      default: return fail(400, reason);
    }
  }
  if (consumed > 0) last_byte_ = data[consumed - 1];
  if (err == HPE_PAUSED) return paused_event_;
  return ParseEvent::need_more;
}

ParseEvent RequestParser::feed(const char* data, std::size_t len, std::size_t& consumed) {
  consumed = 0;
  if (error_status_) return ParseEvent::error;
  if (!in_message_ && len > 0) {
    // Hold the method token back until its SP arrives, so that llhttp (and
    // our 400-or-501 choice) sees it whole however the bytes were split.
    std::size_t skip = 0;
    while (skip < len && (data[skip] == '\r' || data[skip] == '\n')) ++skip;
    const char* sp = static_cast<const char*>(std::memchr(data + skip, ' ', len - skip));
    bool token_so_far = true;
    for (std::size_t i = skip; i < len && token_so_far && data + i != sp; ++i) token_so_far = is_tchar(data[i]);
    if (!sp && token_so_far && len - skip < k_max_method_probe) return ParseEvent::need_more;
    // k_max_method_probe token bytes are longer than any method we know: an
    // unknown method, decided on those bytes alone, so that no later byte
    // (its SP or anything else) and no split can change the answer.
    std::size_t token_len = 0;
    while (skip + token_len < len && token_len < k_max_method_probe && is_tchar(data[skip + token_len])) ++token_len;
    if (token_len >= k_max_method_probe) {
      consumed = len;
      return fail(501, "unknown method");
    }
    if (relative_targets_ && sp && token_so_far) {
      // "GET name HTTP/1.1": give llhttp the '/' the classic contract leaves out.
      std::size_t at = static_cast<std::size_t>(sp - data) + 1;
      std::string_view rest(data + at, len - at);
      // Wait until the target's start says whether it is "http://...".
      if (rest.size() < k_http_scheme.size() && k_http_scheme.starts_with(rest)) return ParseEvent::need_more;
      if (data[at] != '/' && data[at] != '*' && data[at] != ' ' && !rest.starts_with(k_http_scheme)) {
        std::size_t used = 0;
        ParseEvent ev = run(data, at, used);
        if (ev == ParseEvent::error) {
          consumed = used;
          return ev;
        }
        ev = run("/", 1, used);
        if (ev == ParseEvent::error) {
          consumed = at;
          return ev;
        }
        head_bytes_ -= 1;  // the '/' we added is not the client's
        ev = run(data + at, len - at, used);
        consumed = at + used;
        return ev;
      }
    }
  }
  return run(data, len, consumed);
}

}  // namespace filehttpd
