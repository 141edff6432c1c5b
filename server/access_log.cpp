#include "access_log.hpp"

namespace filehttpd {

namespace {

bool needs_escape(unsigned char c) {
  return c < 0x20 || c > 0x7E || c == '"' || c == '\\';
}

void append_field(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '-';
    return;
  }
  append_log_escaped(out, s);
}

}  // namespace

void append_hex_escaped(std::string& out, std::string_view s, bool (*escape)(unsigned char)) {
  static const char k_hex[] = "0123456789ABCDEF";
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!escape(c)) continue;
    out.append(s.data() + run, i - run);
    out += "\\x";
    out += k_hex[c >> 4];
    out += k_hex[c & 15];
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

void append_log_escaped(std::string& out, std::string_view s) {
  append_hex_escaped(out, s, needs_escape);
}

std::string log_escaped(std::string_view s) {
  std::string out;
  append_log_escaped(out, s);
  return out;
}

void format_access_line(std::string& out, const AccessEntry& e) {
  out.append(e.peer);
  out += " - - [";
  out.append(e.time);
  out += "] \"";
  append_field(out, e.request_line);
  out += "\" ";
  out += std::to_string(e.status);
  out += ' ';
  out += std::to_string(e.body_bytes);
  out += " \"";
  append_field(out, e.referer);
  out += "\" \"";
  append_field(out, e.user_agent);
  out += '"';
}

}  // namespace filehttpd
