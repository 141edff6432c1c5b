// The field list: pairs in order, found by name, values replaced in place,
// and the same pairs as HTTP/1.1 lines for the framer.
#include "fields.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(Fields, PairsInOrderAndAsLines) {
  FieldList f;
  f.add("Content-Type", "text/plain");
  f.add("Content-Length", 1024ull);
  f.add("X-Empty", "");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].name, "Content-Type");
  EXPECT_EQ(f[0].value, "text/plain");
  EXPECT_EQ(f[1].value, "1024");
  EXPECT_EQ(f[2].name, "X-Empty");
  EXPECT_EQ(f[2].value, "");
  EXPECT_EQ(f.http1_lines(), "Content-Type: text/plain\r\nContent-Length: 1024\r\nX-Empty: \r\n");
  EXPECT_EQ(f.find("content-length"), 1u);
  EXPECT_EQ(f.find("Vary"), 3u);
}

TEST(Fields, AddAllShiftsTheOtherListsPairs) {
  FieldList a, b;
  a.add("A", "1");
  b.add("B", "22");
  b.add("C", "333");
  a.add_all(b);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1].name, "B");
  EXPECT_EQ(a[2].name, "C");
  EXPECT_EQ(a[2].value, "333");
}

TEST(Fields, SetValueMovesTheFieldsAfterIt) {
  struct Row {
    const char* value;
  } rows[] = {{""}, {"x"}, {"a much longer value than before"}};
  for (const Row& r : rows) {
    FieldList f;
    f.add("Vary", "Accept");
    f.add("ETag", "\"t\"");
    f.set_value(0, r.value);
    EXPECT_EQ(f[0].value, r.value);
    EXPECT_EQ(f[1].name, "ETag");
    EXPECT_EQ(f[1].value, "\"t\"");
    EXPECT_EQ(f.http1_lines(), std::string("Vary: ") + r.value + "\r\nETag: \"t\"\r\n");
  }
  FieldList f;
  f.add("Vary", "Accept");
  f.set_value(0, f[0].value.substr(1));  // a value from the list itself
  EXPECT_EQ(f[0].value, "ccept");
}
