#pragma once
// Streaming encoders for the content codings we produce (gzip by zlib, zstd
// by libzstd, br by libbrotli): bytes in, compressed bytes appended out.
#include <memory>
#include <string>
#include <string_view>

namespace filehttpd {

// Levels: the cache's copies are made once and served many times; a
// stream (CGI output) is compressed while the client waits.
inline constexpr int k_cache_level_gzip = 9;
inline constexpr int k_cache_level_zstd = 12;
inline constexpr int k_cache_level_br = 8;
inline constexpr int k_stream_level = 1;  // gzip 1, zstd 1

// Returns the level the cache uses for coding.
int cache_level(std::string_view coding);

class StreamEncoder {
 public:
  // Starts an encoder for coding ("gzip", "zstd" or "br") at level; returns
  // nullptr for another coding or when the library refuses.
  static std::unique_ptr<StreamEncoder> make(std::string_view coding, int level);
  virtual ~StreamEncoder() = default;
  // Compresses in, appending what is ready to out. Returns false on a library error.
  virtual bool update(std::string_view in, std::string& out) = 0;
  // Flushes what update() holds back so far, so the client can decode all of it now.
  virtual bool flush(std::string& out) = 0;
  // Ends the stream, appending the rest and the trailer to out. Returns false on a library error.
  virtual bool finish(std::string& out) = 0;
};

}  // namespace filehttpd
