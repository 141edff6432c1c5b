#include "access_log.hpp"

#include <charconv>

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

void append_log_escaped(std::string& out, std::string_view s) {
  append_hex_escaped(out, s, needs_escape);
}

std::string log_escaped(std::string_view s) {
  std::string out;
  append_log_escaped(out, s);
  return out;
}

void format_access_line(std::string& out, const AccessEntry& e) {
  if (!e.vhost.empty()) {
    append_field(out, e.vhost);
    if (e.vhost_port != 0) {
      out += ':';
      out += std::to_string(e.vhost_port);
    }
    out += ' ';
  }
  append_field(out, e.peer);
  out += " - ";
  append_field(out, e.user);
  out += " [";
  out.append(e.time);
  out += "] \"";
  append_field(out, e.request_line);
  out += "\" ";
  char num[48];
  char* end = std::to_chars(num, num + 8, e.status).ptr;
  *end++ = ' ';
  end = std::to_chars(end, num + sizeof num - 2, e.body_bytes).ptr;
  *end++ = ' ';
  *end++ = '"';
  out.append(num, static_cast<std::size_t>(end - num));
  append_field(out, e.referer);
  out += "\" \"";
  append_field(out, e.user_agent);
  out += '"';
}

}  // namespace filehttpd
