#pragma once
// Request-target decoding, dot-segment removal and opening beneath the root.
#include <string>
#include <string_view>

namespace filehttpd {

enum class PathStatus { ok, bad_request, outside_root };

struct DecodedPath {
  PathStatus status = PathStatus::ok;
  std::string path;   // decoded, normalised, always starts with '/'
  std::string query;  // raw text after '?', without the '?'
  bool trailing_slash = false;
};

// Splits off the query, percent-decodes once and removes dot segments.
// %00, a bad or truncated escape and an encoded '/' give bad_request;
// ".." above the root gives outside_root.
DecodedPath decode_target(std::string_view target);

// Returns true when a segment of path starts with '.', except a leading
// "/.well-known/" segment.
bool has_hidden_segment(std::string_view path);

// Opens path (as from decode_target) relative to root_fd so that neither
// "..", absolute symlinks nor symlinks leading outside can leave the root.
// Returns the fd, or -errno (-EXDEV or -ELOOP for an escape attempt).
// Without openat2 (ENOSYS) it falls back to open_beneath_walk().
int open_beneath(int root_fd, std::string_view path, int flags);

// Opens path component by component with O_NOFOLLOW: safe on any kernel, but
// a symlink anywhere in the path gives -ELOOP (or -ENOTDIR). Returns fd or -errno.
int open_beneath_walk(int root_fd, std::string_view path, int flags);

// Percent-encodes everything but unreserved characters and '/'.
std::string percent_encode_path(std::string_view path);

// Escapes & < > " ' for HTML text and attributes.
std::string html_escape(std::string_view text);

}  // namespace filehttpd
