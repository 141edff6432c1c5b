// HTTP/2: h2c with prior knowledge (--h2c) checked with curl and nghttp:
// exact statuses and fields, whole bodies, and the access log's HTTP/2.0
// lines. HTTP/2 over TLS (ALPN h2) is in tls_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <string>

#include "harness.hpp"

using namespace testing_support;
using namespace std::chrono_literals;

namespace {

class H2c : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    if (access("/usr/bin/nghttp", X_OK) != 0) GTEST_SKIP() << "nghttp is missing (install-deps.sh --test)";
    big_.reserve(6u << 20);
    for (std::size_t i = 0; big_.size() < (6u << 20); ++i) big_ += std::to_string(i * 2654435761u) + "\n";
    big_.resize(6u << 20);
    put("big.bin", big_);
    put("index.html", "hello over h2\n");
    put("dir/a.txt", "a\n");
  }

  // curl with HTTP/2 prior knowledge to path on the server, plus args.
  RunResult h2c(const std::string& path, std::vector<std::string> args = {}) {
    args.insert(args.begin(), "--http2-prior-knowledge");
    args.push_back("http://127.0.0.1:" + std::to_string(port_) + path);
    return curl(args);
  }

  // Runs the python3-h2 client below against the server in mode; its stdout.
  RunResult h2_client(const std::string& mode, const std::string& arg = "") {
    std::string path = base_.write("h2_client.py", k_h2_client);
    return run({"/usr/bin/python3", path, std::to_string(port_), mode, arg}, 30s);
  }

  // A python3-h2 client that mounts one misbehaviour (mode) and prints what the server answered.
  static constexpr const char* k_h2_client = R"PY(
import socket, sys, time, h2.connection, h2.config, h2.events, h2.settings
port = int(sys.argv[1]); mode = sys.argv[2]
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
c = h2.connection.H2Connection(h2.config.H2Configuration(
    client_side=True, validate_outbound_headers=False, normalize_outbound_headers=False))
c.initiate_connection(); s.sendall(c.data_to_send())
def pump(until, limit):
    t = time.time(); out = []
    while time.time() - t < limit:
        try: d = s.recv(65536)
        except socket.timeout: break
        if not d: out.append("closed"); break
        out += c.receive_data(d)
        try: s.sendall(c.data_to_send())
        except OSError: out.append("closed"); break
        if until(out): break
    return out
def ended(o): return any(isinstance(e, h2.events.ConnectionTerminated) for e in o) or "closed" in o
hdr = [(":method", "GET"), (":path", "/index.html"), (":scheme", "http"), (":authority", "x")]
if mode == "big":
    c.send_headers(1, hdr + [("x-big", "a" * 40000)], end_stream=True); s.sendall(c.data_to_send())
    for e in pump(lambda o: any(isinstance(e, (h2.events.StreamEnded, h2.events.StreamReset)) for e in o), 5):
        if isinstance(e, h2.events.ResponseReceived): print("status", dict(e.headers)[b":status"].decode())
        if isinstance(e, h2.events.StreamReset): print("reset", int(e.error_code))
elif mode == "resets":
    sid = 1
    for i in range(400):
        # A connection-specific field makes the request malformed: the server resets the stream.
        c.send_headers(sid, hdr + [("connection", "close")], end_stream=True)
        try: s.sendall(c.data_to_send())
        except OSError: break
        sid += 2
    ev = pump(ended, 8)
    print("resets", sum(isinstance(e, h2.events.StreamReset) for e in ev))
    for e in ev:
        if isinstance(e, h2.events.ConnectionTerminated): print("goaway", int(e.error_code))
elif mode == "rapid":
    # Rapid Reset: HEADERS then RST_STREAM, over and over.
    sid = 1; sent = 0
    for i in range(5000):
        c.send_headers(sid, [(":method", "GET"), (":path", "/big.bin"), (":scheme", "http"), (":authority", "x")],
                       end_stream=True)
        c.reset_stream(sid)
        try: s.sendall(c.data_to_send())
        except OSError: break
        sent += 1; sid += 2
    ev = pump(ended, 8)
    print("sent", "all" if sent == 5000 else "some")
    for e in ev:
        if isinstance(e, h2.events.ConnectionTerminated): print("goaway", int(e.error_code))
    if "closed" in ev: print("closed")
