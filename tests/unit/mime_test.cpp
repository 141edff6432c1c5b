// Content types by file name as a table: built-in entries, [mime] overrides,
// and the longest matching suffix, so ".tar.gz" wins over ".gz".
#include "mime.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(Mime, LongestSuffixWins) {
  configure_mime_types({{"tar.gz", "application/x-gtar"},
                        {"d.ts", "application/typescript"},
                        {"foo", "application/x-foo"},
                        {"a.b.c", "application/x-abc"}},
                       "/nonexistent/mime.types");
  struct Row {
    const char* name;
    const char* type;
  } rows[] = {
      {"/srv/backup.tar.gz", "application/x-gtar"},
      {"backup.TAR.GZ", "application/x-gtar"},
      {"/x/notes.gz", "application/gzip"},
      {"/x/archive.tar", "application/x-tar"},
      {"/x/old.backup.tar.gz", "application/x-gtar"},
      {"/x/mytar.gz", "application/gzip"},
      {"/x/types.d.ts", "application/typescript"},
      {"/x/a.ts", "application/octet-stream"},
      {"/x/file.a.b.c", "application/x-abc"},
      {"/x/file.b.c", "application/octet-stream"},
      {"/x/page.html", "text/html; charset=utf-8"},
      {"/x/y.foo", "application/x-foo"},
      {"/x.tar.gz/plain", "application/octet-stream"},
      {"/x/.tar.gz", "application/x-gtar"},
      {"/x/trailing.", "application/octet-stream"},
  };
  for (const Row& r : rows) EXPECT_EQ(mime_type_for(r.name), r.type) << r.name;
  configure_mime_types({}, "/nonexistent/mime.types");
  EXPECT_EQ(mime_type_for("backup.tar.gz"), "application/gzip");
}

// Media types are case-insensitive (RFC 9110 section 8.3.1): a [mime] type
// written in capitals is a text type like its lowercase form, and is sent lowercase.
TEST(Mime, TypeCaseDoesNotMatter) {
  configure_mime_types({{"md", "Text/Markdown"},
                        {"x1", "text/markdown"},
                        {"x2", "APPLICATION/JSON"},
                        {"x3", "Image/SVG+XML"},
                        {"x4", "Application/Wasm"}},
                       "/nonexistent/mime.types");
  struct Row {
    const char* name;
    const char* type;
  } rows[] = {
      {"a.md", "text/markdown; charset=utf-8"},    {"a.x1", "text/markdown; charset=utf-8"},
      {"a.x2", "application/json; charset=utf-8"}, {"a.x3", "image/svg+xml; charset=utf-8"},
      {"a.x4", "application/wasm"},
  };
  for (const Row& r : rows) EXPECT_EQ(mime_type_for(r.name), r.type) << r.name;
  configure_mime_types({}, "/nonexistent/mime.types");
}
