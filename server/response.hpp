#pragma once
// Status lines, header serialisation and error bodies for both profiles.
#include <string>
#include <string_view>

namespace filehttpd {

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
