#pragma once
// One CGI request after its body is collected: the child and its pipes, the
// body on its way into stdin, and the script's output turned into a client
// response (header block to head, then raw, length, chunked or close-delimited
// framing). The connection sees it as a body source and asks it which pipe
// readiness it wants; sockets and the epoll set are not its business.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "byte_pump.hpp"
#include "cgi.hpp"
#include "compress_codec.hpp"
#include "request_body.hpp"
#include "response.hpp"
#include "unique_fd.hpp"

namespace filehttpd {

class CgiOwner;
class Worker;
struct CgiChild;

// Bytes of script output (framed) buffered per request before reading pauses.
inline constexpr std::size_t k_relay_buffer = 64 * 1024;
// Largest CGI header block.
inline constexpr std::size_t k_cgi_header_limit = 64 * 1024;
// Bytes of request body on their way into a CGI's stdin at a time.
inline constexpr std::size_t k_body_buffer = 64 * 1024;

// What moved the CGI deadline (see next_cgi_deadline()).
enum class CgiWait {
  output,  // the script's output gave bytes
  armed,   // the server waits on the output again (its read interest is on)
  paused,  // the server stopped reading it (the client is the slow side)
  exited,  // the script exited; its pipe may stay open a while (a grandchild)
};

// Returns the CGI deadline after ev, from the current one. cgi.timeout
// (timeout) counts only while the server waits on the script's output
// (waiting); once the script has exited (exited), the open pipe may linger
// for linger of such waiting. A paused wait has no deadline: the client's
// send_timeout applies instead.
std::chrono::steady_clock::time_point next_cgi_deadline(std::chrono::steady_clock::time_point current, CgiWait ev,
                                                        bool exited, bool waiting,
                                                        std::chrono::steady_clock::time_point now,
                                                        std::chrono::milliseconds timeout,
                                                        std::chrono::milliseconds linger);

// How the response to the client is shaped.
struct CgiResponseShape {
  bool parse_head = true;        // false: raw (classic profile, nph- scripts)
  bool head_only = false;        // HEAD: the same head, no body
  int version_minor = 1;         // of the request
  bool keep_alive = true;        // wanted by the exchange; may end up false
  std::string_view status_line;  // sent before the raw output ("HTTP/1.1 200 OK\r\n" in classic)
  int status = 200;              // unless the script sets one (an error page's status)
  std::string_view head_lines;   // the connection's own header lines (HSTS over TLS), CRLF-ended
  // A coding the client accepts for compressing the output as a stream
  // ("gzip" or "zstd"), or empty; used when the output's type is one of compress_types.
  std::string_view stream_coding;
  const std::vector<std::string>* compress_types = nullptr;
  // HTTP/2: the header block becomes head() and the body is sent unframed.
  bool structured = false;
};

class CgiExchange {
 public:
  // What one read of the script's output came to.
  enum class Read {
    moved,           // bytes read (and framed into the output, past the head)
    blocked,         // nothing to read now
    ended,           // the output is over and its framing is complete
    bad_head,        // no valid header block: answer 502 with failure()
    local_redirect,  // "Location: /path" alone: serve redirect_target() instead
  };

  explicit CgiExchange(Worker& w) : w_(w) {}
  CgiExchange(const CgiExchange&) = delete;
  CgiExchange& operator=(const CgiExchange&) = delete;

  // The body the next script gets on stdin (collected by the connection).
  BodyStore& body() { return body_; }
  // The script that waits for that body (set by the connection while it collects).
  std::unique_ptr<Route>& waiting_route() { return waiting_route_; }

  // Starts the script for owner. label names the request in log lines.
  // Returns 0, or the errno of a failed start (then nothing runs).
  int start(const CgiSpawn& spec, CgiOwner* owner, const CgiResponseShape& shape, std::string label);
  // Returns true while a script's pipes are open or its response is being framed.
  bool active() const { return active_; }
  // Returns true once the script has exited (its pipe may still be open).
  bool script_exited() const { return exited_; }
  // SIGTERM (then SIGKILL) to the script's group unless it already exited; closes its pipes.
  void stop();
  // The script exited (reaped by the worker). Returns true when its stdout is still open.
  bool exited(int wait_status);
  // Lets the worker reap the script without telling anyone (the response is complete).
  void detach();

