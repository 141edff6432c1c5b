#include "reply.hpp"

#include "response.hpp"

namespace filehttpd {

void Reply::start(int s, std::string_view reason) {
  status = s;
  out.head().clear();
  append_status_line(out.head(), s, 1, reason);
  append_common_headers(out.head());
  out.head() += host.connection_head_lines();
  out.reset_chunks();
}

void Reply::end_head(bool with_body_length, std::uint64_t length) {
  if (with_body_length) append_header(out.head(), "Content-Length", static_cast<unsigned long long>(length));
  if (!keep_alive) {
    out.head() += "Connection: close\r\n";
  } else if (version_minor == 0) {
    out.head() += "Connection: keep-alive\r\n";
  }
  out.head() += "\r\n";
  head_len = out.head().size();
  out.add_mem(out.head());
}

void Reply::queue_head(std::string head) {
  out.head() = std::move(head);
  out.reset_chunks();
  out.add_mem(out.head());
  head_len = out.head().size();
}

void Reply::send_scratch(std::string_view content_type) {
  append_header(out.head(), "Content-Type", content_type);
  end_head(true, out.scratch().size());
  if (!head_only) out.add_mem(out.scratch());
  send();
}

}  // namespace filehttpd
