// CGI/1.1 in the http profile: environment and request bodies.
#include "cgi_fixture.hpp"

using namespace testing_support;
using namespace cgi_support;
using namespace std::chrono_literals;

TEST_F(Cgi, EnvironmentIsExact) {
  put("cgi/env.sh", k_env_script, 0755);
  start({}, {"env", "LEAKY_SERVER_VAR=1", "TZ=Europe/Paris"});
  std::string r =
      req("POST /cgi/env.sh/users/7?a=1&b=two HTTP/1.1\r\nHost: example.test:8080\r\n"
          "Content-Type: text/x-test\r\nContent-Length: 3\r\nX-Custom-Thing: v1\r\n"
          "Accept: a\r\nAccept: b\r\nProxy: http://evil:1\r\nX_Spoof: nope\r\n"
          "Authorization: Basic c2VjcmV0\r\nConnection: close\r\n\r\nabc");
  ASSERT_EQ(status_of(r), 200) << r;
  auto env = parse_env(dechunk(body_of(r)));
  EXPECT_EQ(env["GATEWAY_INTERFACE"], "CGI/1.1");
  EXPECT_EQ(env["SERVER_PROTOCOL"], "HTTP/1.1");
  EXPECT_EQ(env["SERVER_SOFTWARE"], "filehttpd/0.1.0");
  EXPECT_EQ(env["SERVER_NAME"], "example.test");
  EXPECT_EQ(env["SERVER_PORT"], std::to_string(port_));
  EXPECT_EQ(env["REQUEST_METHOD"], "POST");
  EXPECT_EQ(env["REQUEST_URI"], "/cgi/env.sh/users/7?a=1&b=two");
  EXPECT_EQ(env["SCRIPT_NAME"], "/cgi/env.sh");
  EXPECT_EQ(env["SCRIPT_FILENAME"], std::filesystem::canonical(root_).string() + "/cgi/env.sh");
  EXPECT_EQ(env["PATH_INFO"], "/users/7");
  EXPECT_EQ(env["PATH_TRANSLATED"], std::filesystem::canonical(root_).string() + "/users/7");
  EXPECT_EQ(env["QUERY_STRING"], "a=1&b=two");
  EXPECT_EQ(env["DOCUMENT_ROOT"], std::filesystem::canonical(root_).string());
  EXPECT_EQ(env["REMOTE_ADDR"], "127.0.0.1");
  EXPECT_FALSE(env["REMOTE_PORT"].empty());
  EXPECT_EQ(env["CONTENT_LENGTH"], "3");
  EXPECT_EQ(env["CONTENT_TYPE"], "text/x-test");
  EXPECT_EQ(env["HTTP_X_CUSTOM_THING"], "v1");
  EXPECT_EQ(env["HTTP_ACCEPT"], "a, b");
  EXPECT_EQ(env["HTTP_HOST"], "example.test:8080");
  EXPECT_EQ(env["PATH"], "/usr/local/bin:/usr/bin:/bin");
  EXPECT_EQ(env["TZ"], "Europe/Paris");
  EXPECT_EQ(env.count("HTTP_PROXY"), 0u);
  EXPECT_EQ(env.count("HTTP_CONNECTION"), 0u);
  EXPECT_EQ(env.count("HTTP_X_SPOOF"), 0u);
  EXPECT_EQ(env.count("HTTP_AUTHORIZATION"), 0u);
  EXPECT_EQ(env.count("HTTP_CONTENT_LENGTH"), 0u);
  EXPECT_EQ(env.count("HTTP_CONTENT_TYPE"), 0u);
  EXPECT_EQ(env.count("LEAKY_SERVER_VAR"), 0u);
  EXPECT_EQ(env["PWD"], std::filesystem::canonical(root_).string() + "/cgi");
  // php-cgi refuses to run without it; it says the server vetted the request.
  EXPECT_EQ(env["REDIRECT_STATUS"], "200");
}

