// The HTTP/2 wire queue: frame headers in memory and DATA payloads by file
// reference, taken from a stream's OutputQueue with peek()/consume() the way
// the session's zero-copy path takes them. Every byte arrives once, in order,
// whatever the socket takes per call; the file outlives the stream's queue;
// a file shorter than its range is reported.
#include "h2_wire.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "fake_socket.hpp"
#include "output_queue.hpp"

using namespace filehttpd;
using filehttpd::test::FakeSocket;

namespace {

class WireQueueTest : public filehttpd::test::FileBodyTest {
 protected:
  void SetUp() override { make_file("wq-", 300000, 3); }
};

// Frames the stream queue's file ranges as the session does: a 9-byte header
// in memory, then up to frame bytes of the range by reference.
void frame_by_reference(OutputQueue& q, WireQueue& wire, std::size_t frame, std::string& expect,
                        const std::string& content, int& headers) {
  OutputQueue::Next next;
  while (q.peek(next)) {
    ASSERT_TRUE(next.file);
    std::uint64_t n = std::min<std::uint64_t>(frame, next.length);
    std::string head = "HDR" + std::to_string(headers++ % 10) + "xxxxx";
    ASSERT_EQ(head.size(), 9u);
    wire.append(head.data(), head.size());
    expect += head;
    off_t off = next.offset;
    std::shared_ptr<const unique_fd> file = q.share_file();
    q.consume(n);
    wire.append_file(std::move(file), off, n);
    expect += content.substr(static_cast<std::size_t>(off), n);
  }
}

}  // namespace

TEST_F(WireQueueTest, EveryByteOnceInOrderAndTheFileOutlivesTheStream) {
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    WireQueue wire;
    std::string expect;
    int headers = 0;
    {
      OutputQueue q;  // the stream's queue, gone before the wire is written
      q.set_file(open_file());
      int ranges = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < ranges; ++i) {
        std::size_t len = 1 + rng() % 80000;
        q.add_file(static_cast<off_t>(rng() % (content_.size() - len)), len);
      }
      frame_by_reference(q, wire, 1 + rng() % 20000, expect, content_, headers);
      if (HasFatalFailure()) return;
      q.clear();
    }
    std::string tail = "GOAWAY...";
    wire.append(tail.data(), tail.size());
    expect += tail;
    ASSERT_EQ(wire.size(), expect.size());
    FakeSocket sock{&rng, {}};
    std::uint64_t sent = 0;
    WireQueue::Result r;
    while ((r = wire.write(sock, sent)) == WireQueue::Result::would_block) ASSERT_LT(sock.calls, 1'000'000);
    ASSERT_EQ(r, WireQueue::Result::done) << "seed " << seed;
    ASSERT_EQ(sent, expect.size()) << "seed " << seed;
    ASSERT_EQ(sock.got, expect) << "seed " << seed;
    EXPECT_TRUE(wire.empty());
    EXPECT_EQ(wire.size(), 0u);
  }
}

TEST_F(WireQueueTest, AFrameHeaderIsSentWithMoreBeforeItsPayload) {
  std::mt19937 rng(1);
  WireQueue wire;
  auto file = std::make_shared<const unique_fd>(open_file());
  wire.append("123456789", 9);
  wire.append_file(file, 0, 100);
  wire.append("abc", 3);
  FakeSocket sock{&rng, {}};
  sock.fixed = 1 << 20;
  std::uint64_t sent = 0;
  ASSERT_EQ(wire.write(sock, sent), WireQueue::Result::done);
  EXPECT_EQ(sock.got, "123456789" + content_.substr(0, 100) + "abc");
  EXPECT_EQ(sock.calls, 3);
  EXPECT_EQ(sock.more_calls, 1) << "the header carries more; the last bytes do not";
}

TEST_F(WireQueueTest, AFileShorterThanItsRangeIsReported) {
  std::mt19937 rng(1);
  WireQueue wire;
  wire.append("123456789", 9);
  wire.append_file(std::make_shared<const unique_fd>(open_file()), static_cast<off_t>(content_.size() - 10), 100);
  FakeSocket sock{&rng, {}};
  sock.fixed = 1 << 20;
  std::uint64_t sent = 0;
  EXPECT_EQ(wire.write(sock, sent), WireQueue::Result::file_shrank);
  EXPECT_EQ(sock.got, "123456789" + content_.substr(content_.size() - 10));
}

TEST(OutputQueuePeek, DescribesTheNextChunkAndWhetherItIsTheLast) {
  OutputQueue q;
  OutputQueue::Next n;
  EXPECT_FALSE(q.peek(n));
  q.add_mem("head");
  q.add_file(10, 5);
  q.add_mem("");  // empty chunks are skipped
  q.add_file(40, 7);
  ASSERT_TRUE(q.peek(n));
  EXPECT_FALSE(n.file);
  EXPECT_EQ(n.length, 4u);
  q.consume(4);
  ASSERT_TRUE(q.peek(n));
  EXPECT_TRUE(n.file);
  EXPECT_EQ(n.offset, 10);
  EXPECT_EQ(n.length, 5u);
  EXPECT_FALSE(n.last);
  q.consume(2);
  ASSERT_TRUE(q.peek(n));
  EXPECT_EQ(n.offset, 12);
  EXPECT_EQ(n.length, 3u);
  q.consume(3);
  ASSERT_TRUE(q.peek(n));
  EXPECT_EQ(n.offset, 40);
  EXPECT_TRUE(n.last);
  q.consume(7);
  EXPECT_FALSE(q.peek(n));
}

TEST_F(WireQueueTest, ASharedFileStaysOpenAfterTheQueueIsCleared) {
  OutputQueue q;
  q.set_file(open_file());
  std::shared_ptr<const unique_fd> f = q.share_file();
  ASSERT_TRUE(f && *f);
  EXPECT_TRUE(q.has_file());
  q.clear();
  EXPECT_FALSE(q.has_file());
  char c = 0;
  EXPECT_EQ(pread(f->get(), &c, 1, 5), 1) << "the wire's reference keeps the file open";
  EXPECT_EQ(c, content_[5]);
}
