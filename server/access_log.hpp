#pragma once
// The access log line: Combined Log Format with client text escaped. No I/O.
#include <cstdint>
#include <string>
#include <string_view>

namespace filehttpd {

// Status logged for a request whose client closed the connection before any
// byte of the response was sent (nginx uses the same number).
inline constexpr int k_status_client_closed = 499;

// One response as the access log sees it.
struct AccessEntry {
  std::string_view vhost;         // vhost_combined: the site's first name; "" leaves the field out
  unsigned vhost_port = 0;        // vhost_combined: the port the request came in on (0: none, a unix socket)
  std::string_view peer;          // client address
  std::string_view time;          // "10/Oct/2000:13:55:36 +0000"
  std::string_view request_line;  // "-" when no request line was understood
  int status = 0;
  std::uint64_t body_bytes = 0;  // body bytes sent: no head, no chunk framing
  std::string_view referer;      // "" for none
  std::string_view user_agent;   // "" for none
  std::string_view user;         // the user an [[auth]] rule let in; "" for none
};

// Appends s to out with each byte b for which escape(b) holds written as \xHH.
// Inline, so that a caller's predicate is inlined into the scan of each byte.
inline void append_hex_escaped(std::string& out, std::string_view s, bool (*escape)(unsigned char)) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!escape(c)) continue;
    out.append(s.data() + run, i - run);
    const char esc[4] = {'\\', 'x', k_hex[c >> 4], k_hex[c & 15]};
    out.append(esc, sizeof esc);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

// Appends s with '"', '\\' and every byte outside 0x20-0x7E written as \xHH.
void append_log_escaped(std::string& out, std::string_view s);

// Returns s escaped as append_log_escaped() does (for client text in the error log).
std::string log_escaped(std::string_view s);

// Appends the Combined Log Format line for e (with e.vhost and a space in
// front when it is set, as Apache's vhost_combined), without a newline; every field
// is escaped, so the line holds no control byte.
void format_access_line(std::string& out, const AccessEntry& e);

}  // namespace filehttpd
