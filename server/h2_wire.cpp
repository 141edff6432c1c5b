#include "h2_wire.hpp"

namespace filehttpd {

void WireQueue::append(const void* data, std::size_t len) {
  if (len == 0) return;
  if (!segs_.empty() && !segs_.back().file) {
    segs_.back().length += len;  // memory after memory: one segment
  } else {
    Seg s;
    s.mem = mem_.size();
    s.length = len;
    segs_.push_back(std::move(s));
  }
  mem_.append(static_cast<const char*>(data), len);
  size_ += len;
}

void WireQueue::append_file(std::shared_ptr<const unique_fd> file, off_t offset, std::uint64_t len) {
  if (len == 0) return;
  Seg s;
  s.file = std::move(file);
  s.offset = offset;
  s.length = len;
  segs_.push_back(std::move(s));
  size_ += len;
}

void WireQueue::reset() {
  segs_.clear();
  mem_.clear();
  size_ = 0;
}

}  // namespace filehttpd
