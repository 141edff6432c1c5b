#include "content_coding.hpp"

#include <strings.h>

#include <cstdlib>

#include "http_parser.hpp"

namespace filehttpd {

namespace {

// The q-value Accept-Encoding gives coding: its own entry, else "*", else
// none_q (-1 when the header names neither).
double q_for(const std::vector<std::string_view>& items, std::string_view coding) {
  double star = -1;
  for (std::string_view item : items) {
    std::size_t semi = item.find(';');
    std::string_view name = item.substr(0, semi);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    double q = 1;
    if (semi != std::string_view::npos) {
      std::string params(item.substr(semi + 1));
      std::size_t pos = params.find("q=");
      if (pos == std::string::npos) pos = params.find("Q=");
      if (pos != std::string::npos) q = std::strtod(params.c_str() + pos + 2, nullptr);
    }
    if (iequals(name, coding)) return q;
    if (name == "*") star = q;
  }
  return star;
}

}  // namespace

std::string_view coding_suffix(std::string_view coding) {
  if (coding == "br") return ".br";
  if (coding == "zstd") return ".zst";
  if (coding == "gzip") return ".gz";
  return "";
}

CodingChoice choose_coding(const std::string* accept_encoding, const std::vector<std::string>& prefs,
                           unsigned available) {
  CodingChoice c;
  if (!accept_encoding) return c;  // no header: any coding is acceptable, and identity is what we send
  std::vector<std::string_view> items;
  append_list_items(*accept_encoding, items);
  double best = 0;
  for (std::size_t i = 0; i < prefs.size(); ++i) {
    if (!(available & (1u << i))) continue;
    double q = q_for(items, prefs[i]);
    if (q > best) {
      best = q;
      c.index = static_cast<int>(i);
    }
  }
  // Identity is acceptable unless refused by name, or by "*;q=0" without being named.
  double identity = q_for(items, "identity");
  bool named = false;
  for (std::string_view item : items) named = named || iequals(item.substr(0, item.find(';')), "identity");
  if (identity < 0) identity = 1;
  if (!named && q_for(items, "*") == 0) identity = 0;
  if (c.index >= 0 && identity > best) c.index = -1;  // the plain file is preferred
  if (c.index < 0 && identity <= 0) c.not_acceptable = true;
  return c;
}

}  // namespace filehttpd
