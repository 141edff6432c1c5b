// Fuzz target: Range and conditional headers against a fixed file state.
// Ranges stay inside the file, sorted and disjoint; preconditions give one
// of the statuses they may give.
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "http_parser.hpp"
#include "static_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  // Fields split on '\n': Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range.
  static const char* const k_names[] = {
      "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"};
  filehttpd::Request req;
  std::size_t pos = 0;
  for (const char* name : k_names) {
    if (pos > in.size()) break;
    std::size_t nl = in.find('\n', pos);
    std::string value = in.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? in.size() + 1 : nl + 1;
    req.headers.push_back({name, value});
    ++req.header_count;
  }
  struct stat st {};
  st.st_ino = 1234;
  st.st_size = 10000;
  st.st_mtim.tv_sec = 1700000000;
  filehttpd::Validators v = filehttpd::make_validators(st, st.st_mtim.tv_sec);
  int pre = filehttpd::evaluate_preconditions(req, v);
  if (pre != 0 && pre != 304 && pre != 412) std::abort();
  (void)filehttpd::if_range_matches(req, v);
  if (const std::string* range = req.find("Range")) {
    for (std::uint64_t file_size : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{10000}}) {
      filehttpd::RangeSet rs = filehttpd::parse_range(*range, file_size);
      std::uint64_t prev_end = 0;
      bool first = true;
      for (const filehttpd::ByteRange& r : rs.ranges) {
        if (r.first > r.last || r.last >= file_size) std::abort();
        if (!first && r.first <= prev_end + 1) std::abort();  // merged: disjoint, not adjacent
        prev_end = r.last;
        first = false;
      }
    }
  }
  return 0;
}
