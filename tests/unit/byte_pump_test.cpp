// The one-loop byte pipelines, driven by a simulated level-triggered event
// loop over a fake pipe and a fake socket whose capacities, split sizes and
// timing are random (seeded, so every failure names a repeatable seed).
// Invariants: every byte arrives, in order; after a run the pump never waits
// on an end that is already ready; and it never waits on an end that cannot
// become ready.
#include "byte_pump.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <random>

#include "request_body.hpp"
#include "response.hpp"

using namespace filehttpd;

namespace {

// A bounded byte queue: a pipe, or a socket's send buffer with its peer behind it.
struct FakeChannel {
  std::size_t cap = 1;
  std::string bytes;
  std::size_t head = 0;  // bytes before head have been taken
  bool closed = false;   // writer closed (pipe EOF) or reader gone (EPIPE)
  std::size_t size() const { return bytes.size() - head; }
  bool empty() const { return size() == 0; }
  std::size_t room() const { return cap - std::min(cap, size()); }
  void put(const char* d, std::size_t n) { bytes.append(d, n); }
  // Moves n bytes from the front to out.
  void take(std::size_t n, std::string& out) {
    out.append(bytes, head, n);
    head += n;
    if (head > 65536) {
      bytes.erase(0, head);
      head = 0;
    }
  }
};

std::size_t pick(std::mt19937& rng, std::size_t max) {
  if (max == 0) return 0;
  // Mostly small numbers, sometimes the whole range.
  std::size_t r = rng() % 4 == 0 ? max : std::min<std::size_t>(max, 1 + rng() % 64);
  return 1 + rng() % r;
}

std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = rng();
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

// Decodes a chunked body; appends "<bad>" on bad framing.
std::string dechunk(const std::string& in) {
  std::string out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    std::size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return out + "<bad>";
    std::size_t n = std::stoul(in.substr(pos, eol - pos), nullptr, 16);
    pos = eol + 2;
    if (n == 0) return in.substr(pos) == "\r\n" ? out : out + "<bad>";
    out += in.substr(pos, n);
    pos += n + 2;
  }
  return out + "<bad>";
}

}  // namespace

// The CGI output relay's shape: a pipe the script writes in random pieces
// and then closes, chunk framing, and a socket whose peer reads at random.
TEST(BytePump, RelayDeliversEveryByteInOrder) {
  for (std::uint32_t seed = 1; seed <= 2500; ++seed) {
    std::mt19937 rng(seed);
    std::string source = random_bytes(rng, rng() % 4 == 0 ? 0 : pick(rng, 60000));
    FakeChannel pipe, sock;
    pipe.cap = pick(rng, 70000);
    sock.cap = pick(rng, 70000);
    BytePump pump(pick(rng, 70000));
    std::string framed;
    std::size_t produced = 0;
    std::string delivered;  // what the peer has read from the socket
    auto read = [&](std::size_t room) {
      if (pipe.empty()) return pipe.closed ? IoStep::ended : IoStep::blocked;
      std::size_t n = std::min({room, pipe.size(), pick(rng, 70000)});
      framed.clear();
      pipe.take(n, framed);
      append_chunk(pump.buf, framed);
      return IoStep::moved;
    };
    auto write = [&](const char* d, std::size_t len, std::size_t& written) {
      if (sock.room() == 0) return IoStep::blocked;
      written = std::min({len, sock.room(), pick(rng, 70000)});
      sock.put(d, written);
      return IoStep::moved;
    };
    bool ended_framing = false;
    int steps = 0;
    while (!pump.done() && steps < 2'000'000) {
      ++steps;
      // The world moves: the script writes or closes, or the peer reads.
      bool can_produce = produced < source.size() && pipe.room() > 0;
      bool can_close = produced == source.size() && !pipe.closed;
      bool can_consume = !sock.empty();
      ASSERT_TRUE(can_produce || can_close || can_consume || pump.wants_source() || pump.wants_sink())
          << "seed " << seed << ": nothing can happen and the pump is not done";
      unsigned what = rng() % 2;
      if ((what == 0 || !can_consume) && can_produce) {
        std::size_t n = std::min(pipe.room(), pick(rng, source.size() - produced));
        pipe.put(source.data() + produced, n);
        produced += n;
      } else if ((what == 0 || !can_consume) && can_close) {
        pipe.closed = true;
      } else if (can_consume) {
        sock.take(pick(rng, sock.size()), delivered);
      }
      // epoll, level-triggered, on exactly the interest the pump states.
      bool readable = !pipe.empty() || pipe.closed;
      bool writable = sock.room() > 0;
      if ((pump.wants_source() && readable) || (pump.wants_sink() && writable)) {
        ASSERT_TRUE(pump.run(read, write)) << "seed " << seed;
        if (pump.source_ended && !ended_framing) {
          append_last_chunk(pump.buf);  // as the relay ends its framing at EOF
          ended_framing = true;
          ASSERT_TRUE(pump.run(read, write)) << "seed " << seed;
        }
        // The loop ran until it made no progress: nothing it waits for is ready.
        readable = !pipe.empty() || pipe.closed;
        ASSERT_FALSE(pump.wants_source() && readable) << "seed " << seed << ": stopped with input ready";
        ASSERT_FALSE(pump.wants_sink() && sock.room() > 0) << "seed " << seed << ": stopped with room to write";
      }
    }
    ASSERT_TRUE(pump.done()) << "seed " << seed;
    sock.take(sock.size(), delivered);
    ASSERT_EQ(dechunk(delivered), source) << "seed " << seed;
  }
}

