// Compression on the fly, the decisions: type matching, the cache's names
// and tags, eviction, the choice of coding, and the encoders' round trip.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include "compress_cache.hpp"
#include "compress_codec.hpp"
#include "compress_config.hpp"
#include "compress_respond.hpp"
#include "content_coding.hpp"

using namespace filehttpd;

TEST(Compress, TypeTable) {
  const CompressConfig defaults;
  struct Row {
    const char* type;
    bool match;
  } rows[] = {
      {"text/html; charset=utf-8", true},
      {"text/css", true},
      {"TEXT/Plain", true},
      {"application/javascript", true},
      {"application/json", true},
      {"image/svg+xml", true},
      {"application/wasm", true},
      {"application/xml; charset=utf-8", true},
      {"image/png", false},
      {"image/jpeg", false},
      {"application/octet-stream", false},
      {"application/zip", false},
      {"video/mp4", false},
      {"text", false},
      {"textual/html", false},
      {"", false},
  };
  for (const Row& r : rows) EXPECT_EQ(compress_type_matches(defaults.types, r.type), r.match) << r.type;
  EXPECT_TRUE(compress_type_matches({"image/*"}, "image/png"));
  EXPECT_FALSE(compress_type_matches({"image/*"}, "image"));
  EXPECT_FALSE(compress_type_matches({}, "text/html"));
}

TEST(Compress, StaticSizeBounds) {
  CompressConfig c;
  EXPECT_FALSE(compress_static(c, "text/html", 1023));
  EXPECT_TRUE(compress_static(c, "text/html", 1024));
  EXPECT_TRUE(compress_static(c, "text/html", 16ull << 20));
  EXPECT_FALSE(compress_static(c, "text/html", (16ull << 20) + 1));
  EXPECT_FALSE(compress_static(c, "image/png", 4096));
  c.codings.clear();
  EXPECT_FALSE(compress_static(c, "text/html", 4096)) << "codings = [] turns it off";
}

TEST(Compress, CacheKeyChangesWithEveryField) {
  struct stat a {};
  a.st_dev = 2049;
  a.st_ino = 1234;
  a.st_size = 5000;
  a.st_mtim.tv_sec = 1700000000;
  a.st_mtim.tv_nsec = 5;
  std::string k = compress_cache_key(a);
  EXPECT_EQ(k.size(), 16u);
  EXPECT_EQ(compress_cache_key(a), k) << "stable";
  struct stat b = a;
  b.st_dev = 2050;
  EXPECT_NE(compress_cache_key(b), k);
  b = a;
  b.st_ino = 1235;
  EXPECT_NE(compress_cache_key(b), k);
  b = a;
  b.st_size = 5001;
  EXPECT_NE(compress_cache_key(b), k);
  b = a;
  b.st_mtim.tv_sec += 1;
  EXPECT_NE(compress_cache_key(b), k);
  b = a;
  b.st_mtim.tv_nsec = 6;
  EXPECT_NE(compress_cache_key(b), k);
  EXPECT_EQ(compress_entry_name(a, "gzip"), k + ".gz");
  EXPECT_EQ(compress_entry_name(a, "zstd"), k + ".zst");
  EXPECT_EQ(compress_entry_name(a, "br"), k + ".br");
}

TEST(Compress, EntryNames) {
  struct Row {
    const char* name;
    bool entry;
  } rows[] = {
      {"0123456789abcdef.gz", true}, {"0123456789abcdef.zst", true}, {"0123456789abcdef.br", true},
      {"0123456789abcdef.gz.tmp", false}, {"0123456789ABCDEF.gz", false}, {"0123456789abcde.gz", false},
      {".lock", false}, {"0123456789abcdef.txt", false}, {"..", false},
  };
  for (const Row& r : rows) EXPECT_EQ(is_compress_entry(r.name), r.entry) << r.name;
}

TEST(Compress, VariantEtag) {
  EXPECT_EQ(variant_etag("\"1a-2b-3c.0\"", "gzip"), "\"1a-2b-3c.0-gzip\"");
  EXPECT_EQ(variant_etag("\"x\"", "zstd"), "\"x-zstd\"");
  EXPECT_EQ(variant_etag("\"x\"", "br"), "\"x-br\"");
}

