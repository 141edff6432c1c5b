#include "compress_worker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>
#include <vector>

#include "compress_cache.hpp"
#include "compress_codec.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace filehttpd {

namespace {

constexpr std::size_t k_read_chunk = 256 * 1024;
constexpr int k_compressor_nice = 10;
constexpr const char* k_lock_name = ".lock";

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Compressor::~Compressor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int Compressor::dir_fd(const CompressConfig& cfg) {
  if (dir_ && dir_path_ == cfg.cache_dir) return dir_.get();
  if (dir_failed_ && dir_path_ == cfg.cache_dir) return -1;
  dir_path_ = cfg.cache_dir;
  int fd = cfg.cache_dir.empty() ? -1 : open(cfg.cache_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    spdlog::error("compression cache {} cannot be opened ({}): files go uncompressed", log_escaped(cfg.cache_dir),
                  cfg.cache_dir.empty() ? "no directory" : std::strerror(errno));
    dir_failed_ = true;
    return -1;
  }
  dir_failed_ = false;
  dir_.reset(fd);
  return fd;
}

void Compressor::submit(const CompressConfig& cfg, int src, const struct stat& st, std::string_view coding) {
  if (dir_fd(cfg) < 0) return;
  Job job;
  job.name = compress_entry_name(st, coding);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= k_compress_queue_max || pending_.count(job.name) || refused_.count(job.name)) return;
  }
  int dup = fcntl(src, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return;
  job.src.reset(dup);
  job.st = st;
  job.coding = std::string(coding);
  job.cache_size = cfg.cache_size;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.insert(job.name);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  if (thread_.joinable()) return;
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    // No thread (EAGAIN from a thread limit): files go uncompressed; a later request tries again.
    spdlog::warn("compression thread cannot start: {}", e.what());
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
    pending_.clear();
  }
}

void Compressor::run() {
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), k_compressor_nice);
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    fill(job);
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(job.name);
  }
}

void Compressor::fill(Job& job) {
  std::string tmp = job.name + ".tmp";
  int out = openat(dir_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0 && errno == EEXIST) {
    // Another worker is making it, or one died making it long ago.
    struct stat old {};
    if (fstatat(dir_.get(), tmp.c_str(), &old, AT_SYMLINK_NOFOLLOW) != 0 ||
        std::time(nullptr) - old.st_mtim.tv_sec < k_compress_stale_temp_seconds)
      return;
    unlinkat(dir_.get(), tmp.c_str(), 0);
    out = openat(dir_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (out < 0) return;
  unique_fd out_fd(out);
  std::uint64_t written = 0;
  bool ok = encode(job, out, written);
  // A copy no smaller than the file, or larger than the whole cache, is not kept (nor tried again).
  bool pays = ok && written < static_cast<std::uint64_t>(job.st.st_size) && written <= job.cache_size;
  if (ok && !pays) {
    std::lock_guard<std::mutex> lock(mu_);
    refused_.insert(job.name);
  }
  if (!pays || !store(job, tmp, written)) unlinkat(dir_.get(), tmp.c_str(), 0);
}

bool Compressor::encode(Job& job, int out, std::uint64_t& written) {
  struct stat now {};
  if (fstat(job.src.get(), &now) != 0 || !same_file(now, job.st)) return false;
  auto enc = StreamEncoder::make(job.coding, cache_level(job.coding));
  if (!enc) return false;
  std::vector<char> buf(k_read_chunk);
  std::string packed;
  std::uint64_t size = static_cast<std::uint64_t>(job.st.st_size);
  for (std::uint64_t off = 0; off < size;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return false;
    }
    ssize_t n = pread(job.src.get(), buf.data(), buf.size(), static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // an error, or the file shrank
    off += static_cast<std::uint64_t>(n);
    packed.clear();
    if (!enc->update(std::string_view(buf.data(), static_cast<std::size_t>(n)), packed)) return false;
    if (!write_all(out, packed)) return false;
    written += packed.size();
  }
  packed.clear();
  if (!enc->finish(packed) || !write_all(out, packed)) return false;
  written += packed.size();
  // The file changed while it was read: its copy would be of neither version.
  return fstat(job.src.get(), &now) == 0 && same_file(now, job.st);
}

bool Compressor::store(const Job& job, const std::string& tmp, std::uint64_t size) {
  int lock_fd = openat(dir_.get(), k_lock_name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) return false;
  unique_fd lock(lock_fd);
  if (flock(lock_fd, LOCK_EX) != 0) return false;
  int list_fd = openat(dir_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = list_fd < 0 ? nullptr : fdopendir(list_fd);
  if (!d) {
    if (list_fd >= 0) close(list_fd);
    return false;
  }
  std::vector<CacheEntry> entries;
  std::time_t now = std::time(nullptr);
  while (dirent* e = readdir(d)) {
    std::string_view name(e->d_name);
    struct stat st {};
    bool entry = is_compress_entry(name);
    bool temp = name.ends_with(".tmp") && is_compress_entry(name.substr(0, name.size() - 4));
    if ((!entry && !temp) || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (entry && name != job.name) {
      std::int64_t used = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      entries.push_back({std::string(name), static_cast<std::uint64_t>(st.st_size), used});
    } else if (temp && name != tmp && now - st.st_mtim.tv_sec >= k_compress_stale_temp_seconds) {
      unlinkat(dirfd(d), e->d_name, 0);
    }
  }
  for (const std::string& name : plan_eviction(std::move(entries), size, job.cache_size)) {
    if (unlinkat(dirfd(d), name.c_str(), 0) == 0) bump(my_counters().compress_evictions);
  }
  closedir(d);
  if (renameat(dir_.get(), tmp.c_str(), dir_.get(), job.name.c_str()) != 0) return false;
  bump(my_counters().compress_fills);
  return true;
}

}  // namespace filehttpd
