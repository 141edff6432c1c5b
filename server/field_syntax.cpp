#include "field_syntax.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace filehttpd {

namespace {

// A byte table holding the ASCII letters and digits and the bytes of extra.
constexpr std::array<bool, 256> alnum_and(std::string_view extra) {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : extra) t[static_cast<unsigned char>(c)] = true;
  return t;
}

// tchar of RFC 9110 section 5.6.2, as a table: NUL and every byte past 0x7E are not tokens.
constexpr std::array<bool, 256> k_tchar = alnum_and("!#$%&'*+-.^_`|~");

// The bytes of a reg-name besides pct-encoded ones (RFC 3986 section 3.2.2):
// unreserved and sub-delims.
constexpr std::array<bool, 256> k_reg_name = alnum_and("-._~!$&'()*+,;=");

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// reg-name = *( unreserved / pct-encoded / sub-delims ). An IPv4address is
// also a reg-name, so it needs no rule of its own here.
bool is_reg_name(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%') {
      if (i + 2 >= v.size() || !is_hex(v[i + 1]) || !is_hex(v[i + 2])) return false;
      i += 2;
    } else if (!k_reg_name[static_cast<unsigned char>(v[i])]) {
      return false;
    }
  }
  return true;
}

// IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet, each 0-255 without leading zeros.
bool is_ipv4(std::string_view v) {
  for (int part = 0; part < 4; ++part) {
    std::size_t n = 0;
    while (n < v.size() && n < 4 && is_digit(v[n])) ++n;
    if (n == 0 || n > 3 || (n > 1 && v[0] == '0')) return false;
    int octet = 0;
    for (char c : v.substr(0, n)) octet = octet * 10 + (c - '0');
    if (octet > 255) return false;
    v.remove_prefix(n);
    if (part < 3) {
      if (v.empty() || v[0] != '.') return false;
      v.remove_prefix(1);
    }
  }
  return v.empty();
}

// IPv6address of RFC 3986: eight h16 groups (the last two may be an
// IPv4address), or fewer around one "::" that stands for at least one.
bool is_ipv6(std::string_view v) {
  std::size_t gap = v.find("::");
  bool compressed = gap != std::string_view::npos;
  if (compressed && v.find("::", gap + 1) != std::string_view::npos) return false;
  int groups = 0;
  // The groups before and after "::" (or of the whole address), each "h16:h16:...".
  auto count = [&](std::string_view part, bool last) {
    if (part.empty()) return true;
    while (true) {
      std::size_t colon = part.find(':');
      std::string_view g = part.substr(0, colon);
      if (colon == std::string_view::npos && last && g.find('.') != std::string_view::npos) {
        groups += 2;
        return is_ipv4(g);
      }
      if (g.empty() || g.size() > 4) return false;
      for (char c : g)
        if (!is_hex(c)) return false;
      ++groups;
      if (colon == std::string_view::npos) return true;
      part.remove_prefix(colon + 1);
    }
  };
  if (!compressed) return count(v, true) && groups == 8;
  return count(v.substr(0, gap), false) && count(v.substr(gap + 2), true) && groups <= 7;
}

// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).
bool is_ipvfuture(std::string_view v) {
  if (v.size() < 4 || (v[0] != 'v' && v[0] != 'V')) return false;
  std::size_t dot = v.find('.');
  if (dot == std::string_view::npos || dot < 2 || dot + 1 == v.size()) return false;
  for (std::size_t i = 1; i < dot; ++i)
    if (!is_hex(v[i])) return false;
  for (char c : v.substr(dot + 1))
    if (c != ':' && !k_reg_name[static_cast<unsigned char>(c)]) return false;
  return true;
}

// Returns the position of the first c at or after from that is outside a
// quoted string (a backslash inside one escapes the next byte), or npos. An
// unclosed quoted string runs to the end.
std::size_t find_unquoted(std::string_view v, char c, std::size_t from) {
  bool quoted = false;
  for (std::size_t i = from; i < v.size(); ++i) {
    if (quoted) {
      if (v[i] == '\\')
        ++i;
      else if (v[i] == '"')
        quoted = false;
    } else if (v[i] == '"') {
      quoted = true;
    } else if (v[i] == c) {
      return i;
    }
  }
  return std::string_view::npos;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (RFC 9110
// section 12.4.2), read digit by digit: no strtod, whose locale may want a comma.
std::optional<double> parse_qvalue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1') || v.size() > 5) return std::nullopt;
  if (v.size() > 1 && v[1] != '.') return std::nullopt;
  int thousandths = 0;
  for (std::size_t i = 2; i < 5; ++i) {
    int digit = 0;
    if (i < v.size()) {
      if (!is_digit(v[i])) return std::nullopt;
      digit = v[i] - '0';
    }
    thousandths = thousandths * 10 + digit;
  }
  if (v[0] == '1' && thousandths != 0) return std::nullopt;
  return (v[0] == '1' ? 1000 : thousandths) / 1000.0;
}

}  // namespace