elif mode == "zerowindow":
    # Slowloris with flow control: every window at 0, then a request for a big file.
    c.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0}); s.sendall(c.data_to_send())
    c.send_headers(1, [(":method", "GET"), (":path", "/big.bin"), (":scheme", "http"), (":authority", "x")],
                   end_stream=True)
    s.sendall(c.data_to_send())
    t = time.time()
    ev = pump(ended, 10)
    print("headers" if any(isinstance(e, h2.events.ResponseReceived) for e in ev) else "no headers")
    print("closed" if "closed" in ev else "open", "after %.0f" % (time.time() - t))
elif mode == "shrink":
    # Reads 128 KiB of the 6 MiB file, cuts the file to 200 KiB (argv[3]), then reads on.
    c.send_headers(1, [(":method", "GET"), (":path", "/big.bin"), (":scheme", "http"), (":authority", "x")],
                   end_stream=True)
    s.sendall(c.data_to_send())
    got = 0; cut = False; t = time.time(); how = "timeout"
    while time.time() - t < 10 and how == "timeout":
        try: d = s.recv(65536)
        except socket.timeout: break
        except OSError: d = b""  # a reset: the server closed with our bytes unread
        if not d: how = "closed"; break
        for e in c.receive_data(d):
            if isinstance(e, h2.events.DataReceived):
                got += len(e.data)
                c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            if isinstance(e, h2.events.StreamEnded): how = "complete"
            if isinstance(e, h2.events.StreamReset): how = "reset"
            if isinstance(e, h2.events.ConnectionTerminated): how = "goaway"
        if got >= 128 * 1024 and not cut:
            open(sys.argv[3], "r+b").truncate(200 * 1024); cut = True
        try: s.sendall(c.data_to_send())
        except OSError: how = "closed"
    print(how, "short" if got < 6 * 1024 * 1024 else "whole")
elif mode in ("idle", "term"):
    c.send_headers(1, hdr, end_stream=True); s.sendall(c.data_to_send())
    pump(lambda o: any(isinstance(e, h2.events.StreamEnded) for e in o), 5)
    print("served", flush=True)
    t = time.time()
    for e in pump(ended, 10):
        if isinstance(e, h2.events.ConnectionTerminated):
            print("goaway", int(e.error_code), e.last_stream_id)
    print("after %.1f" % (time.time() - t))
)PY";

  std::string big_;
};

}  // namespace

