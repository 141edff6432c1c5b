#include "content_coding.hpp"

#include "http_parser.hpp"

namespace filehttpd {

namespace {

// The q-value Accept-Encoding gives coding: its own entry, else "*", else
// -1 when the header names neither.
double q_for(const std::vector<std::string_view>& items, std::string_view coding) {
  double star = -1;
  for (std::string_view item : items) {
    WeightedItem w = parse_weighted_item(item);
    if (!w.valid) continue;  // a weight that is not a qvalue: the item is ignored
    if (iequals(w.name, coding)) return w.q;
    if (w.name == "*") star = w.q;
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
    if (i >= 32 || !(available & (1u << i))) continue;  // available has a bit for the first 32 only
    double q = q_for(items, prefs[i]);
    if (q > best) {
      best = q;
      c.index = static_cast<int>(i);
    }
  }
  // Identity is acceptable unless refused by name, or by "*;q=0" without being named
  // (q_for gives the "*" weight to a coding the header does not name).
  double identity = q_for(items, "identity");
  if (identity < 0) identity = 1;
  if (c.index >= 0 && identity > best) c.index = -1;  // the plain file is preferred
  if (c.index < 0 && identity <= 0) c.not_acceptable = true;
  return c;
}

}  // namespace filehttpd
