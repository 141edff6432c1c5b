#include "file_watch.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace filehttpd {

namespace {

std::int64_t nanos(const struct timespec& ts) {
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

bool same_file_state(const FileState& a, const FileState& b) {
  return a.error == b.error && a.dev == b.dev && a.ino == b.ino && a.size == b.size && a.mtime_ns == b.mtime_ns &&
         a.ctime_ns == b.ctime_ns && a.link_dev == b.link_dev && a.link_ino == b.link_ino &&
         a.link_mtime_ns == b.link_mtime_ns && a.link_ctime_ns == b.link_ctime_ns;
}

FileState look_at(const std::string& path) {
  FileState s;
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    s.link_dev = st.st_dev;
    s.link_ino = st.st_ino;
    s.link_mtime_ns = nanos(st.st_mtim);
    s.link_ctime_ns = nanos(st.st_ctim);
  }
  if (stat(path.c_str(), &st) != 0) {
    s.error = errno;
    return s;
  }
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = nanos(st.st_mtim);
  s.ctime_ns = nanos(st.st_ctim);
  return s;
}

FileWatch::FileWatch(std::vector<std::string> paths) {
  for (std::string& p : paths)
    if (std::find(paths_.begin(), paths_.end(), p) == paths_.end()) paths_.push_back(std::move(p));
  for (const std::string& p : paths_) states_.push_back(look_at(p));
}

std::string FileWatch::changed() {
  std::string first;
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    FileState now = look_at(paths_[i]);
    if (!same_file_state(now, states_[i]) && first.empty()) first = paths_[i];
    states_[i] = now;
  }
  return first;
}

}  // namespace filehttpd