  // Feeds the body into stdin until the pipe is full or the body is in (then stdin closes).
  void feed();
  // Closes stdin (the feed is over, or the script closed its end); what is left of the body is dropped.
  void end_stdin();
  // One read of at most room bytes of output, framed into output().buf.
  Read fill(std::size_t room);
  // The output is over (EOF, or the script exited and a grandchild holds the
  // pipe): closes it and ends the framing. Returns false when no header block
  // came; failure() is then why_if_no_head (answer 502).
  bool end_output(const char* why_if_no_head);

  // The output pump: script output, framed, on its way to the client.
  BytePump& output() { return out_; }
  // The script's header block as a Response (shape.structured, once head_done()).
  const Response& head() const { return head_; }
  // Returns true once the header block has become the response head.
  bool head_done() const { return head_done_; }
  // The response status (the shape's until the header block says otherwise).
  int status() const { return status_; }
  // Whether the connection may stay open after this response.
  bool keep_alive() const { return shape_.keep_alive; }
  // Why the header block was refused (with Read::bad_head or end_output() false).
  const std::string& failure() const { return failure_; }
  // The path of a local redirect (with Read::local_redirect).
  const std::string& redirect_target() const { return redirect_; }
  // Body bytes of the response framed into the output so far (no chunk framing).
  std::uint64_t payload() const { return payload_; }

  // The read end of stdout, or -1; readable() says whether to wait for it.
  int out_fd() const { return out_fd_.get(); }
  bool wants_readable() const { return out_fd_ && out_.wants_source(); }
  // The write end of stdin, or -1; writable() says whether to wait for it.
  int in_fd() const { return in_fd_.get(); }
  bool wants_writable() const { return in_fd_ && feed_.wants_sink(); }

 private:
  enum class Framing { raw, length, chunked, close };

  // Turns the header block in head_buf_ into the response head. Returns moved, or why not.
  Read take_head();
  // Appends len body bytes to the output, framed; past the script's Content-Length they are dropped.
  void frame_body(const char* data, std::size_t len);
  // Ends the framing: the last chunk; a body shorter than its Content-Length ends keep-alive.
  void finish_framing();
  // Decides from the parsed header block whether the output is compressed
  // as a stream; if so, adjusts its headers (Content-Length dropped, ETag made weak).
  bool start_stream_coding(CgiHeaderResult& r, bool bodyless);

  Worker& w_;
  std::string label_;
  CgiResponseShape shape_;
  CgiChild* child_ = nullptr;
  unique_fd out_fd_;
  unique_fd in_fd_;
  bool active_ = false;
  bool exited_ = false;
  // output
  BytePump out_{k_relay_buffer};
  std::string head_buf_;  // the header block while it arrives
  Response head_;         // the parsed head (structured shapes only)
  bool head_done_ = false;
  Framing framing_ = Framing::raw;
  int status_ = 200;
  std::uint64_t declared_ = 0;  // the script's Content-Length, when declared_set_
  bool declared_set_ = false;
  bool excess_ = false;  // the script wrote past its Content-Length
  std::uint64_t payload_ = 0;
  std::unique_ptr<StreamEncoder> encoder_;  // the output compressed as a stream, or null
  bool encoding_ = false;                   // the head says Content-Encoding (also for HEAD, without an encoder)
  std::string packed_;                      // compressed bytes on their way into a chunk
  std::string failure_;
  std::string redirect_;
  // request body
  BodyStore body_;
  std::unique_ptr<Route> waiting_route_;
  BytePump feed_{k_body_buffer};
  std::uint64_t feed_pos_ = 0;
};

}  // namespace filehttpd
