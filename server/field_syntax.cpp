#include "field_syntax.hpp"

#include <strings.h>

#include <array>
#include <cstdlib>

namespace filehttpd {

namespace {

// tchar of RFC 9110 section 5.6.2, as a table: NUL and every byte past 0x7E are not tokens.
constexpr std::array<bool, 256> k_tchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

WeightedItem parse_weighted_item(std::string_view item) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  WeightedItem w;
  std::size_t semi = item.find(';');
  w.name = trim(item.substr(0, semi));
  while (semi != std::string_view::npos) {
    std::size_t next = item.find(';', semi + 1);
    std::string_view param = trim(item.substr(semi + 1, next == std::string_view::npos ? next : next - semi - 1));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
      w.q = std::strtod(std::string(param.substr(2)).c_str(), nullptr);
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
    std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
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