// The CGI stdin feed's shape: a BodyStore (in memory or spilled) into a pipe
// that the script reads at random, and that some scripts stop reading.
TEST(BytePump, FeedDeliversTheBodyOrEndsQuietly) {
  std::string dir = std::filesystem::temp_directory_path().string();
  for (std::uint32_t seed = 1; seed <= 1500; ++seed) {
    std::mt19937 rng(seed);
    std::string body = random_bytes(rng, rng() % 8 == 0 ? 0 : pick(rng, 60000));
    BodyStore store;
    store.reset(dir, pick(rng, 70000));
    for (std::size_t off = 0; off < body.size();) {
      std::size_t n = std::min(body.size() - off, pick(rng, 70000));
      ASSERT_EQ(store.append(body.data() + off, n), 0);
      off += n;
    }
    ASSERT_EQ(store.size(), body.size());
    FakeChannel pipe;
    pipe.cap = pick(rng, 70000);
    // Some scripts stop reading after a random number of bytes and exit.
    std::size_t reads_until = rng() % 4 == 0 ? rng() % (body.size() + 1) : body.size();
    BytePump pump(pick(rng, 70000));
    std::uint64_t pos = 0;
    std::string got;
    auto read = [&](std::size_t room) {
      std::size_t old = pump.buf.size();
      pump.buf.resize(old + room);
      ssize_t n = store.read_at(pos, pump.buf.data() + old, room);
      if (n < 0) return IoStep::failed;
      pump.buf.resize(old + static_cast<std::size_t>(n));
      pos += static_cast<std::uint64_t>(n);
      return n == 0 ? IoStep::ended : IoStep::moved;
    };
    auto write = [&](const char* d, std::size_t len, std::size_t& written) {
      if (pipe.closed) return IoStep::failed;  // EPIPE: the feed ends quietly
      if (pipe.room() == 0) return IoStep::blocked;
      written = std::min({len, pipe.room(), pick(rng, 70000)});
      pipe.put(d, written);
      return IoStep::moved;
    };
    int steps = 0;
    pump.run(read, write);
    while (!pump.done() && !pump.failed && steps < 2'000'000) {
      ++steps;
      // The script reads, or has stopped and exits (closing its stdin).
      if (got.size() >= reads_until && got.size() < body.size()) {
        pipe.closed = true;
      } else {
        ASSERT_FALSE(pipe.empty()) << "seed " << seed << ": the script waits and the pump waits";
        std::size_t n = std::min(pick(rng, pipe.size()), reads_until - got.size());
        if (n == 0) n = 1;
        pipe.take(n, got);
      }
      bool writable = pipe.room() > 0 || pipe.closed;
      if (pump.wants_sink() && writable) {
        pump.run(read, write);
        ASSERT_FALSE(pump.wants_sink() && !pump.failed && pipe.room() > 0)
            << "seed " << seed << ": stopped with room to write";
      }
    }
    pipe.take(pipe.size(), got);
    if (pump.failed) {
      ASSERT_EQ(body.compare(0, got.size(), got), 0) << "seed " << seed << ": not a prefix";
    } else {
      ASSERT_TRUE(pump.done()) << "seed " << seed;
      ASSERT_EQ(got, body) << "seed " << seed;
    }
  }
}

TEST(BodyStore, KeepsSmallBodiesInMemoryAndSpillsLargeOnes) {
  std::string dir = std::filesystem::temp_directory_path().string();
  BodyStore s;
  s.reset(dir, 10);
  ASSERT_EQ(s.append("0123456789", 10), 0);
  EXPECT_FALSE(s.spilled());
  ASSERT_EQ(s.append("abc", 3), 0);
  EXPECT_TRUE(s.spilled());
  EXPECT_EQ(s.size(), 13u);
  char buf[16] = {};
  EXPECT_EQ(s.read_at(8, buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "89abc");
  EXPECT_EQ(s.read_at(13, buf, sizeof buf), 0);
  s.clear();
  EXPECT_FALSE(s.spilled());
  EXPECT_EQ(s.size(), 0u);
}

TEST(BodyStore, AnUnusableDirectoryIsAnError) {
  BodyStore s;
  s.reset("/nonexistent-filehttpd-dir", 4);
  EXPECT_EQ(s.append("abcd", 4), 0);  // still in memory
  EXPECT_EQ(s.append("e", 1), ENOENT);
  EXPECT_EQ(check_spill_dir("/nonexistent-filehttpd-dir"), "No such file or directory");
  EXPECT_EQ(check_spill_dir(std::filesystem::temp_directory_path().string()), "");
  EXPECT_EQ(spill_dir_for("/var/spool/x"), "/var/spool/x");
}
