#pragma once
// Small-file cache for the http profile. An entry is trusted for at most
// k_cache_ttl after the file was last opened and checked, so a change on
// disk is never served stale for longer than that.
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fields.hpp"
#include "static_file.hpp"

namespace filehttpd {

using steady_clock = std::chrono::steady_clock;

inline constexpr std::chrono::milliseconds k_cache_ttl{1000};
inline constexpr std::size_t k_cache_max_file = 64 * 1024;
inline constexpr std::size_t k_cache_max_total = 32 * 1024 * 1024;
inline constexpr std::size_t k_cache_max_entries = 4096;

struct CachedFile {
  std::string body;
  struct stat st {};
  Validators validators;
  std::string content_type;
  std::string url_path;  // the decoded URL path it was opened by (for [[headers]] rules)
  // Content-Type, Last-Modified, ETag and Accept-Ranges of a full 200
  // response, built once per entry.
  FieldList fields;
  steady_clock::time_point checked_at;
};

class MimeOverlay;

class FileCache {
 public:
  // mime: the content types of the site the cache serves (null: the process-wide table).
  explicit FileCache(const MimeOverlay* mime = nullptr) : mime_(mime) {}

  // Returns the entry for the raw request path when it was checked within
  // k_cache_ttl, else nullptr.
  std::shared_ptr<const CachedFile> lookup(std::string_view key, steady_clock::time_point now);

  // Returns a fresh entry for a file just opened and stat'ed: the old entry
  // (re-stamped) when the file is unchanged, else the file read anew. Returns
  // nullptr when the file is too large to cache or cannot be read whole.
  std::shared_ptr<const CachedFile> refresh(std::string_view key, int fd, const struct stat& st,
                                            std::string_view url_path, steady_clock::time_point now);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::shared_ptr<CachedFile>, Hash, std::equal_to<>> map_;
  std::size_t total_bytes_ = 0;
  const MimeOverlay* mime_;
};

}  // namespace filehttpd
