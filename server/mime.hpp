#pragma once
// MIME types by file extension: /etc/mime.types with a built-in fallback.
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace filehttpd {

// Loads /etc/mime.types (or path) on top of the built-in table. Returns the
// number of extensions read from the file (0 when it is missing).
std::size_t load_mime_types(const char* path = "/etc/mime.types");

// Resets the table to the built-in one, loads /etc/mime.types (or path) on
// top, then sets each (extension, type) of overrides (the config's [mime]).
// Types are kept in lowercase (media types are case-insensitive).
void configure_mime_types(const std::vector<std::pair<std::string, std::string>>& overrides,
                          const char* path = "/etc/mime.types");

// Returns the Content-Type for a file name by its longest known suffix
// (".tar.gz" before ".gz"); text types carry
// "; charset=utf-8"; unknown extensions give application/octet-stream.
const std::string& mime_type_for(std::string_view filename);

// A site's own [mime] entries over the process-wide table.
class MimeOverlay {
 public:
  // Takes (lower-case extension, type) pairs; none: the process-wide table alone.
  explicit MimeOverlay(const std::vector<std::pair<std::string, std::string>>& entries = {});
  // Returns the Content-Type for filename: the overlay's longest known suffix, else mime_type_for().
  const std::string& type_for(std::string_view filename) const;

 private:
  std::unordered_map<std::string, std::string> by_ext_;
  std::size_t max_dots_ = 0;
};

}  // namespace filehttpd
