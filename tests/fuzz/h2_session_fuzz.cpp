// libFuzzer target: arbitrary client bytes after the connection preface go
// through the HTTP/2 session, its streams and their exchanges (files from a
// small document root; CGI off), over a transport that takes every byte and
// has none to read. Fed in two pieces cut where the input's first byte says,
// so frames also arrive split. Nothing may crash, leak or trip UBSan.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth_gate.hpp"
#include "config.hpp"
#include "h2_session.hpp"
#include "reply.hpp"
#include "transport.hpp"
#include "worker.hpp"

using namespace filehttpd;

namespace {

// Takes every byte written (file ranges by pread) and has nothing to read.
class SinkTransport final : public Transport {
 public:
  ssize_t read(char*, std::size_t) override {
    errno = EAGAIN;
    return -1;
  }
  ssize_t send_iov(const iovec* iov, int count, bool) override {
    ssize_t n = 0;
    for (int i = 0; i < count; ++i) n += static_cast<ssize_t>(iov[i].iov_len);
    return n;
  }
  ssize_t send_file(int fd, off_t* offset, std::size_t len) override {
    char buf[16384];
    ssize_t n = pread(fd, buf, std::min(len, sizeof buf), *offset);
    if (n > 0) *offset += n;
    return n;
  }
  void shutdown_write() override {}
};

// The connection as the streams see it: one fixed plain-TCP peer (no [[auth]], so nothing waits).
class FakeConnection final : public ExchangeHost, public AuthWaiter {
 public:
  void auth_verified(bool) override {}
  void send_response() override {}
  void collect_body(Route, bool) override {}
  int run_script(const CgiSpawn&, const CgiResponseShape&, std::string) override { return ENOSYS; }
  const std::string& peer() override { return peer_; }
  PeerInfo peer_info() override { return {}; }
  const sockaddr_storage& peer_address() const override { return addr_; }
  bool secure() const override { return false; }
  std::string_view sni() const override { return {}; }
  AuthWaiter& auth_waiter() override { return *this; }
  void wait_for_auth() override {}

 private:
  std::string peer_ = "127.0.0.1:1";
  sockaddr_storage addr_{};
};

// A document root with a page, a small file and a 256 KiB one, and a worker over it.
struct Fixture {
  Fixture() {
    char tmpl[] = "/tmp/filehttpd-h2fuzz-XXXXXX";
    root = mkdtemp(tmpl);
    write_file("index.html", "<!doctype html><title>t</title>\n");
    write_file("a.txt", "0123456789abcdefghij");
    write_file("big.bin", std::string(256 * 1024, 'b'));
    cfg.root = root;
    cfg.h2c = true;
    cfg.cgi.enabled = false;
    root_fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    worker = new Worker(cfg, {}, -1, {SiteRoot{root_fd, root}});
  }
  void write_file(const std::string& name, const std::string& body) {
    int fd = open((root + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, body.data(), body.size()) != static_cast<ssize_t>(body.size())) abort();
    close(fd);
  }
  std::string root;
  Config cfg;
  int root_fd = -1;
  Worker* worker = nullptr;  // lives for the process, as the worker does in the server
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  SinkTransport io;
  FakeConnection conn;
  H2Session s(*f.worker, io, conn);
  if (!s.receive(k_h2_preface.data(), k_h2_preface.size())) return 0;
  const char* bytes = reinterpret_cast<const char*>(data);
  std::size_t cut = size ? data[0] % (size + 1) : 0;
  bool ok = s.receive(bytes, cut) && s.receive(bytes + cut, size - cut);
  for (int i = 0; ok && i < 64 && s.wants_write(); ++i) ok = s.flush();
  return 0;
}
