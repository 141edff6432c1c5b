#pragma once
// A request body collected before its CGI script starts: in memory up to a
// threshold, then in an unlinked temporary file.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "unique_fd.hpp"

namespace filehttpd {

// Body bytes kept in memory before the body moves to a spill file.
inline constexpr std::size_t k_body_memory = 64 * 1024;

// Returns true when a body that has received bytes and announces more
// (a chunk size) would be over limit. Never overflows.
bool body_over_limit(std::uint64_t received, std::uint64_t more, std::uint64_t limit);

// Opens a new unlinked file for reading and writing in dir (O_TMPFILE, or a
// name that is removed at once where the file system lacks it). Returns the
// fd, or -1 with errno set.
int open_spill_file(const std::string& dir);

// Returns "" when dir can hold spill files, else why not (an errno text).
std::string check_spill_dir(const std::string& dir);

// Returns the spill directory for a configured value: itself, or $TMPDIR, or /tmp.
std::string spill_dir_for(const std::string& configured);

class BodyStore {
 public:
  // Empties the store for a new body spilling into dir past memory_limit bytes.
  void reset(std::string dir, std::size_t memory_limit = k_body_memory);
  // Appends len bytes. Returns 0, or the errno of a failed spill-file open or write.
  int append(const char* data, std::size_t len);
  // Returns the bytes stored.
  std::uint64_t size() const { return size_; }
  // Returns true when the body has moved to a file.
  bool spilled() const { return static_cast<bool>(file_); }
  // Copies up to len bytes from offset into buf. Returns the count (0 at the
  // end), or -1 with errno set when the spill file cannot be read.
  ssize_t read_at(std::uint64_t offset, char* buf, std::size_t len) const;
  // Frees the memory and closes the spill file.
  void clear();

 private:
  std::string dir_;
  std::size_t memory_limit_ = k_body_memory;
  std::string mem_;
  unique_fd file_;
  std::uint64_t size_ = 0;
};

}  // namespace filehttpd
