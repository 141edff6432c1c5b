#pragma once
// Directory listings: reading a directory's entries, sorting them, and
// rendering them as HTML or JSON; the query and Accept header that choose.
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "fields.hpp"

namespace filehttpd {

// Most entries one listing shows: the first ones in the order asked for; the
// rest of a bigger directory is left out (and the listing says so).
inline constexpr std::size_t k_max_listing_entries = 100000;

struct ListingEntry {
  std::string name;
  bool is_dir = false;
  std::uint64_t size = 0;
  std::time_t mtime = 0;
};

struct Listing {
  std::vector<ListingEntry> entries;
  std::time_t newest = 0;  // the newest mtime of the directory and its entries
  bool truncated = false;  // more entries than the cap: entries holds the first ones
  std::size_t total = 0;   // entries the directory has (those a listing may show)
};

enum class ListingFormat { html, json };
enum class ListingKey { name, size, mtime };

struct ListingQuery {
  ListingFormat format = ListingFormat::html;
  ListingKey key = ListingKey::name;
  bool descending = false;
};

// Reads the entries of the directory open as dir_fd (which stays open): not
// "." and "..", dotfiles only when asked, and of those the first cap in q's
// order (memory for cap entries, however big the directory), not yet sorted.
// Returns false when it cannot be read.
bool read_listing(int dir_fd, bool dotfiles, const ListingQuery& q, Listing& out,
                  std::size_t cap = k_max_listing_entries);

// Offers e to kept, which holds the first cap entries in q's order of those
// offered so far (a heap whose front is the last of them once it is full).
void keep_listing_entry(std::vector<ListingEntry>& kept, ListingEntry e, const ListingQuery& q, std::size_t cap);

// Reads format=html|json, sort=name|size|mtime and order=asc|desc from a raw
// query string, and JSON from an Accept header (accept may be null) that
// prefers application/json to text/html. Unknown values keep the defaults.
ListingQuery parse_listing_query(std::string_view query, const std::string* accept);

// Returns true when a comes before b in q's order: by q's key, ties by name,
// the whole order reversed for descending.
bool listing_before(const ListingEntry& a, const ListingEntry& b, const ListingQuery& q);

// Sorts entries by q's key and order; ties go by name.
void sort_listing(std::vector<ListingEntry>& entries, const ListingQuery& q);

// Adds the fields saying a listing was cut (X-Listing-Truncated: true and
// X-Listing-Total: the directory's entries) to head; none when it was not.
void append_listing_fields(const Listing& l, FieldList& head);

// Appends the HTML page listing url_path to out.
void render_listing_html(const Listing& l, std::string_view url_path, std::string& out);

// Appends a JSON array of {"name","type","size","mtime"} to out (type
// "file" or "directory"; mtime in seconds since the epoch).
void render_listing_json(const Listing& l, std::string& out);

// Appends s as a JSON string (quoted); bytes that are not UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace filehttpd
