#include "mime.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace filehttpd {

namespace {

struct Table {
  std::unordered_map<std::string, std::string> by_ext;
  std::string fallback = "application/octet-stream";
  std::size_t max_dots = 0;  // dots inside the longest key ("tar.gz": 1)
};

// Returns type in lowercase (media types are case-insensitive, RFC 9110
// section 8.3.1), with "; charset=utf-8" for a text type.
std::string with_charset(std::string type) {
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  bool texty = type.rfind("text/", 0) == 0 || type == "application/javascript" || type == "application/json" ||
               type == "application/xml" || type == "image/svg+xml" || type == "application/manifest+json" ||
               type == "application/ld+json";
  return texty ? type + "; charset=utf-8" : type;
}

Table make_builtin() {
  Table t;
  static const std::pair<const char*, const char*> k_builtin[] = {
      {"html", "text/html"},
      {"htm", "text/html"},
      {"css", "text/css"},
      {"js", "text/javascript"},
      {"mjs", "text/javascript"},
      {"json", "application/json"},
      {"txt", "text/plain"},
      {"md", "text/markdown"},
      {"csv", "text/csv"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/vnd.microsoft.icon"},
      {"avif", "image/avif"},
      {"pdf", "application/pdf"},
      {"wasm", "application/wasm"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mp3", "audio/mpeg"},
      {"ogg", "audio/ogg"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"webmanifest", "application/manifest+json"},
      {"map", "application/json"},
      {"ics", "text/calendar"},
      {"jsonld", "application/ld+json"},
  };
  for (auto& [ext, type] : k_builtin) t.by_ext[ext] = with_charset(type);
  return t;
}

Table& table() {
  static Table t = make_builtin();
  return t;
}

}  // namespace

std::size_t load_mime_types(const char* path) {
  std::ifstream in(path);
  if (!in) return 0;
  std::size_t count = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string type, ext;
    if (!(words >> type)) continue;
    while (words >> ext) {
      // The built-in table wins for the common web types (e.g. js).
      if (table().by_ext.emplace(ext, with_charset(type)).second) ++count;
    }
  }
  return count;
}

void configure_mime_types(const std::vector<std::pair<std::string, std::string>>& overrides, const char* path) {
  table() = make_builtin();
  load_mime_types(path);
  for (const auto& [ext, type] : overrides) {
    table().by_ext[ext] = with_charset(type);
    table().max_dots = std::max(table().max_dots, static_cast<std::size_t>(std::count(ext.begin(), ext.end(), '.')));
  }
}

namespace {

// Returns the type of filename's longest suffix in by_ext (whose longest key
// holds max_dots dots), or nullptr.
const std::string* find_type(const std::unordered_map<std::string, std::string>& by_ext, std::size_t max_dots,
                             std::string_view filename) {
  auto slash = filename.rfind('/');
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  // The candidate suffixes start after one of the last max_dots + 1 dots;
  // the longest that is a key wins (".tar.gz" over ".gz").
  std::size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == filename.size()) return nullptr;
  for (std::size_t more = max_dots; more > 0 && dot > 0; --more) {
    std::size_t before = filename.rfind('.', dot - 1);
    if (before == std::string_view::npos) break;
    dot = before;
  }
  std::string ext;
  while (dot != std::string_view::npos) {
    ext.assign(filename.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    auto it = by_ext.find(ext);
    if (it != by_ext.end()) return &it->second;
    dot = filename.find('.', dot + 1);
  }
  return nullptr;
}

}  // namespace

const std::string& mime_type_for(std::string_view filename) {
  const std::string* type = find_type(table().by_ext, table().max_dots, filename);
  return type ? *type : table().fallback;
}

MimeOverlay::MimeOverlay(const std::vector<std::pair<std::string, std::string>>& entries) {
  for (const auto& [ext, type] : entries) {
    by_ext_[ext] = with_charset(type);
    max_dots_ = std::max(max_dots_, static_cast<std::size_t>(std::count(ext.begin(), ext.end(), '.')));
  }
}

const std::string& MimeOverlay::type_for(std::string_view filename) const {
  if (by_ext_.empty()) return mime_type_for(filename);
  const std::string* type = find_type(by_ext_, max_dots_, filename);
  return type ? *type : mime_type_for(filename);
}

}  // namespace filehttpd
