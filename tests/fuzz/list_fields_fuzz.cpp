// Fuzz target: comma-separated lists and weighted items. Every item is a
// non-empty piece of the value without surrounding white space; a valid
// weight is a qvalue in [0, 1]; list_has_item agrees with the split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "field_syntax.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> items;
  filehttpd::append_list_items(value, items);
  const char* end = value.data() + value.size();
  const char* prev = value.data();
  for (std::string_view item : items) {
    if (item.empty() || item.front() == ' ' || item.front() == '\t' || item.back() == ' ' || item.back() == '\t')
      std::abort();
    if (item.data() < prev || item.data() + item.size() > end) std::abort();  // in order, inside the value
    prev = item.data() + item.size();
    if (!filehttpd::list_has_item(value, item)) std::abort();
    filehttpd::WeightedItem w = filehttpd::parse_weighted_item(item);
    if (w.valid && !(w.q >= 0 && w.q <= 1)) std::abort();
    if (w.name.data() < item.data() || w.name.data() + w.name.size() > item.data() + item.size()) std::abort();
  }
  if (items.size() > value.size() / 2 + 1) std::abort();  // each item but the last has a comma after it
  return 0;
}
