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
  shared_file_.reset();
  cached_.reset();
}

std::shared_ptr<const unique_fd> OutputQueue::share_file() {
  if (!shared_file_ && file_) shared_file_ = std::make_shared<const unique_fd>(std::move(file_));
  return shared_file_;
}

bool OutputQueue::peek(Next& next) const {
  std::size_t i = next_;
  while (i < chunks_.size() && chunks_[i].length == 0) ++i;
  if (i == chunks_.size()) return false;
  const Chunk& c = chunks_[i];
  next.file = c.data == nullptr;
  next.offset = c.offset;
  next.length = c.length;
  next.last = true;
  for (std::size_t j = i + 1; j < chunks_.size() && next.last; ++j) next.last = chunks_[j].length == 0;
  return true;
}

void OutputQueue::consume(std::uint64_t n) {
  while (next_ < chunks_.size() && chunks_[next_].length == 0) ++next_;
  if (next_ == chunks_.size()) return;
  Chunk& c = chunks_[next_];
  n = std::min(n, c.length);
  if (c.data) c.data += n;
  else c.offset += static_cast<off_t>(n);
  c.length -= n;
  if (c.length == 0) ++next_;
}

}  // namespace filehttpd
