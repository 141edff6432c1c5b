#include "output_queue.hpp"

namespace filehttpd {

void OutputQueue::use_shared(std::string& head, std::string& scratch) {
  head_ = &head;
  scratch_ = &scratch;
  own_head_.clear();
  own_head_.shrink_to_fit();
  own_scratch_.clear();
  own_scratch_.shrink_to_fit();
}

void OutputQueue::own_buffers() {
  // Re-point pending chunks from the shared buffers to our own copies.
  auto move = [this](std::string*& buf, std::string& own) {
    if (buf == &own) return;
    own = *buf;
    const char* from = buf->data();
    const char* end = from + buf->size();
    for (std::size_t i = next_; i < chunks_.size(); ++i) {
      Chunk& c = chunks_[i];
      if (c.data && c.data >= from && c.data <= end) c.data = own.data() + (c.data - from);
    }
    buf = &own;
  };
  move(head_, own_head_);
  move(scratch_, own_scratch_);
}

void OutputQueue::add_mem(std::string_view data) {
  if (data.empty()) return;
  chunks_.push_back(Chunk{data.data(), 0, data.size()});
}

void OutputQueue::add_file(off_t offset, std::uint64_t length) {
  if (length == 0) return;
  chunks_.push_back(Chunk{nullptr, offset, length});
}

void OutputQueue::clear() {
  chunks_.clear();
  next_ = 0;
  file_.reset();
  cached_.reset();
}

}  // namespace filehttpd
