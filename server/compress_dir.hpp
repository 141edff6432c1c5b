#pragma once
// The supervisor's part of compression: the cache directory the workers
// write their compressed copies into, made before they start and drop privileges.
#include <string>

#include "config.hpp"
#include "startup.hpp"

namespace filehttpd {

// With compression on (http profile), makes cfg's compress.cache_dir usable
// by workers running as creds: creates it 0700 when missing (one level), or,
// when unset, uses made (a private directory under $TMPDIR made on the first
// call and kept for the server's life) and sets cache_dir to it. The
// directory goes to creds' user when privileges are dropped. Returns "" or an error naming compress.cache_dir.
std::string prepare_compress_dir(Config& cfg, const Credentials& creds, std::string& made);

// Removes the directory prepare_compress_dir() made (and the copies in it); nothing for "".
void remove_compress_dir(const std::string& made);

}  // namespace filehttpd
