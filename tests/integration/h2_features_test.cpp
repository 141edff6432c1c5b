// What HTTP/2 changes for CGI, with curl over h2c (prior knowledge) and over
// TLS (ALPN h2): SERVER_PROTOCOL=HTTP/2, no connection-specific fields in the
// environment, and none of a script's relayed. The other features over h2 are
// the transport suite's (transport_*_test.cpp, its h2c and h2 values).
#include "h2_fixture.hpp"

using namespace h2_support;

namespace {

enum class Mode { h2c, h2tls };

std::string mode_name(const ::testing::TestParamInfo<Mode>& info) {
  return info.param == Mode::h2c ? "h2c" : "h2tls";
}

class H2Features : public H2, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    H2::SetUp();
    if (IsSkipped()) return;
    put("env.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv\n", 0755);
    put("hop.cgi",
        "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nConnection: close\\r\\nKeep-Alive: timeout=5\\r\\n"
        "Transfer-Encoding: chunked\\r\\nX-Kept: yes\\r\\n\\r\\nbody'\n",
        0755);
    std::vector<std::string> args{"--h2c", "--workers", "1"};
    if (GetParam() == Mode::h2tls) {
      add_tls(args);
      if (IsSkipped() || HasFatalFailure()) return;
    }
    start(args);
  }
  // curl over this mode: -i (head and body in out), then args and the URL of path.
  RunResult h2(const std::string& path, std::vector<std::string> args = {}) {
    std::vector<std::string> all{"-i"};
    if (GetParam() == Mode::h2c) {
      all.push_back("--http2-prior-knowledge");
    } else {
      all.insert(all.end(), {"--http2", "--cacert", pki_ + "/ca.pem", "--resolve",
                             "localhost:" + std::to_string(tls_port_) + ":127.0.0.1"});
    }
    all.insert(all.end(), args.begin(), args.end());
    all.push_back(GetParam() == Mode::h2c ? url_ + path : "https://localhost:" + std::to_string(tls_port_) + path);
    return curl(all);
  }
};

TEST_P(H2Features, CgiSeesHttp2AndNoConnectionFields) {
  std::string body(300000, 'b');
  std::string file = base_.write("post.bin", body);
  RunResult r = h2("/env.cgi?x=1", {"--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"});
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out << r.err;
  std::string env = body_of(r.out);
  EXPECT_NE(env.find("SERVER_PROTOCOL=HTTP/2\n"), std::string::npos) << env;
  EXPECT_NE(env.find("CONTENT_LENGTH=300000\n"), std::string::npos) << env;
  EXPECT_NE(env.find("REQUEST_METHOD=POST\n"), std::string::npos) << env;
  EXPECT_NE(env.find("QUERY_STRING=x=1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("HTTP_HOST="), std::string::npos) << "the :authority becomes HTTP_HOST: " << env;
  for (const char* hop : {"HTTP_CONNECTION=", "HTTP_KEEP_ALIVE=", "HTTP_TRANSFER_ENCODING=", "HTTP_UPGRADE=",
                          "HTTP_TE=", "HTTP2_SETTINGS="})
    EXPECT_EQ(env.find(hop), std::string::npos) << hop << " in " << env;

  r = h2("/hop.cgi");
  EXPECT_EQ(r.out.substr(0, 13), "HTTP/2 200 \r\n") << r.out << r.err;
  EXPECT_EQ(header(r.out, "x-kept"), "yes") << r.out;
  EXPECT_EQ(header(r.out, "connection"), "") << r.out;
  EXPECT_EQ(header(r.out, "keep-alive"), "") << r.out;
  EXPECT_EQ(header(r.out, "transfer-encoding"), "") << r.out;
  EXPECT_EQ(body_of(r.out), "body");
}

INSTANTIATE_TEST_SUITE_P(Modes, H2Features, ::testing::Values(Mode::h2c, Mode::h2tls), mode_name);

}  // namespace
