#pragma once
// What to answer for a file: request and file facts in, a response plan out
// (status, header lines, body parts as scratch bytes and file ranges). No I/O.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fields.hpp"
#include "http_parser.hpp"
#include "static_file.hpp"

namespace filehttpd {

// The boundary of multipart/byteranges bodies.
inline constexpr std::string_view k_multipart_boundary = "filehttpd-3f8a1c7e9b2d4605";

struct FileFacts {
  const Validators* validators = nullptr;
  std::uint64_t size = 0;
  std::string_view content_type;
  // A cached entry's ready-made fields for a full 200, or null when the file is not cached.
  const FieldList* cached_fields = nullptr;
};

struct FilePart {
  bool from_scratch = false;  // bytes of the plan's scratch; otherwise of the file
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

// A plan's body parts in order. The common plans (the whole file, one range,
// the 416 page) hold one part and need no heap; multipart plans spill over.
class FileParts {
 public:
  // Appends p after the parts so far.
  void push_back(const FilePart& p) {
    if (more_.empty() && count_ < 1) {
      first_ = p;
      count_ = 1;
      return;
    }
    if (more_.empty()) more_.push_back(first_);
    more_.push_back(p);
  }
  // The parts, in order.
  const FilePart* begin() const { return more_.empty() ? &first_ : more_.data(); }
  const FilePart* end() const { return more_.empty() ? &first_ + count_ : more_.data() + more_.size(); }

 private:
  FilePart first_;
  std::size_t count_ = 0;  // parts in first_ (0 or 1) while more_ is empty
  std::vector<FilePart> more_;
};

struct FilePlan {
  int status = 200;          // 412: answer with the error page instead
  bool with_length = true;   // the body's length is known (not for 304)
  std::uint64_t length = 0;  // body bytes (also for HEAD, which sends none)
  FileParts parts;
};

// Adds Content-Type, Last-Modified, ETag and Accept-Ranges of a file response.
void append_file_headers(FieldList& out, std::string_view content_type, const Validators& v);

// Adds the fields of a negotiated variant's response of status: Vary when
// vary (the file has variants), and Content-Encoding: coding when coding is
// not empty and the body is the variant's bytes, so never on the 416 page.
void append_variant_headers(FieldList& out, bool vary, std::string_view coding, int status);

// Decides 200, 206 (single or multipart), 304, 412 or 416 for req on a file
// (RFC 9110 sections 13 and 14), adds the response's fields (no framing
// fields: the plan's length says how long the body is) to fields, and the
// multipart part heads or the 416 page to scratch.
FilePlan plan_file_response(const Request& req, const FileFacts& file, FieldList& fields, std::string& scratch);

}  // namespace filehttpd
