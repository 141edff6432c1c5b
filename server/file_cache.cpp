#include "file_cache.hpp"

#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "file_response.hpp"
#include "mime.hpp"
#include "response.hpp"

namespace filehttpd {

namespace {

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

}  // namespace

std::shared_ptr<const CachedFile> FileCache::lookup(std::string_view key, steady_clock::time_point now) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  if (now - it->second->checked_at >= k_cache_ttl) return nullptr;
  return it->second;
}

std::shared_ptr<const CachedFile> FileCache::refresh(std::string_view key, int fd, const struct stat& st,
                                                     std::string_view url_path, steady_clock::time_point now) {
  std::time_t wall = std::time(nullptr);
  // A file dated in the future is not cached: its Last-Modified is the Date of each response.
  if (static_cast<std::uint64_t>(st.st_size) > k_cache_max_file || st.st_mtim.tv_sec > wall) return nullptr;
  auto it = map_.find(key);
  if (it != map_.end()) {
    if (same_file(it->second->st, st)) {
      it->second->checked_at = now;
      return it->second;
    }
    total_bytes_ -= it->second->body.size();
    map_.erase(it);
  }
  auto entry = std::make_shared<CachedFile>();
  entry->body.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < entry->body.size()) {
    ssize_t n = pread(fd, entry->body.data() + got, entry->body.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;  // changed under us or unreadable: serve uncached
    got += static_cast<std::size_t>(n);
  }
  entry->st = st;
  entry->validators = make_validators(st, wall);
  entry->content_type = mime_ ? mime_->type_for(url_path) : mime_type_for(url_path);
  entry->url_path = url_path;
  append_file_headers(entry->fields, entry->content_type, entry->validators);
  entry->checked_at = now;
  if (map_.size() >= k_cache_max_entries || total_bytes_ + entry->body.size() > k_cache_max_total) {
    map_.clear();
    total_bytes_ = 0;
  }
  total_bytes_ += entry->body.size();
  map_.emplace(std::string(key), entry);
  return entry;
}

}  // namespace filehttpd
