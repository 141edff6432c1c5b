// The send queue against a fake socket that takes random amounts and is
// sometimes full (seeded): every queued byte arrives once, in order, whatever
// the splits; pending bytes survive the shared buffers being reused once
// own_buffers() has run; a file that is shorter than its range is reported.
#include "output_queue.hpp"

#include "fake_socket.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <random>

using namespace filehttpd;
using filehttpd::test::FakeSocket;

namespace {

// A sink that frames records: buffers followed by a file range go out in one
// call (as TLS puts a head and the start of a body in one record).
struct RecordSocket : FakeSocket {
  int mixed_calls = 0;
  ssize_t send_iov_file(const iovec* iov, int count, int fd, off_t off, std::size_t len) {
    ++mixed_calls;
    std::size_t room = allowance();
    if (room == 0) {
      errno = EAGAIN;
      return -1;
    }
    std::size_t taken = take(iov, count, room);
    if (taken < room) {
      std::string buf(std::min(room - taken, len), '\0');
      ssize_t n = pread(fd, buf.data(), buf.size(), off);
      if (n > 0) {
        got.append(buf.data(), static_cast<std::size_t>(n));
        taken += static_cast<std::size_t>(n);
      }
    }
    return static_cast<ssize_t>(taken);
  }
};

class OutputQueueTest : public filehttpd::test::FileBodyTest {
 protected:
  void SetUp() override { make_file("oq-", 200000, 7); }
};

}  // namespace

// Queues a head and random part heads and file ranges, then drains them
// into Socket with random splits; every byte must arrive once, in order.
template <class Socket>
void every_byte_once(const std::string& content, const std::function<unique_fd()>& open_file) {
  for (std::uint32_t seed = 1; seed <= 500; ++seed) {
    std::mt19937 rng(seed);
    std::string shared_head, shared_scratch;
    OutputQueue q;
    q.use_shared(shared_head, shared_scratch);
    q.head() = "HTTP/1.1 206 Partial Content\r\nX-Seed: " + std::to_string(seed) + "\r\n\r\n";
    q.scratch() = "--part-a--part-b--end--";
    q.set_file(open_file());
    std::string expect = q.head();
    q.add_mem(q.head());
    int parts = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < parts; ++i) {
      std::size_t len = rng() % 60000;
      std::size_t off = rng() % (content.size() - len);
      std::size_t s = rng() % 6, n = 1 + rng() % 6;
      q.add_mem(std::string_view(q.scratch()).substr(s, n));
      expect += q.scratch().substr(s, n);
      q.add_file(static_cast<off_t>(off), len);
      expect += content.substr(off, len);
    }
    Socket sock;
    sock.rng = &rng;
    std::uint64_t sent = 0;
    bool owned = false;
    OutputQueue::Result r;
    while ((r = q.drain(sock, sent)) == OutputQueue::Result::would_block) {
      if (!owned) {
        // The connection waits: its bytes move out of the shared buffers,
        // which the next connection then overwrites.
        q.own_buffers();
        owned = true;
        shared_head.assign(shared_head.size(), '#');
        shared_scratch.assign(shared_scratch.size(), '#');
      }
      ASSERT_LT(sock.calls, 1'000'000) << "seed " << seed;
    }
    ASSERT_EQ(r, OutputQueue::Result::done) << "seed " << seed;
    ASSERT_EQ(sent, expect.size()) << "seed " << seed;
    ASSERT_EQ(sock.got, expect) << "seed " << seed;
  }
}

TEST_F(OutputQueueTest, EveryByteOnceInOrderWhateverTheSplits) {
  every_byte_once<FakeSocket>(content_, [this] { return open_file(); });
}

TEST_F(OutputQueueTest, EveryByteOnceWhenBuffersAndFileShareAWrite) {
  every_byte_once<RecordSocket>(content_, [this] { return open_file(); });
}

// A head and a short file body reach a record-framing sink in one call.
TEST_F(OutputQueueTest, HeadAndShortBodyGoInOneWrite) {
  OutputQueue q;
  q.head() = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  q.set_file(open_file());
  q.add_mem(q.head());
  q.add_file(5, 100);
  RecordSocket sock;
  sock.fixed = 16384;
  std::uint64_t sent = 0;
  ASSERT_EQ(q.drain(sock, sent), OutputQueue::Result::done);
  EXPECT_EQ(sock.got, q.head() + content_.substr(5, 100));
  EXPECT_EQ(sent, q.head().size() + 100);
  EXPECT_EQ(sock.calls, 1);
  EXPECT_EQ(sock.mixed_calls, 1) << "the head and the body went in one call";
}

TEST_F(OutputQueueTest, AFileShorterThanItsRangeIsReported) {
  std::mt19937 rng(1);
  OutputQueue q;
  q.set_file(open_file());
  q.add_file(static_cast<off_t>(content_.size() - 10), 100);
  FakeSocket sock{&rng, {}};
  std::uint64_t sent = 0;
  OutputQueue::Result r;
  while ((r = q.drain(sock, sent)) == OutputQueue::Result::would_block) {
  }
  EXPECT_EQ(r, OutputQueue::Result::file_shrank);
  EXPECT_EQ(sock.got, content_.substr(content_.size() - 10));
}

TEST_F(OutputQueueTest, ClearDropsEverything) {
  OutputQueue q;
  q.set_file(open_file());
  q.add_mem("abc");
  q.clear();
  EXPECT_FALSE(q.has_file());
  std::mt19937 rng(1);
  FakeSocket sock{&rng, {}};
  std::uint64_t sent = 0;
  EXPECT_EQ(q.drain(sock, sent), OutputQueue::Result::done);
  EXPECT_EQ(sock.got, "");
}
