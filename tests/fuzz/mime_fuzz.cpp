// Fuzz target: content types. The input is "ext=type" override lines, then a
// last line that is a file name. The type found is never empty, has no
// uppercase letter, and does not depend on the case of the name's extension.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "mime.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> overrides;
  std::size_t nl;
  while ((nl = in.find('\n')) != std::string_view::npos && overrides.size() < 16) {
    std::string_view line = in.substr(0, nl);
    std::size_t eq = line.find('=');
    std::string ext(line.substr(0, eq));
    for (char& ch : ext)  // the config lowercases keys
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    // -t refuses an empty type, so only non-empty ones reach the table.
    if (eq != std::string_view::npos && eq + 1 < line.size())
      overrides.emplace_back(ext, std::string(line.substr(eq + 1)));
    in.remove_prefix(nl + 1);
  }
  filehttpd::configure_mime_types(overrides, "/nonexistent/mime.types");
  std::string name(in);
  const std::string type = filehttpd::mime_type_for(name);
  if (type.empty()) std::abort();
  for (char ch : type)
    if (ch >= 'A' && ch <= 'Z') std::abort();
  std::string upper = name;
  std::size_t slash = upper.rfind('/');
  for (std::size_t i = slash == std::string::npos ? 0 : slash + 1; i < upper.size(); ++i)
    if (upper[i] >= 'a' && upper[i] <= 'z') upper[i] = static_cast<char>(upper[i] - 'a' + 'A');
  if (filehttpd::mime_type_for(upper) != type) std::abort();
  return 0;
}
