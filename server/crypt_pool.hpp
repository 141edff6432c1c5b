#pragma once
// Password verification off the event loop: a few threads run crypt_r
// (libxcrypt) and report each answer on an eventfd the worker's epoll watches.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "unique_fd.hpp"

namespace filehttpd {

// Threads a worker runs for verifications, at most.
inline constexpr unsigned k_crypt_threads = 2;
// The nice value of the verification threads (the worker's own is 0).
inline constexpr int k_crypt_nice = 10;
// Verifications waiting for a thread, at most; more are refused (the client gets 503).
inline constexpr std::size_t k_crypt_queue = 256;

// Returns true when crypt_r(password, hash) gives hash back, compared in
// constant time. Slow by design (bcrypt, yescrypt): never call it in the event loop.
bool verify_password(std::string_view password, const std::string& hash);

class CryptPool {
 public:
  // One finished verification.
  struct Done {
    std::uint64_t id;
    bool ok;
  };

  // Makes the eventfd; the threads start with the first job.
  CryptPool();
  // Stops the threads after the job each is running; queued jobs are dropped.
  ~CryptPool();
  CryptPool(const CryptPool&) = delete;
  CryptPool& operator=(const CryptPool&) = delete;

  // Returns the eventfd that becomes readable when answers are waiting (-1 if none could be made).
  int fd() const { return event_.get(); }
  // Queues a check of password against hash under id. Returns false when the
  // queue is full or no thread can start.
  bool submit(std::uint64_t id, std::string password, std::string hash);
  // Takes the answers finished so far (and clears the eventfd).
  std::vector<Done> take_done();
  // Returns the number of jobs queued or running.
  std::size_t busy() const;

 private:
  struct Job {
    std::uint64_t id;
    std::string password;
    std::string hash;
  };
  // A thread's loop: take a job, verify, post the answer.
  void run();

  unique_fd event_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::vector<Done> done_;
  std::vector<std::thread> threads_;
  std::size_t running_ = 0;
  bool stop_ = false;
};

}  // namespace filehttpd
