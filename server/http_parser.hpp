#pragma once
// llhttp glue: bytes in; a parsed request head, body bytes, or an error status out.
#include <llhttp.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "field_syntax.hpp"

namespace filehttpd {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  llhttp_method_t method = HTTP_GET;
  std::string_view method_name;
  std::string target;
  int version_major = 1;
  int version_minor = 1;
  std::vector<Header> headers;  // only the first header_count are in use
  std::size_t header_count = 0;
  bool keep_alive = false;
  bool chunked = false;
  bool has_content_length = false;
  std::uint64_t content_length = 0;
  bool h2 = false;  // a stream of an HTTP/2 session (version 2.0), not an HTTP/1.x text request

  // Returns the first header named name (case-insensitive), or nullptr: for singleton fields.
  const std::string* find(std::string_view name) const;
  // Returns the value of the list-based field name, all its lines as one list
  // joined by ", " in order (RFC 9110 section 5.3): the line itself when
  // there is one, else joined, filled here; nullptr when there is none.
  const std::string* find_list(std::string_view name, std::string& joined) const;
  // Returns true when the request carries a body (length > 0 or chunked).
  bool has_body() const { return chunked || content_length > 0; }
  // Empties the request, keeping allocated capacity.
  void clear();
};

// Returns our own words for an llhttp error, for the error log.
std::string_view rejection_reason(llhttp_errno_t err);

enum class ParseEvent {
  need_more,     // all input consumed, the message is not finished
  headers_done,  // the head is complete; request() is valid
  message_done,  // the message (head and body) is complete
  error,         // malformed input; error_status() says which status to send
};

class RequestParser {
 public:
  // header_limit bounds the request head, uri_limit the request target.
  // With relative_targets, "GET name HTTP/1.1" is read as "GET /name ...".
  RequestParser(std::size_t header_limit, std::size_t uri_limit, bool relative_targets);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses up to len bytes and stops after the head and after the message.
  // consumed tells how many bytes were used; keep the rest for the next call.
  ParseEvent feed(const char* data, std::size_t len, std::size_t& consumed);

  // Returns the request parsed so far (valid from headers_done on).
  Request& request() { return req_; }
  const Request& request() const { return req_; }

  // Body bytes go to sink (appended) or are dropped when sink is nullptr.
  void set_body_sink(std::string* sink) { body_sink_ = sink; }
  // Returns the body bytes received for the current message.
  std::uint64_t body_bytes() const { return body_bytes_; }
  // Refuses (error 413) the current message's chunked body once a chunk-size
  // line takes it over limit; the next message has no limit again.
  void set_body_limit(std::uint64_t limit) { body_limit_ = limit; }

  // Returns the HTTP status for the last error (400, 414, 431, 501, 505).
  int error_status() const { return error_status_; }
  // Returns llhttp's or our reason for the last error.
  std::string_view error_reason() const { return error_reason_; }

  // Returns true when a message has started but is not complete.
  bool in_message() const { return in_message_; }
  // Returns true while a request head is partly received.
  bool head_in_progress() const { return in_message_ && !headers_done_; }
  // Returns true when the head of the current message is complete and its
  // body is being read (still true after an error in that body).
  bool in_body() const { return in_message_ && headers_done_; }
  // Returns true when the current request's body has not been read to its end.
  bool unread_body() const { return in_message_ && headers_done_ && req_.has_body(); }

 private:
  static int on_message_begin(llhttp_t* p);
  static int on_url(llhttp_t* p, const char* at, std::size_t len);
  static int on_header_field(llhttp_t* p, const char* at, std::size_t len);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t len);
  static int on_header_field_complete(llhttp_t* p);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_chunk_header(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, std::size_t len);
  static int on_message_complete(llhttp_t* p);

  int count_head(std::size_t len);
  ParseEvent run(const char* data, std::size_t len, std::size_t& consumed);
  ParseEvent fail(int status, std::string_view reason);

  static const llhttp_settings_t& settings();

  llhttp_t parser_{};
  Request req_;
  std::size_t header_limit_;
  std::size_t uri_limit_;
  bool relative_targets_;
  std::size_t head_bytes_ = 0;
  bool in_message_ = false;
  bool headers_done_ = false;
  bool field_open_ = false;  // the last callback was on_header_field
  // Where llhttp's input is, to see bytes it skips between callbacks (llhttp
  // 8.1 reads a bare CR as a line end and folds obs-fold lines silently).
  const char* run_begin_ = nullptr;  // input of the llhttp_execute() under way
  const char* run_end_ = nullptr;
  char last_byte_ = '\n';            // the last byte llhttp consumed in earlier calls
  const char* value_end_ = nullptr;  // end of the last value chunk of the open header
  bool value_at_run_end_ = false;    // ...and it ended with its input
  bool value_started_ = false;       // the open header has had a value chunk
  std::uint64_t run_seq_ = 0;        // counts llhttp_execute() calls
  std::uint64_t value_run_ = 0;      // the call in which value_end_ was set
  std::string* body_sink_ = nullptr;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t body_limit_ = UINT64_MAX;
  ParseEvent paused_event_ = ParseEvent::need_more;
  int error_status_ = 0;
  int pending_status_ = 0;  // set by a callback before it fails the parse
  std::string error_reason_;
};

}  // namespace filehttpd
