// Choosing a precompressed sidecar from Accept-Encoding, as a table.
#include "content_coding.hpp"

#include <gtest/gtest.h>

using namespace filehttpd;

TEST(ContentCoding, Table) {
  const std::vector<std::string> prefs = {"br", "zstd", "gzip"};
  constexpr unsigned all = 7, gz_only = 4, none = 0;
  struct Row {
    const char* accept;  // null: no header
    unsigned available;
    int index;
    bool not_acceptable;
  } rows[] = {
      {nullptr, all, -1, false},
      {"gzip, deflate, br, zstd", all, 0, false},
      {"gzip, deflate, br, zstd", gz_only, 2, false},
      {"gzip", all, 2, false},
      {"gzip;q=0.5, zstd", all, 1, false},
      {"br;q=0, gzip", all, 2, false},
      {"BR", all, 0, false},
      {"*", all, 0, false},
      {"*;q=0.1, gzip;q=0.5", all, 2, false},
      {"identity", all, -1, false},
      {"br;q=0.5, identity", all, -1, false},
      {"br, identity;q=0.5", all, 0, false},
      {"br;q=0.5, identity;q=0.5", all, 0, false},
      {"deflate, identity;q=0", all, -1, true},
      {"deflate, identity;q=0", none, -1, true},
      {"deflate, *;q=0", gz_only, -1, true},
      {"gzip, *;q=0", gz_only, 2, false},
      {"deflate, *;q=0, identity", gz_only, -1, false},
      {"", all, -1, false},
      {"br", none, -1, false},
      // A weight that is not a qvalue makes its item invalid: it is ignored.
      {"identity;q=-1, *;q=0", none, -1, true},
      {"identity;q=nan, *;q=0", none, -1, true},
      {"identity;q=0.5, *;q=0", none, -1, false},
      {"br;q=2, gzip;q=0.5, identity;q=0.1", all, 2, false},
      {"br;q=-1, br;q=0.5, identity;q=0.1", all, 0, false},
      {"gzip;q=1.5", gz_only, -1, false},
  };
  for (const Row& r : rows) {
    std::string accept = r.accept ? r.accept : "";
    CodingChoice c = choose_coding(r.accept ? &accept : nullptr, prefs, r.available);
    EXPECT_EQ(c.index, r.index) << (r.accept ? r.accept : "(none)") << " / " << r.available;
    EXPECT_EQ(c.not_acceptable, r.not_acceptable) << (r.accept ? r.accept : "(none)");
  }
  EXPECT_EQ(coding_suffix("br"), ".br");
  EXPECT_EQ(coding_suffix("zstd"), ".zst");
  EXPECT_EQ(coding_suffix("gzip"), ".gz");
  EXPECT_EQ(coding_suffix("deflate"), "");
}

// Only 32 preferences fit the bit set of available sidecars: a longer list
// never shifts past it, and its entries from the 33rd on are never chosen.
TEST(ContentCoding, LongPreferenceList) {
  std::vector<std::string> prefs(40, "x-none");
  prefs[31] = "br";
  prefs[32] = "gzip";
  prefs[39] = "zstd";
  const std::string accept = "gzip, zstd";
  EXPECT_EQ(choose_coding(&accept, prefs, 0xFFFFFFFFu).index, -1);
  const std::string br = "br, gzip";
  EXPECT_EQ(choose_coding(&br, prefs, 0xFFFFFFFFu).index, 31);
  EXPECT_EQ(choose_coding(&br, prefs, 0x7FFFFFFFu).index, -1);
}
