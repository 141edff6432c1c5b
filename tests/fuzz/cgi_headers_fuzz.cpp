// Fuzz target: the CGI header-block parser. Whatever a script writes, an
// accepted block has token names and values without control bytes, so
// nothing of it can split our response head.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cgi.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  filehttpd::CgiHeaderResult r = filehttpd::parse_cgi_headers(in);
  if (r.state != filehttpd::CgiHeaderResult::State::done) return 0;
  if (r.header_bytes > size) std::abort();
  if (r.status < 100 || r.status > 599) std::abort();
  for (const filehttpd::Header& h : r.headers) {
    if (h.name.empty()) std::abort();
    for (char c : h.name)
      if (!filehttpd::is_tchar(c)) std::abort();
    if (!filehttpd::is_field_value(h.value)) std::abort();
  }
  if (!filehttpd::is_field_value(r.location) || !filehttpd::is_field_value(r.reason_phrase)) std::abort();
  return 0;
}
