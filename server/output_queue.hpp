#pragma once
// The send queue of one connection: memory and file chunks sent with
// sendmsg/sendfile, and the head and scratch buffers they point into, which
// are the worker's shared buffers until a response has to wait for the socket.
//
// No response waits on Nagle's algorithm. Every accepted TCP socket has
// TCP_NODELAY (inherited from its listener, see set_inherited_options), so
// each send goes out at once; to keep the head and a short body in one
// segment, every send but a response's last carries MSG_MORE, and sendfile
// sets it itself between the pages of one call. The last send of a response
// never carries MSG_MORE, so the final partial segment leaves without waiting
// for an ACK. This holds for every shape built from this queue: head + file,
// head + memory body, multipart ranges (part heads between file ranges),
// listings and error pages. CGI relays write each piece of output as it comes,
// without MSG_MORE, so a relay never holds bytes back either.
#include <sys/types.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "file_cache.hpp"
#include "transport.hpp"
#include "unique_fd.hpp"

namespace filehttpd {

// Largest single sendfile() call.
inline constexpr std::uint64_t k_sendfile_max = 1u << 30;

class OutputQueue {
 public:
  // What a send() ended with.
  enum class Result {
    done,         // every queued byte is in the socket
    would_block,  // the socket is full (EAGAIN): wait for writability
    error,        // the send failed; errno says why
    file_shrank,  // the file ended before its queued range did
  };

  OutputQueue() = default;
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;

  // The buffer the next response head is built in.
  std::string& head() { return *head_; }
  // The buffer a memory body (errors, listings, multipart part heads) is built in.
  std::string& scratch() { return *scratch_; }
  // Builds in the given shared buffers from now on and frees our own copies.
  void use_shared(std::string& head, std::string& scratch);
  // Copies what the pending chunks point at in shared buffers into our own,
  // so the shared ones may serve another connection while this one waits.
  void own_buffers();

  // Queues memory bytes; they must stay valid until sent (head(), scratch(), a cached body).
  void add_mem(std::string_view data);
  // Queues length bytes of the file from offset.
  void add_file(off_t offset, std::uint64_t length);
  // Sets the file that add_file() ranges come from.
  void set_file(unique_fd fd) {
    file_ = std::move(fd);
    shared_file_.reset();
  }
  // Returns true when a file is set.
  bool has_file() const { return static_cast<bool>(file_) || shared_file_; }
  // Returns the file, shared from now on with whoever takes it (a session's
  // wire queue that sends file ranges after this queue is gone); null when none.
  std::shared_ptr<const unique_fd> share_file();

  // The next chunk with bytes to send, as peek() describes it.
  struct Next {
    bool file = false;         // a file range (else memory)
    off_t offset = 0;          // where the range starts, for a file
    std::uint64_t length = 0;  // its bytes
    bool last = false;         // no chunk with bytes follows it
  };
  // Describes the next chunk with bytes into next. Returns false when none is left.
  bool peek(Next& next) const;
  // Marks the first n bytes of the next chunk with bytes as sent (n at most its length).
  void consume(std::uint64_t n);
  // Keeps a cached entry alive while its body is queued.
  void keep(std::shared_ptr<const CachedFile> entry) { cached_ = std::move(entry); }
  // Drops the queued chunks and keeps a first slot for the head, which
  // set_head() fills once the session has framed it; the file and entry stay.
  void begin_response() {
    chunks_.assign(1, Chunk{});
    next_ = 0;
  }
  // Puts head (which must stay valid until sent: head()) in the slot begin_response() kept.
  void set_head(std::string_view head) {
    if (chunks_.empty()) chunks_.emplace_back();
    chunks_[0] = Chunk{head.data(), 0, head.size()};
  }
  // Drops the queued chunks (a new response starts); the file and entry stay.
  void reset_chunks() {
    chunks_.clear();
    next_ = 0;
  }
  // True when a queued chunk still has bytes to send.
  bool pending_bytes() const {
    for (std::size_t i = next_; i < chunks_.size(); ++i)
      if (chunks_[i].length > 0) return true;
    return false;
  }
  // Drops every chunk, the file and the cached entry.
  void clear();

