#pragma once
// An HTTP/2 session over one transport, with nghttp2 doing the framing and
// HPACK: client bytes go in with receive(), frames come out with flush().
// Each stream gets an H2Stream (its own Exchange); a response is submitted
// with nghttp2_submit_response and a data provider over the stream's queue.
// Where the transport sends files without copying (h2c, kTLS), DATA frames of
// a file carry it by reference (NGHTTP2_DATA_FLAG_NO_COPY): the frame header
// and the file range go into the wire queue, and sendfile writes the payload.
// The session knows no epoll: its connection asks wants_write()/done().
#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "h2_wire.hpp"
#include "reply.hpp"
#include "transport.hpp"

namespace filehttpd {

class H2Stream;
class Worker;

// The client connection preface (RFC 9113 section 3.4).
inline constexpr std::string_view k_h2_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// Bytes gathered from nghttp2 before one write to the transport.
inline constexpr std::size_t k_h2_write_batch = 64 * 1024;
// Bytes one flush() writes before it returns, so the connection reads the client
// (new requests, WINDOW_UPDATEs) between turns even when the client keeps up.
inline constexpr std::size_t k_h2_write_turn = 256 * 1024;
// Streams per second a client may reset before the session ends (nghttp2's limiter burst and rate).
inline constexpr std::uint64_t k_h2_reset_burst = 1000;
inline constexpr std::uint64_t k_h2_reset_rate = 33;
// CONTINUATION frames one header block may have.
inline constexpr std::size_t k_h2_max_continuations = 8;
// RST_STREAMs we send on one connection before GOAWAY ENHANCE_YOUR_CALM (MadeYouReset).
inline constexpr std::uint64_t k_h2_reset_budget = 200;

// Empty DATA frames (no END_STREAM) one connection may send before GOAWAY ENHANCE_YOUR_CALM.
inline constexpr std::uint64_t k_h2_empty_data_budget = 100;
// PINGs a client may send between two responses before GOAWAY ENHANCE_YOUR_CALM.
inline constexpr std::uint64_t k_h2_ping_budget = 100;

class H2Session {
 public:
  // A server session over io; conn is the connection's host (peer, TLS facts).
  H2Session(Worker& w, Transport& io, ExchangeHost& conn);
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // Feeds client bytes (the preface first). Returns false when the session must end.
  bool receive(const char* data, std::size_t len);
  // Writes what nghttp2 has to send until done, the transport is full or
  // k_h2_write_turn bytes went out. Returns false on a transport error.
  bool flush();
  // True when bytes wait for the transport to take them, or nghttp2 has frames it may send now.
  bool wants_write() const { return !wire_.empty() || nghttp2_session_want_write(session_); }
  // True when the session has nothing more to read or write: close.
  bool done() const;
  // True when no stream is open.
  bool idle() const { return streams_.empty(); }
  // True once the whole client connection preface has come in.
  bool preface_received() const { return received_ >= k_h2_preface.size(); }
  // Sends GOAWAY: with error NO_ERROR the streams in flight finish first.
  void goaway(std::uint32_t error);
  // Bytes written to the transport so far.
  std::uint64_t bytes_out() const { return bytes_out_; }
  // Response bytes (HEADERS and DATA frames) handed to the transport so far: the
  // progress send_timeout measures (control frames such as PING ACKs are not).
  std::uint64_t response_bytes() const { return response_bytes_; }

  // Submits stream's response (called by the stream when its exchange answers).
  void submit(H2Stream& stream);

  // CGI streams (see h2_session_cgi.cpp)
  // Sets what kick() calls: the connection's flush and deadline update.
  void on_kick(std::function<void()> fn) { kick_ = std::move(fn); }
  // Frames may be waiting after an event outside the socket's (a script's output): flush them.
  void kick();
  // Stream id's data provider has bytes again.
  void resume(std::int32_t id);
  // Resets stream id (INTERNAL_ERROR).
  void reset(std::int32_t id);
  // Returns the earliest CGI deadline of the streams.
  std::chrono::steady_clock::time_point cgi_deadline() const;
  // True while some stream waits on its script's output.
  bool cgi_waiting() const;
  // Acts on the CGI deadlines that passed by now. Returns true when one did.
  bool expire_cgi(std::chrono::steady_clock::time_point now);

 private:
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                       const std::uint8_t* value, std::size_t valuelen, std::uint8_t flags, void* self);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_data_chunk(nghttp2_session*, std::uint8_t flags, std::int32_t id, const std::uint8_t* data,
                           std::size_t len, void* self);
  static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t error, void* self);
  static ssize_t read_data(nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source* source, void* self);
  static int send_data(nghttp2_session*, nghttp2_frame* frame, const std::uint8_t* framehd, std::size_t length,
                       nghttp2_data_source* source, void* self);
  // Ends the session with GOAWAY ENHANCE_YOUR_CALM (once), logging what ran out.
  void calm_down(const char* what, std::uint64_t count);
  // Destroys a closed stream; one that had a CGI is kept by the worker until the epoll batch ends.
  void drop(std::unique_ptr<H2Stream> s);
  // Returns the stream with id, or nullptr.
  H2Stream* stream(std::int32_t id);

  Worker& w_;
  Transport& io_;
  ExchangeHost& conn_;
  nghttp2_session* session_ = nullptr;
  std::map<std::int32_t, std::unique_ptr<H2Stream>> streams_;
  WireQueue wire_;
  std::vector<nghttp2_nv> nva_;  // submit()'s field list, reused
  std::string names_;            // submit()'s lower-cased names, reused
  bool by_reference_ = false;  // file DATA goes out by reference (the transport copies nothing)
  std::uint64_t requests_ = 0;
  std::uint64_t resets_sent_ = 0;
  std::uint64_t bytes_out_ = 0;
  std::uint64_t response_bytes_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t empty_data_ = 0;
  std::uint64_t pings_ = 0;
  bool calmed_ = false;
  std::function<void()> kick_;
};

}  // namespace filehttpd
