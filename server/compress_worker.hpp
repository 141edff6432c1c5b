#pragma once
// A worker's compressor: one thread at nice 10 that makes the compressed
// copies of static files in compress.cache_dir, so no compression ever runs
// in the event loop. The loop only queues jobs; a later request finds the
// copy by name. Jobs are deduplicated within the worker (a set of queued
// names) and across workers (the temp file is created O_EXCL).
#include <sys/stat.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "compress_config.hpp"
#include "unique_fd.hpp"

namespace filehttpd {

// Most jobs waiting at once; more are dropped (the file is sent as it is and asked for again later).
inline constexpr std::size_t k_compress_queue_max = 256;
// A temp file older than this is left over from a compressor that died: removed.
inline constexpr std::time_t k_compress_stale_temp_seconds = 600;
// A served entry's mtime (its LRU time) is refreshed when older than this.
inline constexpr std::time_t k_compress_touch_seconds = 60;

class Compressor {
 public:
  Compressor() = default;
  // Stops the thread (a job in progress ends at its next chunk) and waits for it.
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Returns the cache directory's fd (opened on first use), or -1 when it cannot be opened (logged once).
  int dir_fd(const CompressConfig& cfg);
  // Queues the copy of src (st as the loop saw it) in coding, unless it is
  // queued, being made, or known not to be worth keeping. src is duplicated.
  void submit(const CompressConfig& cfg, int src, const struct stat& st, std::string_view coding);

 private:
  struct Job {
    unique_fd src;
    struct stat st {};
    std::string coding;
    std::string name;
    std::uint64_t cache_size = 0;
  };
  // The thread: takes jobs until stopped.
  void run();
  // Makes one copy: temp file, then eviction and rename under the directory's lock.
  void fill(Job& job);
  // Streams the file through the coding's encoder into out. Returns false on an error, a change or a stop.
  bool encode(Job& job, int out, std::uint64_t& written);
  // Under the lock: evicts least recently used entries so incoming bytes fit, then renames tmp to name.
  bool store(const Job& job, const std::string& tmp, std::uint64_t size);

  std::string dir_path_;
  unique_fd dir_;
  bool dir_failed_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::unordered_set<std::string> pending_;  // names queued or being made
  std::unordered_set<std::string> refused_;  // names whose copy would not pay (or cannot fit)
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace filehttpd