TEST(Compress, EvictionTable) {
  std::vector<CacheEntry> e = {{"c", 300, 30}, {"a", 100, 10}, {"b", 200, 20}};
  struct Row {
    std::uint64_t incoming, cap;
    std::vector<std::string> out;
  } rows[] = {
      {0, 600, {}},
      {0, 599, {"a"}},
      {100, 600, {"a"}},
      {150, 600, {"a", "b"}},
      {0, 300, {"a", "b"}},
      {0, 0, {"a", "b", "c"}},
      {1000, 600, {"a", "b", "c"}},
  };
  for (const Row& r : rows)
    EXPECT_EQ(plan_eviction(e, r.incoming, r.cap), r.out) << r.incoming << " into " << r.cap;
  // Equal times: by name, so the order is stable.
  EXPECT_EQ(plan_eviction({{"y", 10, 5}, {"x", 10, 5}}, 0, 10), std::vector<std::string>{"x"});
}

TEST(Compress, ChoiceOverAllCodings) {
  const CompressConfig c;  // zstd, br, gzip
  struct Row {
    const char* accept;
    int index;
  } rows[] = {
      {nullptr, -1},
      {"gzip, deflate, br, zstd", 0},
      {"gzip, deflate, br", 1},
      {"gzip, deflate", 2},
      {"br;q=0.9, gzip", 2},
      {"deflate", -1},
      {"identity", -1},
      {"*", 0},
      {"zstd;q=0, *", 1},
  };
  for (const Row& r : rows) {
    std::string a = r.accept ? r.accept : "";
    EXPECT_EQ(choose_coding(r.accept ? &a : nullptr, c.codings, 7).index, r.index) << a;
  }
}

TEST(Compress, GzipRoundTripThroughZlib) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i % 97) + "\n";
  for (int level : {k_stream_level, k_cache_level_gzip}) {
    auto enc = StreamEncoder::make("gzip", level);
    ASSERT_TRUE(enc);
    std::string out;
    ASSERT_TRUE(enc->update(std::string_view(text).substr(0, 1000), out));
    ASSERT_TRUE(enc->flush(out));
    ASSERT_TRUE(enc->update(std::string_view(text).substr(1000), out));
    ASSERT_TRUE(enc->finish(out));
    ASSERT_LT(out.size(), text.size() / 4);
    z_stream z{};
    ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
    std::string back(text.size() + 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(out.data());
    z.avail_in = static_cast<uInt>(out.size());
    z.next_out = reinterpret_cast<Bytef*>(back.data());
    z.avail_out = static_cast<uInt>(back.size());
    EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
    back.resize(back.size() - z.avail_out);
    inflateEnd(&z);
    EXPECT_EQ(back, text);
  }
  EXPECT_TRUE(StreamEncoder::make("zstd", 1));
  EXPECT_TRUE(StreamEncoder::make("br", 9));
  EXPECT_FALSE(StreamEncoder::make("deflate", 1));
}

TEST(Compress, CgiStreamCodingTable) {
  CompressConfig c;  // zstd, br, gzip: br is never a stream coding of ours
  struct Row {
    const char* accept;  // null: no header
    std::vector<std::string> codings;
    const char* want;
  } rows[] = {
      {nullptr, c.codings, ""},
      {"gzip, deflate, br, zstd", c.codings, "zstd"},
      {"gzip, deflate, br", c.codings, "gzip"},
      {"br", c.codings, ""},
      {"gzip;q=0.5, zstd;q=0.8, identity;q=0.1", c.codings, "zstd"},
      {"gzip;q=0.5, zstd;q=0.8", c.codings, ""},  // identity, unnamed, counts as q=1 (as for sidecars)
      {"zstd;q=0, gzip", c.codings, "gzip"},
      {"gzip;q=0.5, identity;q=0", c.codings, "gzip"},
      {"gzip;q=0.5, identity", c.codings, ""},
      {"identity", c.codings, ""},
      {"*", c.codings, "zstd"},
      {"gzip, zstd", {"gzip", "zstd"}, "gzip"},
      {"gzip, zstd", {"br"}, ""},
      {"gzip, zstd", {}, ""},
  };
  for (const Row& r : rows) {
    Request req;
    if (r.accept) req.headers.push_back({"Accept-Encoding", r.accept});
    req.header_count = req.headers.size();
    CompressConfig cfg;
    cfg.codings = r.codings;
    EXPECT_EQ(cgi_stream_coding(cfg, req), r.want) << (r.accept ? r.accept : "(none)");
  }
}
