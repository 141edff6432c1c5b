#include "compress_cache.hpp"

#include <algorithm>
#include <cstdio>

#include "content_coding.hpp"

namespace filehttpd {

namespace {

void mix(std::uint64_t& h, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 1099511628211ull;  // FNV-1a, 64 bits
  }
}

}  // namespace

std::string compress_cache_key(const struct stat& st) {
  std::uint64_t h = 14695981039346656037ull;
  mix(h, static_cast<std::uint64_t>(st.st_dev));
  mix(h, static_cast<std::uint64_t>(st.st_ino));
  mix(h, static_cast<std::uint64_t>(st.st_size));
  mix(h, static_cast<std::uint64_t>(st.st_mtim.tv_sec));
  mix(h, static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string compress_entry_name(const struct stat& st, std::string_view coding) {
  return compress_cache_key(st) + std::string(coding_suffix(coding));
}

bool is_compress_entry(std::string_view name) {
  if (name.size() < 17 || name[16] != '.') return false;
  for (char c : name.substr(0, 16))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  std::string_view ext = name.substr(16);
  return ext == ".gz" || ext == ".zst" || ext == ".br";
}

std::string variant_etag(std::string_view etag, std::string_view coding) {
  std::string out(etag);
  std::size_t at = out.empty() || out.back() != '"' ? out.size() : out.size() - 1;
  out.insert(at, "-" + std::string(coding));
  return out;
}

std::vector<std::string> plan_eviction(std::vector<CacheEntry> entries, std::uint64_t incoming, std::uint64_t cap) {
  std::uint64_t total = incoming;
  for (const CacheEntry& e : entries) total += e.size;
  std::sort(entries.begin(), entries.end(), [](const CacheEntry& a, const CacheEntry& b) {
    return a.used != b.used ? a.used < b.used : a.name < b.name;
  });
  std::vector<std::string> out;
  for (const CacheEntry& e : entries) {
    if (total <= cap) break;
    out.push_back(e.name);
    total -= e.size;
  }
  return out;
}

}  // namespace filehttpd
