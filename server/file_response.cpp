#include "file_response.hpp"

#include "response.hpp"

namespace filehttpd {

void append_file_headers(FieldList& out, std::string_view content_type, const Validators& v) {
  out.add("Content-Type", content_type);
  out.add("Last-Modified", v.last_modified);
  out.add("ETag", v.etag);
  out.add("Accept-Ranges", "bytes");
}

void append_variant_headers(FieldList& out, bool vary, std::string_view coding, int status) {
  if (vary) out.add("Vary", "Accept-Encoding");
  if (!coding.empty() && status != 416) out.add("Content-Encoding", coding);
}

FilePlan plan_file_response(const Request& req, const FileFacts& file, FieldList& headers, std::string& scratch) {
  const Validators& v = *file.validators;
  const std::uint64_t size = file.size;
  FilePlan plan;
  int pre = evaluate_preconditions(req, v);
  if (pre == 412) {
    plan.status = 412;
    return plan;
  }
  if (pre == 304) {
    plan.status = 304;
    plan.with_length = false;
    headers.add("ETag", v.etag);
    headers.add("Last-Modified", v.last_modified);
    return plan;
  }
  const std::string* range = req.find("Range");
  if (range && req.method == HTTP_GET && if_range_matches(req, v)) {
    RangeSet rs = parse_range(*range, size);
    if (rs.kind == RangeKind::unsatisfiable) {
      plan.status = 416;
      scratch = error_body(416);
      headers.add("Content-Range", "bytes */" + std::to_string(size));
      headers.add("Content-Type", "text/html; charset=utf-8");
      plan.length = scratch.size();
      plan.parts.push_back({true, 0, scratch.size()});
      return plan;
    }
    if (rs.kind == RangeKind::satisfiable && rs.ranges.size() == 1) {
      const ByteRange& br = rs.ranges[0];
      plan.status = 206;
      headers.add("Content-Type", file.content_type);
      headers.add("Content-Range",
                    "bytes " + std::to_string(br.first) + "-" + std::to_string(br.last) + "/" + std::to_string(size));
      headers.add("Last-Modified", v.last_modified);
      headers.add("ETag", v.etag);
      headers.add("Accept-Ranges", "bytes");
      plan.length = br.length();
      plan.parts.push_back({false, br.first, br.length()});
      return plan;
    }
    if (rs.kind == RangeKind::satisfiable) {
      // multipart/byteranges: a part head in scratch before each range, then the closing boundary.
      scratch.clear();
      plan.status = 206;
      for (const ByteRange& br : rs.ranges) {
        std::size_t start = scratch.size();
        scratch += "\r\n--";
        scratch += k_multipart_boundary;
        scratch += "\r\nContent-Type: ";
        scratch += file.content_type;
        scratch += "\r\nContent-Range: bytes " + std::to_string(br.first) + "-" + std::to_string(br.last) + "/" +
                   std::to_string(size) + "\r\n\r\n";
        plan.parts.push_back({true, start, scratch.size() - start});
        plan.parts.push_back({false, br.first, br.length()});
        plan.length += scratch.size() - start + br.length();
      }
      std::size_t tail = scratch.size();
      scratch += "\r\n--";
      scratch += k_multipart_boundary;
      scratch += "--\r\n";
      plan.parts.push_back({true, tail, scratch.size() - tail});
      plan.length += scratch.size() - tail;
      append_file_headers(headers, std::string("multipart/byteranges; boundary=").append(k_multipart_boundary), v);
      return plan;
    }
  }
  plan.length = size;
  plan.parts.push_back({false, 0, size});
  if (file.cached_fields) {
    headers.add_all(*file.cached_fields);
  } else {
    append_file_headers(headers, file.content_type, v);
  }
  return plan;
}

}  // namespace filehttpd
