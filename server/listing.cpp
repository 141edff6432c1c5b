#include "listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "http_date.hpp"
#include "http_parser.hpp"
#include "path.hpp"
#include "response.hpp"

namespace filehttpd {

namespace {

// Returns the value of key in a raw query string ("a=1&b=2"), or "".
std::string_view query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

// Returns the q-value an Accept header gives type (exact match, then
// "major/*", then "*/*"; any letter case, RFC 9110 section 8.3.1), or -1
// when it names none of them.
double accept_q(std::string_view accept, std::string_view type) {
  double best = -1;
  int best_rank = -1;
  std::string_view major = type.substr(0, type.find('/'));
  std::vector<std::string_view> items;
  append_list_items(accept, items);
  for (std::string_view item : items) {
    WeightedItem w = parse_weighted_item(item);
    if (!w.valid) continue;  // a weight that is not a qvalue: the item is ignored
    std::string_view range = w.name;
    int rank = -1;
    if (iequals(range, type))
      rank = 2;
    else if (range.size() == major.size() + 2 && iequals(range.substr(0, major.size()), major) && range.ends_with("/*"))
      rank = 1;
    else if (range == "*/*")
      rank = 0;
    if (rank < best_rank || rank < 0) continue;
    best = w.q;
    best_rank = rank;
  }
  return best;
}

// Returns the length of the valid UTF-8 sequence at the start of s, or 0.
std::size_t utf8_sequence(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;
    if (c == 0xF4 && b(1) >= 0x90) return 0;
    return 4;
  }
  return 0;
}

// Returns s with each byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    std::size_t n = utf8_sequence(s);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(s.substr(0, n));
    }
    s.remove_prefix(n);
  }
  return out;
}

}  // namespace

bool read_listing(int dir_fd, bool dotfiles, const ListingQuery& q, Listing& out, std::size_t cap) {
  int dfd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = dfd >= 0 ? fdopendir(dfd) : nullptr;
  if (!dir) {
    if (dfd >= 0) close(dfd);
    return false;
  }
  struct stat self {};
  if (fstat(dirfd(dir), &self) == 0) out.newest = self.st_mtim.tv_sec;
  while (dirent* de = readdir(dir)) {
    std::string_view name = de->d_name;
    if (name == "." || name == "..") continue;
    if (name[0] == '.' && !dotfiles) continue;
    struct stat st {};
    if (fstatat(dirfd(dir), de->d_name, &st, 0) != 0) continue;
    bool is_dir = S_ISDIR(st.st_mode);
    // A directory's size says nothing useful: 0, for sorting as for showing.
    keep_listing_entry(
        out.entries,
        {std::string(name), is_dir, is_dir ? 0 : static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec}, q, cap);
    ++out.total;
    out.newest = std::max(out.newest, st.st_mtim.tv_sec);
  }
  closedir(dir);
  out.truncated = out.total > out.entries.size();
  return true;
}

void keep_listing_entry(std::vector<ListingEntry>& kept, ListingEntry e, const ListingQuery& q, std::size_t cap) {
  auto before = [&q](const ListingEntry& a, const ListingEntry& b) { return listing_before(a, b, q); };
  if (kept.size() < cap) {
    kept.push_back(std::move(e));
    // Not a heap until it is full: a directory under the cap costs no heap work.
    if (kept.size() == cap) std::make_heap(kept.begin(), kept.end(), before);
    return;
  }
  if (cap == 0 || !before(e, kept.front())) return;
  std::pop_heap(kept.begin(), kept.end(), before);
  kept.back() = std::move(e);
  std::push_heap(kept.begin(), kept.end(), before);
}

ListingQuery parse_listing_query(std::string_view query, const std::string* accept) {
  ListingQuery q;
  if (accept) {
    double json = accept_q(*accept, "application/json");
    double html = accept_q(*accept, "text/html");
    if (json > 0 && json > html) q.format = ListingFormat::json;
  }
  std::string_view format = query_value(query, "format");
  if (format == "json") q.format = ListingFormat::json;
  if (format == "html") q.format = ListingFormat::html;
  std::string_view key = query_value(query, "sort");
  if (key == "name") q.key = ListingKey::name;
  if (key == "size") q.key = ListingKey::size;
  if (key == "mtime") q.key = ListingKey::mtime;
  std::string_view order = query_value(query, "order");
  if (order == "desc") q.descending = true;
  if (order == "asc") q.descending = false;
  return q;
}

bool listing_before(const ListingEntry& a, const ListingEntry& b, const ListingQuery& q) {
  const ListingEntry& x = q.descending ? b : a;
  const ListingEntry& y = q.descending ? a : b;
  switch (q.key) {
    case ListingKey::size:
      if (x.size != y.size) return x.size < y.size;
      break;
    case ListingKey::mtime:
      if (x.mtime != y.mtime) return x.mtime < y.mtime;
      break;
    case ListingKey::name: break;
  }
  return x.name < y.name;
}

void sort_listing(std::vector<ListingEntry>& entries, const ListingQuery& q) {
  std::sort(entries.begin(), entries.end(),
            [&q](const ListingEntry& a, const ListingEntry& b) { return listing_before(a, b, q); });
}

void append_listing_fields(const Listing& l, FieldList& head) {
  if (!l.truncated) return;
  head.add("X-Listing-Truncated", "true");
  head.add("X-Listing-Total", static_cast<unsigned long long>(l.total));
}

void render_listing_html(const Listing& l, std::string_view url_path, std::string& out) {
  std::string title = html_escape(valid_utf8(url_path));
  out += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ";
  out += title;
  out += "</title></head>\n<body><h1>Index of ";
  out += title;
  out += "</h1>\n<table>\n";
  if (url_path != "/") out += "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n";
  for (const ListingEntry& e : l.entries) {
    std::string shown = e.name + (e.is_dir ? "/" : "");
    out += "<tr><td><a href=\"";
    out += html_escape(percent_encode_path(shown));
    out += "\">";
    out += html_escape(valid_utf8(shown));  // the page says utf-8; the link above keeps the raw bytes
    out += "</a></td><td>";
    out += e.is_dir ? std::string("-") : std::to_string(e.size);
    out += "</td><td>";
    out += format_http_date(e.mtime);
    out += "</td></tr>\n";
  }
  out += "</table>\n";
  if (l.truncated)
    out += "<p>Only the first " + std::to_string(l.entries.size()) + " of " + std::to_string(l.total) +
           " entries are listed.</p>\n";
  out += "</body></html>\n";
}

void render_listing_json(const Listing& l, std::string& out) {
  out += '[';
  bool first = true;
  for (const ListingEntry& e : l.entries) {
    if (!first) out += ',';
    first = false;
    out += "\n{\"name\":";
    append_json_string(out, e.name);
    out += e.is_dir ? ",\"type\":\"directory\",\"size\":" : ",\"type\":\"file\",\"size\":";
    out += std::to_string(e.size);
    out += ",\"mtime\":";
    out += std::to_string(static_cast<long long>(e.mtime));
    out += '}';
  }
  out += "\n]\n";
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  while (!s.empty()) {
    unsigned char c = static_cast<unsigned char>(s[0]);
    std::size_t n = utf8_sequence(s);
    if (n == 0) {
      out += "\\ufffd";
      s.remove_prefix(1);
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.append(s.substr(0, n));
    }
    s.remove_prefix(n);
  }
  out += '"';
}

}  // namespace filehttpd
