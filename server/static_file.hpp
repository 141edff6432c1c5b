#pragma once
// Validators, conditional requests (RFC 9110 section 13) and byte ranges (section 14).
#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "http_parser.hpp"

namespace filehttpd {

// Most ranges one request may ask for before we answer with the whole file.
inline constexpr std::size_t k_max_ranges = 16;

struct Validators {
  std::string etag;           // strong: "\"inode-size-mtime\""
  std::time_t mtime = 0;      // the file's, no later than the response's Date
  std::string last_modified;  // IMF-fixdate of mtime
};

// Returns the time a Last-Modified may state for mtime in a response dated
// date: mtime, or date when mtime is later (RFC 9110 section 8.8.2.1), kept
// within the years 0000-9999 that an HTTP-date can state.
std::time_t last_modified_time(std::time_t mtime, std::time_t date);

// Returns the validators of a file from its stat, for a response dated date:
// the tag from the real mtime, the time (and Last-Modified) no later than date.
Validators make_validators(const struct stat& st, std::time_t date);

// Returns a strong entity tag for generated content: a hash of its bytes.
std::string content_etag(std::string_view body);

// Evaluates If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since in RFC 9110 section 13.2.2 order. Returns 0 to go on,
// 304 (Not Modified) or 412 (Precondition Failed).
int evaluate_preconditions(const Request& req, const Validators& v);

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

enum class RangeKind { none, satisfiable, unsatisfiable };

struct RangeSet {
  RangeKind kind = RangeKind::none;
  std::vector<ByteRange> ranges;  // sorted and coalesced when satisfiable
};

// Parses a Range header value against a file of size bytes. A malformed
// header, or an abusive one (over k_max_ranges), gives kind none (serve all).
RangeSet parse_range(std::string_view header, std::uint64_t size);

// Returns true when If-Range (if any) matches, so the Range may apply.
bool if_range_matches(const Request& req, const Validators& v);

// Returns true when an entity-tag list (If-Match / If-None-Match) contains
// etag, or is "*". weak selects weak comparison. Commas inside an
// opaque-tag's quotes do not split the list.
bool etag_list_matches(std::string_view list, std::string_view etag, bool weak);

}  // namespace filehttpd
