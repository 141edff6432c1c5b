#pragma once
// The HTTP/1.1 session's framing of a structured Response: the status line,
// Date and Server, the connection's own fields, the response's fields, and
// Content-Length / chunked / Connection as the exchange decided. No I/O.
#include <string>
#include <string_view>

#include "response.hpp"

namespace filehttpd {

struct Http1Framing {
  bool keep_alive = false;            // the connection stays open after the response
  int version_minor = 1;              // of the request (1.0 keep-alive is announced)
  bool chunked = false;               // the body goes in chunks (Transfer-Encoding)
  std::string_view connection_lines;  // the connection's fields (HSTS over TLS), CRLF-ended
};

// Appends the head of r, framed as f says, to out (ending with the blank line).
void frame_http1_head(const Response& r, const Http1Framing& f, std::string& out);

}  // namespace filehttpd
