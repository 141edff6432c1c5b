#include "crypt_pool.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace filehttpd {

bool verify_password(std::string_view password, const std::string& hash) {
  std::string pw(password);  // crypt_r needs it NUL-terminated
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
  OPENSSL_cleanse(pw.data(), pw.size());
  bool ok = out && out[0] != '*' && std::strlen(out) == hash.size() && CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return ok;
}

CryptPool::CryptPool() : event_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

CryptPool::~CryptPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    for (Job& j : queue_) OPENSSL_cleanse(j.password.data(), j.password.size());
    queue_.clear();
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool CryptPool::submit(std::uint64_t id, std::string password, std::string hash) {
  if (!event_) return false;
  std::lock_guard lock(mu_);
  if (queue_.size() >= k_crypt_queue) return false;
  if (threads_.size() < k_crypt_threads && threads_.size() < queue_.size() + running_ + 1) {
    try {
      threads_.emplace_back([this] { run(); });
    } catch (const std::system_error&) {
      if (threads_.empty()) return false;  // no thread at all: nobody would ever answer
    }
  }
  queue_.push_back(Job{id, std::move(password), std::move(hash)});
  cv_.notify_one();
  return true;
}

std::vector<CryptPool::Done> CryptPool::take_done() {
  std::uint64_t n;
  while (read(event_.get(), &n, sizeof n) < 0 && errno == EINTR) {
  }
  std::lock_guard lock(mu_);
  std::vector<Done> out;
  out.swap(done_);
  return out;
}

std::size_t CryptPool::busy() const {
  std::lock_guard lock(mu_);
  return queue_.size() + running_;
}

void CryptPool::run() {
  // Below the event loop's priority, so that a burst of checks never keeps the
  // loop waiting for a CPU (best effort: a refused setpriority changes nothing else).
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), k_crypt_nice) != 0) {
  }
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    bool ok = verify_password(job.password, job.hash);
    OPENSSL_cleanse(job.password.data(), job.password.size());
    lock.lock();
    --running_;
    done_.push_back(Done{job.id, ok});
    std::uint64_t one = 1;
    while (write(event_.get(), &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace filehttpd
