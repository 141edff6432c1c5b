#pragma once
// Watched files: a set of paths whose identity (device, inode, size, mtime,
// ctime of the file a path leads to, and of the path itself when it is a
// symlink) is remembered, so a later look says whether any of them changed.
// The supervisor polls one on a timer to reload certificates (and any other
// file a config names) without a signal. Comparison is apart from the
// stat() calls so a table tests it.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace filehttpd {

// What one look at a path saw.
struct FileState {
  int error = 0;  // errno of stat() on the path; 0 when it exists
  dev_t dev = 0;
  ino_t ino = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  // lstat() of the path itself (the symlink when it is one; else the same file).
  dev_t link_dev = 0;
  ino_t link_ino = 0;
  std::int64_t link_mtime_ns = 0;
  std::int64_t link_ctime_ns = 0;
};

// Returns true when a and b describe the same file in the same state: a
// replaced, rewritten, touched, removed or re-pointed file compares unequal.
bool same_file_state(const FileState& a, const FileState& b);

// Returns the state of path now (following symlinks, plus the link itself).
FileState look_at(const std::string& path);

class FileWatch {
 public:
  FileWatch() = default;
  // Remembers the state of every path in paths (duplicates count once).
  explicit FileWatch(std::vector<std::string> paths);

  // Looks at every path again. Returns the first path whose state differs
  // from the remembered one ("" when none), and remembers the new states.
  std::string changed();

  // The watched paths.
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;
  std::vector<FileState> states_;
};

}  // namespace filehttpd
