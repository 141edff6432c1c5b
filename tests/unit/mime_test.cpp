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
