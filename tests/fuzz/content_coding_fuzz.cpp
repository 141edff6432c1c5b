// Fuzz target: choosing a precompressed sidecar. The first byte says which
// sidecars exist; the rest is Accept-Encoding. A chosen coding exists, and the
// header gives it q > 0 (its own valid item first, else the last valid "*").
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "content_coding.hpp"
#include "field_syntax.hpp"

namespace {

// The weight the header gives coding, or -1: the first valid item naming it, else the last valid "*".
double weight(const std::string& header, std::string_view coding) {
  std::vector<std::string_view> items;
  filehttpd::append_list_items(header, items);
  double star = -1;
  for (std::string_view item : items) {
    filehttpd::WeightedItem w = filehttpd::parse_weighted_item(item);
    if (!w.valid) continue;
    if (filehttpd::iequals(w.name, coding)) return w.q;
    if (w.name == "*") star = w.q;
  }
  return star;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const std::vector<std::string> prefs = {"br", "zstd", "gzip"};
  unsigned available = data[0] & 7u;
  std::string header(reinterpret_cast<const char*>(data + 1), size - 1);
  filehttpd::CodingChoice c = filehttpd::choose_coding(&header, prefs, available);
  if (c.index < -1 || c.index >= static_cast<int>(prefs.size())) std::abort();
  if (c.index >= 0) {
    if (!(available & (1u << c.index))) std::abort();
    if (!(weight(header, prefs[static_cast<std::size_t>(c.index)]) > 0)) std::abort();
    if (c.not_acceptable) std::abort();
  }
  if (filehttpd::choose_coding(nullptr, prefs, available).index != -1) std::abort();
  return 0;
}
