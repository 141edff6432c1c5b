#pragma once
// The bytes an HTTP/2 session has framed and not yet written, in order:
// memory (frame headers, HEADERS and control frames, copied DATA) and file
// ranges (the payload of zero-copy DATA frames, sent with sendfile). A file
// range holds its file open, so a stream may close before its last DATA
// frame is on the wire.
#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "unique_fd.hpp"

namespace filehttpd {

class WireQueue {
 public:
  // What a write() ended with.
  enum class Result {
    done,         // every queued byte is written
    would_block,  // the sink is full (EAGAIN)
    error,        // the write failed; errno says why
    file_shrank,  // a file ended before its range did: the frame cannot be completed
  };

  // Queues len bytes of memory after what is queued.
  void append(const void* data, std::size_t len);
  // Queues len bytes of file from offset after what is queued.
  void append_file(std::shared_ptr<const unique_fd> file, off_t offset, std::uint64_t len);
  // True when nothing is queued.
  bool empty() const { return segs_.empty(); }
  // Bytes queued, memory and file together.
  std::uint64_t size() const { return size_; }

  // Writes into sink (send_iov(iov, count, more) and send_file(fd, offset*,
  // len), as a Transport offers) until done, EAGAIN or an error; adds the
  // bytes written to sent. Memory right before a file range carries "more".
  template <class Sink>
  Result write(Sink& sink, std::uint64_t& sent);

 private:
  struct Seg {
    std::size_t mem = 0;  // offset in mem_ (memory segment)
    std::shared_ptr<const unique_fd> file;  // file segment when set
    off_t offset = 0;
    std::uint64_t length = 0;
  };
  // Forgets what was written: the segments and the memory behind them.
  void reset();

  std::string mem_;
  std::deque<Seg> segs_;
  std::uint64_t size_ = 0;
};

template <class Sink>
WireQueue::Result WireQueue::write(Sink& sink, std::uint64_t& sent) {
  while (!segs_.empty()) {
    Seg& s = segs_.front();
    ssize_t n;
    if (s.file) {
      off_t off = s.offset;
      n = sink.send_file(s.file->get(), &off, static_cast<std::size_t>(s.length));
      if (n == 0) return Result::file_shrank;
    } else {
      iovec iov{mem_.data() + s.mem, static_cast<std::size_t>(s.length)};
      n = sink.send_iov(&iov, 1, segs_.size() > 1);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? Result::would_block : Result::error;
    }
    std::uint64_t took = static_cast<std::uint64_t>(n);
    sent += took;
    size_ -= took;
    s.offset += static_cast<off_t>(took);
    s.mem += static_cast<std::size_t>(took);
    s.length -= took;
    if (s.length == 0) segs_.pop_front();
  }
  reset();
  return Result::done;
}

}  // namespace filehttpd
