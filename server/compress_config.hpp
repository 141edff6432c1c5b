#pragma once
// [compress]: which responses are compressed on the fly, in which codings,
// and where the compressed copies of static files are kept. A value type, so
// a site can hold its own.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class node;
}
}  // namespace toml

namespace filehttpd {

struct CompressConfig {
  // Our order of preference; the client's q-values decide first. Empty: off.
  std::vector<std::string> codings{"zstd", "br", "gzip"};
  // Media types (without parameters) worth compressing; "text/*" matches a whole top-level type.
  std::vector<std::string> types{"text/*",
                                 "application/javascript",
                                 "application/json",
                                 "application/ld+json",
                                 "application/manifest+json",
                                 "application/xml",
                                 "application/xhtml+xml",
                                 "application/rss+xml",
                                 "application/atom+xml",
                                 "application/wasm",
                                 "application/x-javascript",
                                 "image/svg+xml",
                                 "image/x-icon",
                                 "image/vnd.microsoft.icon",
                                 "font/ttf",
                                 "font/otf"};
  std::uint64_t min_size = 1024;               // smaller files go as they are
  std::uint64_t max_size = 16ull << 20;        // larger static files go as they are (CGI output has no bound)
  std::string cache_dir;                       // empty: a private 0700 dir under $TMPDIR, made at start
  std::uint64_t cache_size = 256ull << 20;     // bytes on disk the compressed copies may take
};

// Returns true when content_type (parameters ignored, case-insensitive) is one of types ("type/*" matches its
// whole top-level type).
bool compress_type_matches(const std::vector<std::string>& types, std::string_view content_type);

// Returns true when a static file of content_type and size is compressed on the fly under cfg.
bool compress_static(const CompressConfig& cfg, std::string_view content_type, std::uint64_t size);

// Loads a [compress] table over cfg. Returns "" or "FILE:LINE:COL: message" naming the key.
std::string load_compress_section(const std::string& file, const toml::node& node, CompressConfig& cfg);

// Returns the one-line summary -t prints of cfg.
std::string describe_compress(const CompressConfig& cfg);

}  // namespace filehttpd
