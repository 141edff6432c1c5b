#pragma once
// A response as data (status, fields, body length), status lines, field
// serialisation helpers and error bodies for both profiles.
#include <cstdint>
#include <string>
#include <string_view>

#include "fields.hpp"

namespace filehttpd {

// What a responder answers, with no framing: a session frames it (HTTP/1.1
// text in http1_framing.*). The body is what the exchange queued behind the
// head in its OutputQueue (memory and file ranges), or a CGI's output.
struct Response {
  int status = 0;
  std::string_view reason;   // empty: the standard reason phrase
  FieldList fields;          // neither Date, Server nor framing fields
  bool has_length = false;   // the body's length is known: length
  std::uint64_t length = 0;  // body bytes (also for HEAD, which sends none)
  bool bare = false;         // classic profile: no Date, Server or Connection fields
};

// Returns the reason phrase for status ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status);

// Appends "HTTP/1.x NNN Reason\r\n" to out; an empty reason means the standard one.
void append_status_line(std::string& out, int status, int minor = 1, std::string_view reason = {});

// Appends "Name: value\r\n" to out.
void append_header(std::string& out, std::string_view name, std::string_view value);

// Appends "Name: N\r\n" to out.
void append_header(std::string& out, std::string_view name, unsigned long long value);

// Appends data as one chunk of a chunked body (RFC 9112 section 7.1); an
// empty data appends nothing, since a zero-size chunk ends the body.
void append_chunk(std::string& out, std::string_view data);

// Appends the last chunk and the empty trailer section.
void append_last_chunk(std::string& out);

// Returns the classic profile's bare answer: status line, Content-Length: 0, blank line.
std::string classic_status_response(int status);

// Returns the small HTML body used for an error status in the http profile.
std::string error_body(int status);

// Appends Date and Server, the headers every http-profile response carries.
void append_common_headers(std::string& out);

}  // namespace filehttpd
