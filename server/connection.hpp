#pragma once
// One client connection: an explicit state machine. interest() derives the
// epoll interest from the state; every transition goes through set_state().
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cgi.hpp"
#include "file_cache.hpp"
#include "http_parser.hpp"
#include "router.hpp"
#include "unique_fd.hpp"
#include "worker.hpp"

namespace filehttpd {

// Size of one recv() into the input buffer.
inline constexpr std::size_t k_read_chunk = 16 * 1024;
// Bytes of CGI output buffered per connection before reading pauses.
inline constexpr std::size_t k_relay_buffer = 64 * 1024;
// Largest CGI header block.
inline constexpr std::size_t k_cgi_header_limit = 64 * 1024;
// Longest a closing connection waits for the peer to finish sending.
inline constexpr std::chrono::milliseconds k_linger_timeout{2000};
// Bytes of request body held for a CGI's stdin before reading pauses.
inline constexpr std::size_t k_body_buffer = 64 * 1024;

class Connection {
 public:
  enum class State {
    read_request,  // waiting for (the rest of) a request head
    cgi_head,      // waiting for a CGI's header block (http profile)
    relay,         // relaying CGI output to the client
    send,          // sending a head and a file or memory body
    linger,        // sent everything, reading until the peer closes
    closed,
  };

  Connection(Worker& worker, unique_fd fd, const sockaddr_storage& peer, socklen_t peer_len);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads what has arrived and registers with epoll. Call once, after the
  // worker has recorded the connection.
  void start();
  // Handles epoll events on the client socket.
  void on_socket_event(std::uint32_t events);
  // Handles readiness of the CGI's stdout.
  void on_cgi_out_event(std::uint32_t events);
  // Handles readiness of the CGI's stdin.
  void on_cgi_in_event(std::uint32_t events);
  // The CGI child has exited (already reaped).
  void on_cgi_exit(int wait_status);
  // Acts on an expired deadline.
  void on_timer();
  // The worker is stopping: close now when idle.
  void on_drain();
  // Forces the connection closed (end of the grace period).
  void force_close();

  State state() const { return state_; }
  // Returns the earliest time on_timer() has something to do.
  steady_clock::time_point deadline() const;

  std::size_t slot_ = 0;  // index in the worker's connection list

 private:
  void set_state(State s);
  std::uint32_t interest() const;
  void update_interest();

  void read_socket();
  void feed_bytes(const char* data, std::size_t len);
  void process_buffered();
  std::size_t process(const char* data, std::size_t len);
  void pump_body();
  void handle_request();
  void handle_classic(Request& req);
  void handle_http(Request& req);
  void dispatch_http(Request& req, int depth);
  const std::string& peer_string();

  void respond_file(const Request& req, Route& route, std::shared_ptr<const CachedFile> cached);
  void respond_listing(const Request& req, Route& route);
  void respond_error(int status, bool close, const Route* route = nullptr);
  void respond_redirect(int status, const std::string& location);
  void start_cgi(Request& req, Route& route, int depth);
  void begin_send();
  void send_output();
  // After a failed send: EAGAIN waits for EPOLLOUT, errors close. Returns
  // true when the caller should retry at once (EINTR).
  bool send_failed(const char* what);
  // Copies pending data out of the worker's shared buffers.
  void own_buffers();
  // Builds the next response in the worker's shared buffers.
  void use_shared_buffers();
  void finish_response();
  void close_now();
  void start_linger();
  void log_access();
  void add_mem(std::string_view data);
  void add_file(off_t offset, std::uint64_t length);
  void head_start(int status, std::string_view reason = {});
  void head_end(bool with_body_length, std::uint64_t length);

  // CGI relay
  void cgi_read();
  void cgi_write_body();
  void relay_flush();
  bool cgi_parse_head();
  void cgi_finish_output();
  // The script's output is over (EOF, or abandoned after it exited): finish
  // the response, or 502 with why_if_no_head when no header block came.
  void cgi_output_ended(const char* why_if_no_head);
  void cgi_fail(int status, const char* why);
  void stop_cgi();
  void close_cgi_out();
  void close_cgi_in();

  Worker& w_;
  unique_fd fd_;
  sockaddr_storage peer_{};
  socklen_t peer_len_ = 0;
  EpollTag sock_tag_{EpollTag::Kind::socket, this};
  std::uint32_t sock_interest_ = 0;
  State state_ = State::read_request;
  steady_clock::time_point deadline_{};

  // input
  std::string in_;
  std::size_t in_off_ = 0;
  RequestParser parser_;
  std::uint64_t requests_ = 0;
  bool in_process_ = false;
  bool head_timer_set_ = false;
  std::string peer_str_;

  // output
  struct Chunk {
    const char* data = nullptr;  // memory chunk when non-null
    off_t offset = 0;            // file chunk otherwise
    std::uint64_t length = 0;
  };
  // The response head and a memory body (errors, listings, multipart part
  // heads) are built in the worker's shared buffers; a response that cannot
  // be sent at once moves them into own_head_/own_scratch_ (own_buffers()),
  // so an idle connection holds no buffer.
  std::string* head_ = nullptr;
  std::string* scratch_ = nullptr;
  std::string own_head_;
  std::string own_scratch_;
  std::vector<Chunk> chunks_;
  std::size_t chunk_idx_ = 0;
  unique_fd file_fd_;
  std::shared_ptr<const CachedFile> cached_;
  bool want_write_ = false;
  bool keep_alive_ = false;
  bool force_linger_ = false;

  // access log
  int status_ = 0;
  std::uint64_t body_sent_ = 0;
  std::uint64_t body_total_ = 0;
  std::string request_line_;

  // CGI
  enum class RelayMode { raw, parsed_length, parsed_chunked, parsed_close };
  CgiChild* child_ = nullptr;
  unique_fd cgi_out_;
  unique_fd cgi_in_;
  EpollTag cgi_out_tag_{EpollTag::Kind::cgi_out, this};
  EpollTag cgi_in_tag_{EpollTag::Kind::cgi_in, this};
  std::uint32_t cgi_out_interest_ = 0;
  std::uint32_t cgi_in_interest_ = 0;
  RelayMode relay_mode_ = RelayMode::raw;
  std::string relay_;  // bytes waiting for the socket
  std::size_t relay_off_ = 0;
  bool cgi_eof_ = false;
  bool cgi_exited_ = false;
  bool head_only_ = false;  // HEAD: discard the body
  std::string body_buf_;    // request body waiting for the CGI's stdin
  std::size_t body_off_ = 0;
  bool body_done_ = false;
  bool body_active_ = false;  // the socket is read for a CGI's request body
  bool cgi_stdin_broken_ = false;
  steady_clock::time_point cgi_deadline_{};
};

}  // namespace filehttpd
