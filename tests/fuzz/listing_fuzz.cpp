// Fuzz target: listing query and rendering. The input is a query, an Accept
// value and entry names, separated by '\n'. The JSON listing must be valid
// JSON (a small checker below) and the HTML listing valid UTF-8.
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "listing.hpp"

namespace {

// A minimal JSON checker: returns the position after one value at p, or npos.
struct Json {
  std::string_view s;

  std::size_t ws(std::size_t p) const {
    while (p < s.size() && (s[p] == ' ' || s[p] == '\n' || s[p] == '\r' || s[p] == '\t')) ++p;
    return p;
  }
  std::size_t string(std::size_t p) const {
    if (p >= s.size() || s[p] != '"') return std::string_view::npos;
    for (++p; p < s.size(); ++p) {
      auto c = static_cast<unsigned char>(s[p]);
      if (c == '"') return p + 1;
      if (c < 0x20) return std::string_view::npos;
      if (c != '\\') continue;
      if (++p >= s.size()) return std::string_view::npos;
      if (s[p] == 'u') {
        for (int i = 0; i < 4; ++i)
          if (++p >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[p]))) return std::string_view::npos;
      } else if (std::string_view("\"\\/bfnrt").find(s[p]) == std::string_view::npos) {
        return std::string_view::npos;
      }
    }
    return std::string_view::npos;
  }
  std::size_t value(std::size_t p, int depth) const {
    p = ws(p);
    if (p >= s.size() || depth > 8) return std::string_view::npos;
    if (s[p] == '"') return string(p);
    if (s[p] == '-' || (s[p] >= '0' && s[p] <= '9')) {
      ++p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
      return p;
    }
    if (s[p] != '[' && s[p] != '{') return std::string_view::npos;
    char close = s[p] == '[' ? ']' : '}';
    p = ws(p + 1);
    if (p < s.size() && s[p] == close) return p + 1;
    while (true) {
      if (close == '}') {
        p = ws(string(ws(p)));
        if (p >= s.size() || s[p] != ':') return std::string_view::npos;
        ++p;
      }
      p = ws(value(p, depth + 1));
      if (p >= s.size()) return std::string_view::npos;
      if (s[p] == close) return p + 1;
      if (s[p] != ',') return std::string_view::npos;
      ++p;
    }
  }
};

// Returns true when s is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3F);
    }
    static constexpr std::uint32_t k_least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < k_least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (true) {
    std::size_t nl = in.find('\n');
    parts.push_back(in.substr(0, nl));
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  std::string accept(parts.size() > 1 ? parts[1] : std::string_view());
  filehttpd::ListingQuery q = filehttpd::parse_listing_query(parts[0], parts.size() > 1 ? &accept : nullptr);
  filehttpd::Listing l;
  for (std::size_t i = 2; i < parts.size() && i < 64; ++i) {
    std::time_t mtime = static_cast<std::time_t>(parts[i].size()) * 987654321987 - 60000000000000;
    filehttpd::keep_listing_entry(l.entries, {std::string(parts[i]), i % 2 == 0, parts[i].size(), mtime}, q, 16);
    ++l.total;
  }
  l.truncated = l.total > l.entries.size();
  filehttpd::sort_listing(l.entries, q);
  std::string json;
  filehttpd::render_listing_json(l, json);
  Json checker{json};
  if (checker.ws(checker.value(0, 0)) != json.size()) std::abort();
  std::string html;
  filehttpd::render_listing_html(l, parts[0], html);
  if (!valid_utf8(html)) std::abort();
  return 0;
}