  // Sends into the transport until done, EAGAIN or an error; adds the bytes sent to sent.
  Result send(Transport& io, std::uint64_t& sent) { return drain(io, sent); }

  // The send loop over any sink with send_iov(iov, count, more) and
  // send_file(fd, offset*, len), both returning bytes or -1 with errno, as a
  // Transport does. Used by send() and by tests with a fake sink.
  template <class Sink>
  Result drain(Sink& sink, std::uint64_t& sent);

 private:
  struct Chunk {
    const char* data = nullptr;  // memory chunk when non-null
    off_t offset = 0;            // file chunk otherwise
    std::uint64_t length = 0;
  };
  std::string* head_ = &own_head_;
  std::string* scratch_ = &own_scratch_;
  std::string own_head_;
  std::string own_scratch_;
  std::vector<Chunk> chunks_;
  std::size_t next_ = 0;  // first chunk not fully sent
  // The file descriptor the chunks' ranges come from.
  int file_fd() const { return shared_file_ ? shared_file_->get() : file_.get(); }

  unique_fd file_;
  std::shared_ptr<const unique_fd> shared_file_;  // the file once share_file() was called
  std::shared_ptr<const CachedFile> cached_;
};

template <class Sink>
OutputQueue::Result OutputQueue::drain(Sink& sink, std::uint64_t& sent) {
  while (next_ < chunks_.size()) {
    Chunk& c = chunks_[next_];
    if (c.length == 0) {
      ++next_;
      continue;
    }
    ssize_t n;
    if (c.data) {
      // Up to 8 memory chunks in one call; MSG_MORE when more chunks follow.
      iovec iov[8];
      int count = 0;
      std::size_t i = next_;
      for (; i < chunks_.size() && count < 8 && chunks_[i].data; ++i) {
        iov[count].iov_base = const_cast<char*>(chunks_[i].data);
        iov[count].iov_len = chunks_[i].length;
        ++count;
      }
      // A file range right after the buffers may share their write (one TLS
      // record for a head and a short body) where the sink offers that.
      Chunk* file_next = i < chunks_.size() && !chunks_[i].data && chunks_[i].length > 0 ? &chunks_[i] : nullptr;
      bool more_follows = false;
      for (; i < chunks_.size() && !more_follows; ++i) more_follows = chunks_[i].length > 0;
      if constexpr (requires { sink.send_iov_file(iov, count, 0, off_t{0}, std::size_t{0}); }) {
        if (file_next)
          n = sink.send_iov_file(iov, count, file_fd(), file_next->offset,
                                 std::min(file_next->length, k_sendfile_max));
        else
          n = sink.send_iov(iov, count, more_follows);
      } else {
        n = sink.send_iov(iov, count, more_follows);
      }
      if (n > 0) {
        std::uint64_t left = static_cast<std::uint64_t>(n);
        while (left > 0 && next_ < chunks_.size()) {
          Chunk& d = chunks_[next_];
          std::uint64_t take = std::min(left, d.length);
          if (d.data) d.data += take;
          else d.offset += static_cast<off_t>(take);
          d.length -= take;
          left -= take;
          if (d.length == 0) ++next_;
        }
      }
    } else {
      off_t off = c.offset;
      n = sink.send_file(file_fd(), &off, std::min(c.length, k_sendfile_max));
      if (n == 0) return Result::file_shrank;
      if (n > 0) {
        c.offset = off;
        c.length -= static_cast<std::uint64_t>(n);
        if (c.length == 0) ++next_;
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? Result::would_block : Result::error;
    }
    sent += static_cast<std::uint64_t>(n);
  }
  return Result::done;
}

}  // namespace filehttpd
