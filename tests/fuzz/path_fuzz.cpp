// Fuzz target: request-target decoding and normalisation. A decoded path
// always starts with '/' and never keeps a ".." segment or a NUL.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "path.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  filehttpd::DecodedPath d = filehttpd::decode_target(target);
  if (d.status != filehttpd::PathStatus::ok) return 0;
  const std::string& p = d.path;
  if (p.empty() || p[0] != '/') std::abort();
  if (p.find('\0') != std::string::npos) std::abort();
  if (p == "/.." || p.find("/../") != std::string::npos || p.ends_with("/..")) std::abort();
  (void)filehttpd::has_hidden_segment(p);
  (void)filehttpd::percent_encode_path(p);
  (void)filehttpd::html_escape(p);
  return 0;
}
