// CGI output of a compressible type to a client that accepts gzip or zstd:
// compressed as a stream (gzip 1 / zstd 1), chunked; never when the script
// chose its own Content-Encoding, never for other types.
#include <gtest/gtest.h>

#include "site_fixture.hpp"

using namespace testing_support;

namespace {

class CompressCgi : public SiteServerTest {
 protected:
  void SetUp() override {
    SiteServerTest::SetUp();
    // 30000 bytes of text: lines of a counter.
    put("text.cgi",
        "#!/bin/sh\nprintf 'Content-Type: text/plain; charset=utf-8\\r\\nETag: \"v1\"\\r\\n\\r\\n'\n"
        "i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done | head -c 30000\n",
        0755);
    put("png.cgi", "#!/bin/sh\nprintf 'Content-Type: image/png\\r\\n\\r\\n'\nhead -c 5000 /dev/zero\n", 0755);
    put("own.cgi",
        "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Encoding: gzip\\r\\n\\r\\n'\n"
        "printf 'already compressed, honestly' | gzip -c\n",
        0755);
    put("sized.cgi",
        "#!/bin/sh\nprintf 'Content-Type: application/json\\r\\nContent-Length: 2000\\r\\n\\r\\n'\n"
        "yes x | head -c 2000\n",
        0755);
    start_config("profile = \"http\"\n[cgi]\npaths = [\"/\"]\n[compress]\ncache_dir = \"" + base_.path() +
                 "/zcache\"\n");
  }
  std::string expected_text() {
    std::string s;
    for (int i = 0; i < 3000; ++i) s += "line " + std::to_string(i) + "\n";
    return s.substr(0, 30000);
  }
  // Decodes body with a command line tool ("gzip -dc", ...); "error: ..." when it fails.
  std::string decode(const std::string& cmd, const std::string& body) {
    std::string file = base_.write("coded-" + std::to_string(++files_), body);
    RunResult r = run({"sh", "-c", cmd + " < '" + file + "'"});
    return r.exit_code == 0 ? r.out : "error: " + r.err;
  }
  int files_ = 0;
};

}  // namespace

TEST_F(CompressCgi, CurlCompressedDecodesTheStream) {
  RunResult r = curl({"-s", "--compressed", "-D", "-", url_ + "/text.cgi"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string head = r.out.substr(0, r.out.find("\r\n\r\n") + 4);
  EXPECT_FALSE(header(head, "Content-Encoding").empty()) << head;
  EXPECT_EQ(header(head, "Transfer-Encoding"), "chunked");
  EXPECT_EQ(header(head, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(head, "ETag"), "W/\"v1\"") << "the script's strong tag names other bytes now";
  EXPECT_TRUE(r.out.substr(head.size()) == expected_text());
}

TEST_F(CompressCgi, EachStreamCodingRoundTrips) {
  struct Row {
    const char* accept;
    const char* coding;
    const char* tool;
  } rows[] = {{"gzip", "gzip", "gzip -dc"}, {"zstd", "zstd", "zstd -dc"}, {"br, gzip", "gzip", "gzip -dc"}};
  for (const Row& row : rows) {
    // curl undoes the chunked framing, not the coding.
    RunResult r = curl({"-s", "-H", std::string("Accept-Encoding: ") + row.accept, "-D", "-", url_ + "/text.cgi"});
    std::string head = r.out.substr(0, r.out.find("\r\n\r\n") + 4);
    EXPECT_EQ(header(head, "Content-Encoding"), row.coding) << row.accept;
    std::string body = r.out.substr(head.size());
    EXPECT_LT(body.size(), 15000u);
    EXPECT_TRUE(decode(row.tool, body) == expected_text()) << row.accept;
  }
  // A declared length goes: the compressed length is not known in advance.
  RunResult sized = curl({"-s", "-H", "Accept-Encoding: gzip", "-D", "-", url_ + "/sized.cgi"});
  std::string head = sized.out.substr(0, sized.out.find("\r\n\r\n") + 4);
  EXPECT_EQ(header(head, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(head, "Content-Length"), "");
  std::string xs;
  for (int i = 0; i < 1000; ++i) xs += "x\n";
  EXPECT_TRUE(decode("gzip -dc", sized.out.substr(head.size())) == xs);
}

TEST_F(CompressCgi, LeftAloneWhenItShouldBe) {
  // No Accept-Encoding; only br (no stream coding of ours); identity only.
  for (const char* extra : {"", "Accept-Encoding: br\r\n", "Accept-Encoding: identity\r\n"}) {
    std::string r = get("/text.cgi", extra);
    EXPECT_EQ(header(r, "Content-Encoding"), "") << extra;
    EXPECT_EQ(header(r, "ETag"), "\"v1\"");
  }
  std::string png = get("/png.cgi", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(header(png, "Content-Encoding"), "") << "not a compressible type";
  RunResult own = curl({"-s", "-H", "Accept-Encoding: gzip, zstd", "-D", "-", url_ + "/own.cgi"});
  std::string head = own.out.substr(0, own.out.find("\r\n\r\n") + 4);
  EXPECT_EQ(header(head, "Content-Encoding"), "gzip") << "the script's own coding, once";
  EXPECT_EQ(decode("gzip -dc", own.out.substr(head.size())), "already compressed, honestly");
}

TEST_F(CompressCgi, HeadGetsTheSameHeadWithoutABody) {
  std::string r = req("HEAD /text.cgi HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
  EXPECT_EQ(body_of(r), "");
}

TEST_F(CompressCgi, OffWithEmptyCodings) {
  start_config("profile = \"http\"\n[cgi]\npaths = [\"/\"]\n[compress]\ncodings = []\n");
  std::string r = get("/text.cgi", "Accept-Encoding: gzip, zstd\r\n");
  EXPECT_EQ(header(r, "Content-Encoding"), "");
  EXPECT_EQ(header(r, "Vary"), "");
}
