#include "static_file.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "http_date.hpp"

namespace filehttpd {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view opaque(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

// Parses a byte position of any number of digits. A position past 2^64-1 is
// past any file, so it saturates: "bytes=0-99999999999999999999" clamps its
// end like any other over-long end.
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec == std::errc::result_out_of_range) out = UINT64_MAX;
  return r.ec == std::errc() || r.ec == std::errc::result_out_of_range;
}

}  // namespace

std::time_t last_modified_time(std::time_t mtime, std::time_t date) {
  return clamp_http_date(mtime > date ? date : mtime);
}

Validators make_validators(const struct stat& st, std::time_t date) {
  Validators v;
  char buf[96];
  int n = std::snprintf(buf, sizeof buf, "\"%llx-%llx-%llx.%lx\"", static_cast<unsigned long long>(st.st_ino),
                        static_cast<unsigned long long>(st.st_size), static_cast<unsigned long long>(st.st_mtim.tv_sec),
                        static_cast<unsigned long>(st.st_mtim.tv_nsec));
  v.etag.assign(buf, static_cast<std::size_t>(n));
  v.mtime = last_modified_time(st.st_mtim.tv_sec, date);
  v.last_modified = format_http_date(v.mtime);
  return v;
}

bool etag_list_matches(std::string_view list, std::string_view etag, bool weak) {
  list = trim(list);
  if (list == "*") return true;
  while (!list.empty()) {
    // An opaque-tag is quoted, may hold commas and has no escapes (etagc).
    std::size_t comma = 0;
    for (bool quoted = false; comma < list.size() && (quoted || list[comma] != ','); ++comma)
      if (list[comma] == '"') quoted = !quoted;
    std::string_view item = trim(list.substr(0, comma));
    list = comma >= list.size() ? std::string_view() : list.substr(comma + 1);
    if (item.empty()) continue;
    if (weak) {
      if (opaque(item) == opaque(etag)) return true;
    } else if (!item.starts_with("W/") && !etag.starts_with("W/") && item == etag) {
      return true;
    }
  }
  return false;
}

std::string content_etag(std::string_view body) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

int evaluate_preconditions(const Request& req, const Validators& v) {
  bool safe = req.method == HTTP_GET || req.method == HTTP_HEAD;
  std::string joined;
  // Step 1 and 2: If-Match, else If-Unmodified-Since.
  if (const std::string* im = req.find_list("If-Match", joined)) {
    if (!etag_list_matches(*im, v.etag, false)) return 412;
  } else if (const std::string* ius = req.find("If-Unmodified-Since")) {
    auto t = parse_http_date(*ius);
    if (t && v.mtime > *t) return 412;
  }
  // Step 3 and 4: If-None-Match, else If-Modified-Since (GET/HEAD only).
  if (const std::string* inm = req.find_list("If-None-Match", joined)) {
    if (etag_list_matches(*inm, v.etag, true)) return safe ? 304 : 412;
  } else if (safe) {
    if (const std::string* ims = req.find("If-Modified-Since")) {
      auto t = parse_http_date(*ims);
      if (t && v.mtime <= *t) return 304;
    }
  }
  return 0;
}

bool if_range_matches(const Request& req, const Validators& v) {
  const std::string* ir = req.find("If-Range");
  if (!ir) return true;
  std::string_view val = trim(*ir);
  if (val.starts_with("\"") || val.starts_with("W/")) return !val.starts_with("W/") && val == v.etag;
  auto t = parse_http_date(val);
  return t && *t == v.mtime;
}

RangeSet parse_range(std::string_view header, std::uint64_t size) {
  RangeSet out;
  header = trim(header);
  if (!header.starts_with("bytes=")) return out;
  header.remove_prefix(6);
  std::vector<ByteRange> ranges;
  bool any_syntax = false;
  std::size_t count = 0;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view spec = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (spec.empty()) continue;
    if (++count > k_max_ranges) return RangeSet{};
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return RangeSet{};
    std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
    std::uint64_t first = 0, last = 0;
    if (a.empty()) {
      // Suffix range: the last b bytes.
      if (!parse_u64(b, last)) return RangeSet{};
      any_syntax = true;
      if (last == 0 || size == 0) continue;
      first = last >= size ? 0 : size - last;
      ranges.push_back({first, size - 1});
      continue;
    }
    if (!parse_u64(a, first)) return RangeSet{};
    if (b.empty()) {
      last = size ? size - 1 : 0;
    } else {
      if (!parse_u64(b, last) || last < first) return RangeSet{};
      if (size && last >= size) last = size - 1;
    }
    any_syntax = true;
    if (first >= size) continue;
    ranges.push_back({first, last});
  }
  if (!any_syntax) return RangeSet{};
  if (ranges.empty()) {
    out.kind = RangeKind::unsatisfiable;
    return out;
  }
  // Sort and merge overlapping or adjacent ranges, so overlap abuse costs nothing.
  std::sort(ranges.begin(), ranges.end(), [](const ByteRange& x, const ByteRange& y) { return x.first < y.first; });
  std::vector<ByteRange> merged;
  for (const ByteRange& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().last + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  out.kind = RangeKind::satisfiable;
  out.ranges = std::move(merged);
  return out;
}

}  // namespace filehttpd
