// The file responder as a table: request headers and file facts in; status,
// header lines and body parts out. No sockets, no files.
#include "file_response.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

namespace {

struct Row {
  const char* name;
  llhttp_method_t method;
  std::vector<std::pair<std::string, std::string>> headers;
  bool cached;
  int status;
  bool with_length;
  std::uint64_t length;
  std::string header_lines;
  // Parts: "f:first+length" for file bytes, "s:text" for scratch bytes.
  std::vector<std::string> parts;
};

}  // namespace

TEST(FileResponse, Table) {
  Validators v;
  v.etag = "\"7-10-1700000000\"";
  v.mtime = 1700000000;
  v.last_modified = "Tue, 14 Nov 2023 22:13:20 GMT";
  const std::string lm = v.last_modified;
  const std::string full =
      "Content-Type: text/plain\r\nLast-Modified: " + lm + "\r\nETag: " + v.etag + "\r\nAccept-Ranges: bytes\r\n";
  // A cached entry's ready-made fields: those of a full 200.
  FieldList cached_fields;
  append_file_headers(cached_fields, "text/plain", v);
  const std::string b = std::string(k_multipart_boundary);
  // The header lines of a single-range 206 with Content-Range: bytes range.
  auto ranged = [&](const std::string& range) {
    return "Content-Type: text/plain\r\nContent-Range: bytes " + range + "\r\nLast-Modified: " + lm +
           "\r\nETag: " + v.etag + "\r\nAccept-Ranges: bytes\r\n";
  };
  // clang-format off
  const std::string not_modified = "ETag: " + v.etag + "\r\nLast-Modified: " + lm + "\r\n";
  const std::string multipart = "Content-Type: multipart/byteranges; boundary=" + b + "\r\nLast-Modified: " + lm +
                                "\r\nETag: " + v.etag + "\r\nAccept-Ranges: bytes\r\n";
  auto part_head = [&](const std::string& range) {
    return "s:\r\n--" + b + "\r\nContent-Type: text/plain\r\nContent-Range: bytes " + range + "\r\n\r\n";
  };
  const Row rows[] = {
      {"200", HTTP_GET, {}, false, 200, true, 10, full, {"f:0+10"}},
      {"head_is_planned_like_get", HTTP_HEAD, {}, false, 200, true, 10, full, {"f:0+10"}},
      {"cached_200_uses_the_ready_block", HTTP_GET, {}, true, 200, true, 10, full, {"f:0+10"}},
      {"304_if_none_match", HTTP_GET, {{"If-None-Match", v.etag}}, false, 304, false, 0, not_modified, {}},
      {"304_if_modified_since", HTTP_GET, {{"If-Modified-Since", lm}}, true, 304, false, 0, not_modified, {}},
      {"412_if_match", HTTP_GET, {{"If-Match", "\"other\""}}, false, 412, true, 0, "", {}},
      {"412_if_unmodified_since", HTTP_GET, {{"If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}}, false, 412, true, 0, "", {}},
      {"single_range", HTTP_GET, {{"Range", "bytes=2-4"}}, false, 206, true, 3, ranged("2-4/10"), {"f:2+3"}},
      {"cached_single_range", HTTP_GET, {{"Range", "bytes=-2"}}, true, 206, true, 2, ranged("8-9/10"), {"f:8+2"}},
      {"multipart", HTTP_GET, {{"Range", "bytes=0-1,5-6"}}, false, 206, true, 0, multipart,
       {part_head("0-1/10"), "f:0+2", part_head("5-6/10"), "f:5+2", "s:\r\n--" + b + "--\r\n"}},
      {"416", HTTP_GET, {{"Range", "bytes=20-30"}}, false, 416, true, 0,
       "Content-Range: bytes */10\r\nContent-Type: text/html; charset=utf-8\r\n", {"s:<416 page>"}},
      {"range_ignored_for_head", HTTP_HEAD, {{"Range", "bytes=2-4"}}, false, 200, true, 10, full, {"f:0+10"}},
      {"if_range_mismatch_gives_whole", HTTP_GET, {{"Range", "bytes=2-4"}, {"If-Range", "\"old\""}}, false, 200, true, 10, full, {"f:0+10"}},
      {"if_range_match_gives_range", HTTP_GET, {{"Range", "bytes=2-4"}, {"If-Range", v.etag}}, false, 206, true, 3, ranged("2-4/10"), {"f:2+3"}},
      {"malformed_range_gives_whole", HTTP_GET, {{"Range", "bytes=x-y"}}, false, 200, true, 10, full, {"f:0+10"}},
  };
  // clang-format on
  for (const Row& r : rows) {
    Request req;
    req.method = r.method;
    for (const auto& [n, val] : r.headers) req.headers.push_back({n, val});
    req.header_count = req.headers.size();
    FileFacts facts;
    facts.validators = &v;
    facts.size = 10;
    facts.content_type = "text/plain";
    if (r.cached) facts.cached_fields = &cached_fields;
    FieldList fields;
    std::string scratch;
    FilePlan plan = plan_file_response(req, facts, fields, scratch);
    std::string headers(fields.http1_lines());
    EXPECT_EQ(plan.status, r.status) << r.name;
    if (plan.status == 412) continue;
    EXPECT_EQ(plan.with_length, r.with_length) << r.name;
    EXPECT_EQ(headers, r.header_lines) << r.name;
    std::vector<std::string> parts;
    std::uint64_t total = 0;
    for (const FilePart& p : plan.parts) {
      total += p.length;
      if (p.from_scratch) {
        std::string text = scratch.substr(p.first, p.length);
        parts.push_back(text.find("<!DOCTYPE") == 0 && plan.status == 416 ? "s:<416 page>" : "s:" + text);
      } else {
        parts.push_back("f:" + std::to_string(p.first) + "+" + std::to_string(p.length));
      }
    }
    EXPECT_EQ(parts, r.parts) << r.name;
    EXPECT_EQ(plan.length, total) << r.name << ": length is not the sum of the parts";
    if (r.length) {
      EXPECT_EQ(plan.length, r.length) << r.name;
    }
  }
}

// A negotiated variant's own lines: Vary whenever the file has variants,
// Content-Encoding only over the variant's bytes (not over the 416 page).
TEST(FileResponse, VariantHeaders) {
  struct Row {
    bool vary;
    const char* coding;
    int status;
    const char* lines;
  } rows[] = {
      {true, "br", 200, "Vary: Accept-Encoding\r\nContent-Encoding: br\r\n"},
      {true, "zstd", 206, "Vary: Accept-Encoding\r\nContent-Encoding: zstd\r\n"},
      {true, "gzip", 304, "Vary: Accept-Encoding\r\nContent-Encoding: gzip\r\n"},
      {true, "br", 416, "Vary: Accept-Encoding\r\n"},
      {true, "", 200, "Vary: Accept-Encoding\r\n"},
      {true, "", 416, "Vary: Accept-Encoding\r\n"},
      {false, "", 200, ""},
  };
  for (const Row& r : rows) {
    FieldList out;
    append_variant_headers(out, r.vary, r.coding, r.status);
    EXPECT_EQ(out.http1_lines(), r.lines) << r.coding << " " << r.status;
  }
}

TEST(FileResponse, PartsKeepOrderInlineAndSpilled) {
  // 0 and 1 parts stay inline; 2 and more move to the heap; order holds either way.
  for (std::uint64_t count : {0u, 1u, 2u, 3u, 7u}) {
    FileParts parts;
    for (std::uint64_t i = 0; i < count; ++i) parts.push_back({i % 2 == 0, i * 10, i + 1});
    std::vector<std::uint64_t> firsts;
    for (const FilePart& p : parts) {
      EXPECT_EQ(p.from_scratch, firsts.size() % 2 == 0) << count;
      EXPECT_EQ(p.length, firsts.size() + 1) << count;
      firsts.push_back(p.first);
    }
    std::vector<std::uint64_t> want;
    for (std::uint64_t i = 0; i < count; ++i) want.push_back(i * 10);
    EXPECT_EQ(firsts, want) << count;
  }
}
