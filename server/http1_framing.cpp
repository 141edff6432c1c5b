#include "http1_framing.hpp"

namespace filehttpd {

void frame_http1_head(const Response& r, const Http1Framing& f, std::string& out) {
  append_status_line(out, r.status, 1, r.reason);
  if (!r.bare) {
    append_common_headers(out);
    out += f.connection_lines;
  }
  out += r.fields.http1_lines();
  if (r.has_length) append_header(out, "Content-Length", static_cast<unsigned long long>(r.length));
  if (f.chunked) out += "Transfer-Encoding: chunked\r\n";
  if (!r.bare) {
    if (!f.keep_alive)
      out += "Connection: close\r\n";
    else if (f.version_minor == 0)
      out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

}  // namespace filehttpd