TEST_F(H2c, FilesHeadRangesAndValidators) {
  start({"--h2c", "--listing"});
  RunResult r = h2c("/index.html", {"-i"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/2 200 \r\n")) << r.out;
  EXPECT_NE(r.out.find("\r\ncontent-type: text/html; charset=utf-8\r\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\ncontent-length: 14\r\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\nserver: filehttpd/"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("onnection:"), std::string::npos) << r.out;  // no connection-specific fields
  EXPECT_TRUE(r.out.ends_with("\r\n\r\nhello over h2\n")) << r.out;
  std::string etag = header(r.out, "etag");
  ASSERT_FALSE(etag.empty()) << r.out;

  r = h2c("/big.bin");
  EXPECT_TRUE(r.out == big_) << "the 6 MiB body differs (" << r.out.size() << " bytes)";
  r = h2c("/big.bin", {"-I"});
  EXPECT_NE(r.out.find("\r\ncontent-length: 6291456\r\n"), std::string::npos) << r.out;
  r = h2c("/big.bin", {"-i", "-r", "100-109"});
  EXPECT_TRUE(r.out.starts_with("HTTP/2 206 \r\n")) << r.out;
  EXPECT_NE(r.out.find("\r\ncontent-range: bytes 100-109/6291456\r\n"), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.ends_with("\r\n\r\n" + big_.substr(100, 10))) << r.out;
  r = h2c("/big.bin", {"-i", "-r", "0-1,10-11"});
  EXPECT_NE(r.out.find("\r\ncontent-type: multipart/byteranges; boundary="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Content-Range: bytes 10-11/6291456\r\n\r\n" + big_.substr(10, 2)), std::string::npos)
      << r.out;
  r = h2c("/index.html", {"-i", "-H", "If-None-Match: " + etag});
  EXPECT_TRUE(r.out.starts_with("HTTP/2 304 \r\n")) << r.out;
  r = h2c("/index.html", {"-i", "-H", "If-Match: \"other\""});
  EXPECT_TRUE(r.out.starts_with("HTTP/2 412 \r\n")) << r.out;
  r = h2c("/nope", {"-i"});
  EXPECT_TRUE(r.out.starts_with("HTTP/2 404 \r\n")) << r.out;
  EXPECT_NE(r.out.find("<h1>404 Not Found</h1>"), std::string::npos) << r.out;
  r = h2c("/dir/", {"-i"});
  EXPECT_TRUE(r.out.starts_with("HTTP/2 200 \r\n")) << r.out;
  EXPECT_NE(r.out.find("a.txt"), std::string::npos) << r.out;
  r = h2c("/dir", {"-i"});
  EXPECT_TRUE(r.out.starts_with("HTTP/2 301 \r\n")) << r.out;
  EXPECT_EQ(header(r.out, "location"), "/dir/") << r.out;
  // One access-log line per stream, with HTTP/2.0 as the protocol.
  ASSERT_TRUE(wait_until([&] { return server_->stderr_text().find("\"GET /dir HTTP/2.0\" 301") != std::string::npos; },
                         5s))
      << server_->stderr_text();
  EXPECT_NE(server_->stderr_text().find("\"GET /big.bin HTTP/2.0\" 200 6291456 "), std::string::npos);
  EXPECT_NE(server_->stderr_text().find("\"HEAD /big.bin HTTP/2.0\" 200 0 "), std::string::npos);
}

TEST_F(H2c, ManyStreamsOnOneConnectionAndTheSettings) {
  start({"--h2c"});
  std::string base = "http://127.0.0.1:" + std::to_string(port_);
  RunResult r = run({"nghttp", "-nv", base + "/index.html", base + "/big.bin", base + "/nope"}, 30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[SETTINGS_INITIAL_WINDOW_SIZE(0x04):1048576]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(":status: 404"), std::string::npos) << r.out;
  // 50 streams at once on one connection (nghttp sends them together). curl
  // 7.88 cannot reuse a prior-knowledge connection (curl issue 10634), so
  // nghttp is the client here.
  std::vector<std::string> args = {"nghttp", "-nv"};
  for (int i = 0; i < 50; ++i) args.push_back(base + "/index.html?" + std::to_string(i));
  r = run(args, 30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t ok = 0;
  for (std::size_t at = r.out.find(":status: 200"); at != std::string::npos; at = r.out.find(":status: 200", at + 1))
    ++ok;
  EXPECT_EQ(ok, 50u) << r.out;
  EXPECT_TRUE(wait_until(
      [&] {
        std::string text = server_->stderr_text();
        std::size_t lines = 0;
        for (std::size_t at = text.find("HTTP/2.0\" 200 14 "); at != std::string::npos;
             at = text.find("HTTP/2.0\" 200 14 ", at + 1))
          ++lines;
        return lines >= 51;
      },
      5s))
      << server_->stderr_text();
}

TEST_F(H2c, OffByDefaultThePrefaceGets505) {
  start();
  std::string resp = req("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  EXPECT_EQ(status_of(resp), 505) << resp;
  // Upgrade: h2c is ignored: the answer is HTTP/1.1.
  resp = req("GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
             "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(resp), 200) << resp;
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 200 OK\r\n")) << resp;
}

TEST_F(H2c, Http1StillWorksWithH2cOn) {
  start({"--h2c"});
  std::string resp = get("/index.html");
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 200 OK\r\n")) << resp;
  EXPECT_TRUE(resp.ends_with("\r\n\r\nhello over h2\n")) << resp;
}

TEST_F(H2c, AHeaderListOverTheLimitGets431) {
  start({"--h2c", "--header-bytes", "8k"});
  RunResult r = h2_client("big");
  EXPECT_EQ(r.out, "status 431\n") << r.err;
}

TEST_F(H2c, StreamsTheServerHasToResetEndInEnhanceYourCalm) {
  start({"--h2c"});
  RunResult r = h2_client("resets");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The budget is 200 resets; the GOAWAY comes with the next (ENHANCE_YOUR_CALM is 0xb).
  EXPECT_NE(r.out.find("resets 201\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("goaway 11\n"), std::string::npos) << r.out;
  // Other clients are served meanwhile and after.
  EXPECT_EQ(h2c("/index.html").out, "hello over h2\n");
}

TEST_F(H2c, RapidResetEndsTheConnection) {
  start({"--h2c"});
  double cpu_before = cpu_seconds(children_of(server_->pid()).at(0));
  RunResult r = h2_client("rapid");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // nghttp2's limiter: past a burst of 1000 resets the session ends with GOAWAY (INTERNAL_ERROR, 2).
  EXPECT_NE(r.out.find("goaway 2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("closed"), std::string::npos) << r.out;
  double cpu = cpu_seconds(children_of(server_->pid()).at(0)) - cpu_before;
  EXPECT_LT(cpu, 2.0) << "the worker spent " << cpu << " s of CPU on the attack";
  EXPECT_EQ(h2c("/index.html").out, "hello over h2\n");
}

TEST_F(H2c, APeerHoldingEveryWindowAtZeroIsClosedBySendTimeout) {
  start({"--h2c", "--send-timeout", "2"});
  RunResult r = h2_client("zerowindow");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "headers\nclosed after 2\n") << r.err;
}

TEST_F(H2c, ABigFileDoesNotHoldUpSmallFilesAskedAfterIt) {
  start({"--h2c"});
  std::string base = "http://127.0.0.1:" + std::to_string(port_);
  // The 6 MiB file is stream 13, the small file stream 15: it must end first.
  RunResult r = run({"nghttp", "-nv", base + "/big.bin", base + "/index.html"}, 30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // DATA frames with END_STREAM (flags 0x01) end each response.
  std::size_t small_end = r.out.find("flags=0x01, stream_id=15>");
  std::size_t big_end = r.out.find("flags=0x01, stream_id=13>");
  ASSERT_NE(small_end, std::string::npos) << r.out.substr(0, 4000);
  ASSERT_NE(big_end, std::string::npos);
  EXPECT_LT(small_end, big_end);
}

// DATA frames carry the file by reference: when it shrinks under a response,
// the frame whose bytes are gone cannot be completed, so the connection ends
// (close or reset, never a short frame or a hang), and the worker goes on.
TEST_F(H2c, AFileThatShrinksMidResponseEndsOnlyItsConnection) {
  start({"--h2c"});
  pid_t worker = children_of(server_->pid()).at(0);
  RunResult r = h2_client("shrink", root_ + "/big.bin");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == "closed short\n" || r.out == "reset short\n" || r.out == "goaway short\n") << r.out << r.err;
  EXPECT_EQ(h2c("/index.html").out, "hello over h2\n");
  EXPECT_EQ(children_of(server_->pid()).at(0), worker) << "the worker was replaced";
}

TEST_F(H2c, AnIdleConnectionGetsGoawayAfterTheKeepaliveTimeout) {
  start({"--h2c", "--keepalive-timeout", "1"});
  RunResult r = h2_client("idle");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("served\ngoaway 0 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("after 1."), std::string::npos) << r.out;
}

TEST_F(H2c, SigtermSendsGoawayWithTheLastStream) {
  start({"--h2c"});
  std::string path = base_.write("h2_client.py", k_h2_client);
  std::string out = base_.path() + "/client.out";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::freopen(out.c_str(), "w", stdout);
    execl("/usr/bin/python3", "python3", path.c_str(), std::to_string(port_).c_str(), "term", nullptr);
    _exit(127);
  }
  ASSERT_TRUE(wait_until([&] { return read_file(out).find("served") != std::string::npos; }, 10s)) << read_file(out);
  server_->signal(SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_NE(read_file(out).find("goaway 0 1\n"), std::string::npos) << read_file(out);
}