// RFC 9112 section 3.2.2: an absolute-form target's authority wins over Host.
TEST_F(Cgi, AbsoluteFormAuthorityIsServerName) {
  put("env.sh", k_env_script, 0755);
  start();
  std::string r = req("GET http://other.example/env.sh?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(status_of(r), 200) << r;
  auto env = parse_env(dechunk(body_of(r)));
  EXPECT_EQ(env["SERVER_NAME"], "other.example");
  EXPECT_EQ(env["HTTP_HOST"], "other.example");
  EXPECT_EQ(env["QUERY_STRING"], "x=1");
}

// Hop-by-hop request fields never reach the script: the fixed list, Proxy-*,
// and every field the Connection header names.
TEST_F(Cgi, HopByHopFieldsStayOutOfTheEnvironment) {
  put("env.sh", k_env_script, 0755);
  start();
  std::string r =
      req("GET /env.sh HTTP/1.1\r\nHost: a\r\nConnection: close, X-Private\r\nKeep-Alive: timeout=5\r\n"
          "TE: trailers\r\nUpgrade: websocket\r\nProxy-Authorization: Basic eA==\r\nX-Private: secret\r\n"
          "X-Public: shown\r\n\r\n");
  ASSERT_EQ(status_of(r), 200) << r;
  auto env = parse_env(dechunk(body_of(r)));
  for (const char* name : {"HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_TE", "HTTP_UPGRADE", "HTTP_PROXY_AUTHORIZATION",
                           "HTTP_X_PRIVATE", "HTTP_TRANSFER_ENCODING"})
    EXPECT_EQ(env.count(name), 0u) << name;
  EXPECT_EQ(env["HTTP_X_PUBLIC"], "shown");
}

TEST_F(Cgi, QueryStringAlwaysSetAndNoBodyVariablesWithoutBody) {
  put("env.sh", k_env_script, 0755);
  start();
  std::string r = req("GET /env.sh HTTP/1.0\r\n\r\n");
  auto env = parse_env(body_of(r));
  EXPECT_EQ(env.count("QUERY_STRING"), 1u);
  EXPECT_EQ(env["QUERY_STRING"], "");
  EXPECT_EQ(env["SERVER_PROTOCOL"], "HTTP/1.0");
  EXPECT_EQ(env.count("CONTENT_LENGTH"), 0u);
  EXPECT_EQ(env.count("PATH_INFO"), 0u);
}

TEST_F(Cgi, PostBodies) {
  put("echo.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"len=$CONTENT_LENGTH\"\ncat\n", 0755);
  start();
  std::string r =
      req("POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world");
  EXPECT_EQ(dechunk(body_of(r)), "len=11\nhello world");
  std::string c =
      req("POST /echo.sh HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(dechunk(body_of(c)), "len=11\nhello world");
  // A body bigger than the pipe buffer streams through.
  std::string big(1 << 20, 'b');
  RunResult curl_big = curl({"--data-binary", "@" + base_.write("big.txt", big), url_ + "/echo.sh"});
  EXPECT_EQ(curl_big.out, "len=1048576\n" + big);
}

TEST_F(Cgi, ExpectContinue) {
  put("echo.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  start();
  int fd = connect_to(port_);
  std::string head =
      "POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n";
  send(fd, head.data(), head.size(), 0);
  // The 100 arrives before any body byte is sent (the script may answer its head at once too).
  std::string interim = read_n(fd, 25, 2s);
  ASSERT_EQ(interim.substr(0, 25), "HTTP/1.1 100 Continue\r\n\r\n");
  send(fd, "data", 4, 0);
  std::string rest = interim.substr(25) + read_all(fd, 3s);
  close(fd);
  EXPECT_EQ(status_of(rest), 200);
  EXPECT_EQ(dechunk(body_of(rest)), "data");
}

// A body over cgi.max_body is 413 whatever its framing, and no script runs for it.
TEST_F(Cgi, BodyOverLimitIs413BeforeAnyScriptRuns) {
  std::string mark = base_.path() + "/ran";
  put("echo.sh", "#!/bin/sh\ntouch " + mark + "\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  start({"--cgi-max-body", "100"});
  std::string r = req("POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'x'));
  EXPECT_EQ(status_of(r), 413);
  // The chunked body comes in two parts, with time between them for a script to start.
  int cfd = connect_to(port_);
  std::string part1 =
      "POST /echo.sh HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + std::string(100, 'y') + "\r\n";
  send(cfd, part1.data(), part1.size(), 0);
  sleep_for(300ms);
  std::string part2 = "1\r\nz\r\n0\r\n\r\n";
  send(cfd, part2.data(), part2.size(), 0);
  std::string chunked = read_all(cfd, 3s);
  close(cfd);
  EXPECT_EQ(status_of(chunked), 413) << chunked;
  // An announced length over the limit gets 413 at once, never 100 Continue.
  int fd = connect_to(port_);
  std::string head = "POST /echo.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 500\r\nExpect: 100-continue\r\n\r\n";
  send(fd, head.data(), head.size(), 0);
  std::string answer = read_all(fd, 3s);
  close(fd);
  EXPECT_EQ(status_of(answer), 413) << answer;
  EXPECT_EQ(answer.find("100 Continue"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(mark)) << "a script ran for a refused body";
  // Exactly at the limit, in chunks, is fine.
  std::string at_limit =
      req("POST /echo.sh HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          "32\r\n" +
          std::string(50, 'a') + "\r\n32\r\n" + std::string(50, 'b') + "\r\n0\r\n\r\n");
  EXPECT_EQ(dechunk(body_of(at_limit)), std::string(50, 'a') + std::string(50, 'b'));
}

// RFC 3875 section 4.1.2: CONTENT_LENGTH is set whenever there is a body,
// whatever its framing, and the script reads exactly that many bytes.
TEST_F(Cgi, ChunkedAndLengthBodiesReachTheScriptAlike) {
  put("len.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"len=$CONTENT_LENGTH\"\nmd5sum\n",
      0755);
  std::string body;
  std::uint32_t x = 777;
  for (int i = 0; i < 150000; ++i) {
    x = x * 1103515245u + 12345u;
    body.push_back(static_cast<char>(x >> 24));
  }
  RunResult md5 = run({"sh", "-c", "md5sum < " + base_.write("b.bin", body)});
  RunResult md5_empty = run({"sh", "-c", "md5sum < /dev/null"});
  start();
  std::string by_length =
      req("POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body);
  std::string chunks;
  for (std::size_t off = 0, n = 1; off < body.size(); off += n, n = n * 3 + 7) {
    std::size_t len = std::min(n, body.size() - off);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", len);
    chunks += size + body.substr(off, len) + "\r\n";
  }
  std::string by_chunks =
      req("POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks +
          "0\r\n\r\n");
  std::string expect = "len=150000\n" + md5.out;
  EXPECT_EQ(dechunk(body_of(by_length)), expect);
  EXPECT_EQ(dechunk(body_of(by_chunks)), expect);
  std::string empty_chunked =
      req("POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(dechunk(body_of(empty_chunked)), "len=0\n" + md5_empty.out);
  std::string empty_length = req("POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(dechunk(body_of(empty_length)), "len=0\n" + md5_empty.out);
}

// A body is read whole before its script starts; past the memory threshold
// it waits in an unlinked file in cgi.body_dir, which is gone afterwards.
TEST_F(Cgi, LargeBodyWaitsInAnUnlinkedFileBeforeTheScriptStarts) {
  put("len.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"len=$CONTENT_LENGTH\"\nmd5sum\n",
      0755);
  put("a.txt", "plain");
  std::string spool = base_.mkdir("spool");
  start({"--cgi-body-dir", spool});
  std::string body(300000, 'q');
  RunResult md5 = run({"sh", "-c", "md5sum < " + base_.write("b.bin", body)});
  int fd = connect_to(port_);
  std::string head = "POST /len.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 300000\r\n\r\n";
  std::string first = head + body.substr(0, 200000);
  ASSERT_EQ(send(fd, first.data(), first.size(), 0), static_cast<ssize_t>(first.size()));
  pid_t worker = children_of(server_->pid()).at(0);
  auto spool_fds = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(worker) + "/fd")) {
      std::error_code ec;
      auto target = std::filesystem::read_symlink(e.path(), ec).string();
      if (!ec && target.rfind(spool + "/", 0) == 0) ++n;
    }
    return n;
  };
  EXPECT_TRUE(wait_until([&] { return spool_fds() == 1; }, 3s)) << "no spill file in " << spool;
  EXPECT_TRUE(std::filesystem::is_empty(spool)) << "the spill file has a name";
  EXPECT_TRUE(worker_children().empty()) << "the script started before its body was complete";
  // A slow uploader holds its connection, never the worker.
  EXPECT_EQ(body_of(get("/a.txt")), "plain");
  std::string rest = body.substr(200000);
  ASSERT_EQ(send(fd, rest.data(), rest.size(), 0), static_cast<ssize_t>(rest.size()));
  std::string r = read_all(fd, 5s);
  close(fd);
  EXPECT_EQ(dechunk(body_of(r)), "len=300000\n" + md5.out);
  EXPECT_TRUE(wait_until([&] { return spool_fds() == 0; }, 3s)) << "the spill file stayed open";
}

// A full body_dir costs one request a 500, never the server: the next body that fits works.
TEST_F(Cgi, FullBodyDirIs500AndTheServerGoesOn) {
  put("len.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"len=$CONTENT_LENGTH\"\nmd5sum\n",
      0755);
  put("a.txt", "A");
  std::string spool = base_.mkdir("spool");
  std::string big = base_.write("big.bin", std::string(1 << 20, 'b'));
  std::string small = base_.write("small.bin", std::string(100000, 's'));
  std::string errlog = base_.path() + "/err.log";
  RunResult md5 = run({"sh", "-c", "md5sum < " + small});
  std::string url = "http://127.0.0.1:" + std::to_string(port_);
  std::string script = "mount -t tmpfs -o size=256k tmpfs " + spool + "\n" + FILEHTTPD_BIN + " --root " + root_ +
                       " --listen 127.0.0.1:" + std::to_string(port_) + " --cgi-body-dir " + spool + " 2>" + errlog +
                       " &\nSRV=$!\n"
                       "for i in $(seq 100); do curl -s -o /dev/null " +
                       url + "/a.txt && break; sleep 0.05; done\n" +
                       "curl -s -o /dev/null -w '%{http_code}\\n' --data-binary @" + big + " " + url + "/len.sh\n" +
                       "curl -s --data-binary @" + small + " " + url +
                       "/len.sh\n"
                       "kill -TERM $SRV; wait $SRV; echo rc=$?\n";
  RunResult r = run_with_private_mounts(script, 30s);
  if (private_mounts_refused(r)) GTEST_SKIP() << "this machine does not allow a private mount namespace: " << r.err;
  EXPECT_EQ(r.out, "500\nlen=100000\n" + md5.out + "rc=0\n") << r.err;
  std::string log = read_file(errlog);
  EXPECT_NE(log.find("cannot keep the request body in " + spool + ": No space left on device"), std::string::npos)
      << log;
}

TEST_F(Cgi, BodyDirMustBeUsable) {
  RunResult r = run({FILEHTTPD_BIN, "--root", root_, "--listen", "127.0.0.1:" + std::to_string(port_), "--cgi-body-dir",
                     base_.path() + "/missing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cgi.body_dir"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
}

// A body that stops arriving ends its connection after limits.body_timeout.
TEST_F(Cgi, StalledBodyTimesOut) {
  put("len.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n", 0755);
  start({"--body-timeout", "500ms"});
  int fd = connect_to(port_);
  std::string head = "POST /len.sh HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc";
  send(fd, head.data(), head.size(), 0);
  auto t0 = std::chrono::steady_clock::now();
  std::string r = read_all(fd, 5s);
  close(fd);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(status_of(r), 408) << r;
  EXPECT_TRUE(worker_children().empty());
}

// 300 uploads of 1 MiB from 6 concurrent clients to a script that reads all
// of its stdin: every response is 200 and every md5 matches (a body byte
// stranded between the socket and the pipe used to end in a 504).
TEST_F(Cgi, ConcurrentUploadsArriveWhole) {
  put("sum.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nmd5sum\n", 0755);
  std::string body;
  body.reserve(1u << 20);
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < (1u << 20); ++i) {
    x = x * 1103515245u + 12345u;
    body.push_back(static_cast<char>(x >> 24));
  }
  std::string file = base_.write("upload.bin", body);
  RunResult expect = run({"sh", "-c", "md5sum < " + file});
  ASSERT_EQ(expect.exit_code, 0);
  start({"--cgi-timeout", "5s"});
  constexpr int k_clients = 6, k_each = 50;
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < k_clients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < k_each; ++i) {
        // Alternate the framings; half the chunked ones also use 100-continue.
        std::string r;
        if ((i + c) % 2 == 0) {
          r = req("POST /sum.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body,
                  20s);
        } else {
          std::string msg = "POST /sum.sh HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n";
          if (i % 4 == 1) msg += "Expect: 100-continue\r\n";
          msg += "\r\n";
          for (std::size_t off = 0; off < body.size(); off += 100000) {
            std::size_t len = std::min<std::size_t>(100000, body.size() - off);
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", len);
            msg += size + body.substr(off, len) + "\r\n";
          }
          msg += "0\r\n\r\n";
          r = req(msg, 20s);
          if (r.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0) r = r.substr(25);
        }
        if (status_of(r) == 200 && dechunk(body_of(r)) == expect.out)
          ++ok;
        else
          ++bad;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), k_clients * k_each);
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(Cgi, ScriptThatIgnoresItsBodyDoesNotHurt) {
  put("noread.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nignored'\n", 0755);
  start();
  std::string big(2 << 20, 'z');
  RunResult r =
      curl({"--data-binary", "@" + base_.write("big.bin", big), url_ + "/noread.sh", "--next", url_ + "/noread.sh"});
  EXPECT_EQ(r.out, "ignoredignored");
  EXPECT_TRUE(server_->alive());
}
