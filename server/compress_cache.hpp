#pragma once
// The compressed copies of static files in compress.cache_dir: their names
// (a hash of dev, inode, size and mtime, so a changed file gets new names),
// their entity tags, and which to evict to stay within cache_size. No I/O.
#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace filehttpd {

// Returns the 16 hex digits naming the copies of the file st describes.
std::string compress_cache_key(const struct stat& st);

// Returns the file name of the copy of st's file in coding: KEY.gz, KEY.zst or KEY.br.
std::string compress_entry_name(const struct stat& st, std::string_view coding);

// Returns true when name is a finished entry's name (KEY.gz, KEY.zst or KEY.br).
bool is_compress_entry(std::string_view name);

// Returns the strong entity tag of a coding's copy: the file's own tag with "-CODING" inside the quotes.
std::string variant_etag(std::string_view etag, std::string_view coding);

struct CacheEntry {
  std::string name;
  std::uint64_t size = 0;
  std::int64_t used = 0;  // the entry's mtime in ns, refreshed when it is served
};

// Returns the names to remove, least recently used first, so that the
// entries left plus incoming bytes fit in cap.
std::vector<std::string> plan_eviction(std::vector<CacheEntry> entries, std::uint64_t incoming, std::uint64_t cap);

}  // namespace filehttpd