bool is_valid_host(std::string_view value) {
  if (value.empty()) return true;
  std::string_view host, port;
  bool has_port = false;
  if (value[0] == '[') {
    std::size_t close = value.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view literal = value.substr(1, close - 1);
    if (!is_ipv6(literal) && !is_ipvfuture(literal)) return false;
    std::string_view rest = value.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return false;
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
  } else {
    std::size_t colon = value.find(':');
    host = value.substr(0, colon);
    if (host.empty() || !is_reg_name(host)) return false;  // an http URI needs a host (RFC 9110 section 4.2.1)
    has_port = colon != std::string_view::npos;
    if (has_port) port = value.substr(colon + 1);
  }
  if (!has_port) return true;
  std::uint32_t number = 0;
  for (char c : port) {
    if (!is_digit(c)) return false;
    number = number * 10 + static_cast<std::uint32_t>(c - '0');
    if (number > 65535) return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i < a.size(); ++i)  // every byte: strncasecmp would stop at a NUL
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

WeightedItem parse_weighted_item(std::string_view item) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  WeightedItem w;
  std::size_t semi = find_unquoted(item, ';', 0);
  w.name = trim(item.substr(0, semi));
  while (semi != std::string_view::npos) {
    std::size_t next = find_unquoted(item, ';', semi + 1);
    std::string_view param = trim(item.substr(semi + 1, next == std::string_view::npos ? next : next - semi - 1));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      std::optional<double> q = parse_qvalue(param.substr(2));
      w.valid = w.valid && q.has_value();
      w.q = q.value_or(0);
    }
    semi = next;
  }
  return w;
}

bool is_tchar(char c) {
  return k_tchar[static_cast<unsigned char>(c)];
}

bool is_field_value(std::string_view v) {
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
  }
  return true;
}

bool split_absolute_form(std::string_view target, std::string& authority, std::string& origin) {
  std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = target.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return false;
  std::string_view rest = target.substr(scheme_end + 3);
  std::size_t end = rest.find_first_of("/?#");
  authority.assign(rest.substr(0, end));
  origin.clear();
  if (end == std::string_view::npos || rest[end] != '/') origin = "/";
  if (end != std::string_view::npos) origin.append(rest.substr(end));
  return true;
}

void append_list_items(std::string_view value, std::vector<std::string_view>& out) {
  while (true) {
    std::size_t comma = find_unquoted(value, ',', 0);
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

bool list_has_item(std::string_view value, std::string_view item) {
  std::vector<std::string_view> items;
  append_list_items(value, items);
  for (std::string_view i : items)
    if (iequals(i, item)) return true;
  return false;
}

TransferCodingCheck check_transfer_codings(std::string_view value, bool http10) {
  if (http10) return {400, "Transfer-Encoding in an HTTP/1.0 request"};
  std::vector<std::string_view> codings;
  append_list_items(value, codings);
  for (std::string_view& c : codings) {
    c = c.substr(0, c.find(';'));  // transfer parameters do not change the coding's name
    while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.remove_suffix(1);
  }
  if (codings.empty()) return {400, "empty Transfer-Encoding"};
  static constexpr std::string_view k_known[] = {"chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress"};
  for (std::size_t i = 0; i < codings.size(); ++i) {
    bool known = false;
    for (std::string_view k : k_known) known = known || iequals(codings[i], k);
    if (!known) return {501, "unknown transfer coding"};
    if (iequals(codings[i], "chunked") && i + 1 != codings.size())
      return {400, "chunked is not the final transfer coding"};
  }
  if (!iequals(codings.back(), "chunked")) return {400, "chunked is not the final transfer coding"};
  return {};
}

}  // namespace filehttpd
