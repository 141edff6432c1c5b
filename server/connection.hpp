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

#include "byte_pump.hpp"
#include "cgi.hpp"
#include "cgi_exchange.hpp"
#include "file_cache.hpp"
#include "http_parser.hpp"
#include "output_queue.hpp"
#include "request_body.hpp"
#include "router.hpp"
#include "unique_fd.hpp"
#include "worker.hpp"

namespace filehttpd {

// Size of one recv() into the input buffer.
inline constexpr std::size_t k_read_chunk = 16 * 1024;
// Longest a closing connection waits for the peer to finish sending.
inline constexpr std::chrono::milliseconds k_linger_timeout{2000};

// A file answered in a negotiated encoding.
struct FileVariant {
  std::string headers;  // Vary, Content-Encoding
  std::string_view content_type;
  std::string_view url_path;
};

class Connection {
 public:
  enum class State {
    read_request,  // waiting for (the rest of) a request head
    read_body,     // collecting a request body before its CGI starts
    cgi_head,      // waiting for a CGI's header block (http profile)
    relay,         // relaying CGI output to the client
    send,          // sending a head and a file or memory body
    linger,        // sent everything, reading until the peer closes
    closed,
  };

  Connection(Worker& worker, unique_fd fd, const sockaddr_storage& peer);
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
  // Moves to s and updates the epoll interest.
  void set_state(State s);
  // Returns the socket's epoll interest for the current state.
  std::uint32_t interest() const;
  // Applies interest() (and the CGI pipes' interest) to epoll when it changed.
  void update_interest();

  // One recv() into the worker's buffer, then parse, pump a body or linger.
  void read_socket();
  // Parses fresh bytes, keeping what is not consumed in in_.
  void feed_bytes(const char* data, std::size_t len);
  // Parses what in_ holds (pipelined requests).
  void process_buffered();
  // Runs requests found in data while in read_request. Returns bytes consumed.
  std::size_t process(const char* data, std::size_t len);
  // Parses the body bytes in in_ into body_; runs the script once the body is whole.
  void collect_body();
  // Answers status for a body that will not reach its script (400, 408, 413, 500).
  void refuse_body(int status);
  // A request head is complete: answer it by profile.
  void handle_request();
  // The classic contract: file, CGI raw passthrough, or a bare status.
  void handle_classic(Request& req);
  // http profile checks (version, Host, body size), then dispatch_http().
  void handle_http(Request& req);
  // Cache or router, then the matching respond_*; depth counts CGI internal redirects.
  void dispatch_http(Request& req, int depth);
  const std::string& peer_string();

  // 200/206/304/412/416 for a file, from the cache entry when given.
  // (variant: a precompressed sidecar or a negotiated identity answer, with
  // its extra header lines, the original's type and URL path)
  void respond_file(const Request& req, Route& route, std::shared_ptr<const CachedFile> cached,
                    const FileVariant* variant = nullptr);
  // GET/HEAD of a file with precompressed on: picks the sidecar or the file
  // itself from Accept-Encoding (406 when nothing acceptable exists).
  void respond_precompressed(const Request& req, Route& route);
  // An HTML listing of route's directory.
  void respond_listing(const Request& req, Route& route);
  // An error response (bare in classic, HTML in http); close ends keep-alive.
  void respond_error(int status, bool close, const Route* route = nullptr);
  // The health path: 200 while serving, 503 once stopping; 405 for other methods.
  void respond_health(bool get_or_head);
  // A redirect to location.
  void respond_redirect(int status, const std::string& location);
  // Ends a started head with the HTML in *scratch_ as its body (none for HEAD) and sends.
  void send_html();
  // Runs a CGI route: at once without a body, else after collecting it (read_body).
  void start_cgi(Request& req, Route& route, int depth);
  // Spawns the script (body_ is its stdin when body is set) and enters
  // cgi_head (http) or relay (classic, nph-).
  void spawn_script(Request& req, Route& route, bool body);
  // Enters send and writes as much of out_ as the socket takes.
  void begin_send();
  // Sends out_ until done or EAGAIN; finishes the response when done.
  void send_output();
  // The socket is full: keeps the pending bytes (own buffers) and waits for EPOLLOUT.
  void wait_writable();
  // After a failed send: EAGAIN waits for EPOLLOUT, errors close. Returns
  // true when the caller should retry at once (EINTR).
  bool send_failed(const char* what);
  // Logs the request, then keeps the connection alive, lingers or closes.
  void finish_response();
  // Closes the socket (stopping any CGI) and hands this to the graveyard.
  void close_now();
  // Half-closes and drains input for a while, so close() sends no RST.
  void start_linger();
  // Writes the access-log line of the open response, once; with aborted, a
  // response of which nothing was sent is logged as 499.
  void log_access(bool aborted = false);
  // Body bytes of this response handed to the socket: no head, no chunk framing.
  std::uint64_t body_bytes_sent() const;
  // Starts a head: status line, Date, Server.
  void head_start(int status, std::string_view reason = {});
  // Ends a head: Content-Length (optional), Connection, blank line; queues it.
  void head_end(bool with_body_length, std::uint64_t length);

  // CGI
  // Runs the output relay (the exchange's output -> client) until it
  // stalls; finishes the response when the output has ended and is sent.
  void relay_run();
  // The relay's sink: one send of data to the client.
  IoStep relay_send(const char* data, std::size_t len, std::size_t& written);
  // A script answered with a local Location: serves that path as a GET.
  void internal_redirect(const std::string& target);
  // Logs why, stops the script and answers status instead.
  void cgi_fail(int status, const char* why);
  // Returns the CGI exchange, made on first use.
  CgiExchange& cgi();
  // Stops the script (if any) and forgets its pipes' epoll interest.
  void stop_cgi();

  Worker& w_;
  unique_fd fd_;
  sockaddr_storage peer_{};
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
  OutputQueue out_;
  bool want_write_ = false;
  bool keep_alive_ = false;
  bool force_linger_ = false;
  bool nodelay_ = false;  // TCP_NODELAY already set on this socket

  // access log
  int status_ = 0;
  bool response_open_ = false;      // a request is being answered and has no access-log line yet
  std::uint64_t sent_ = 0;          // bytes of this response handed to the socket, head included
  std::uint64_t head_len_ = 0;      // bytes of the head at the front of a sent (not relayed) response
  std::uint64_t payload_sent_ = 0;  // CGI body bytes whose framed output the socket took in full
  std::uint64_t linger_read_ = 0;   // bytes read and dropped while lingering
  std::string request_line_;

  // CGI
  std::unique_ptr<CgiExchange> cgi_;  // only while a CGI request needs it
  EpollTag cgi_out_tag_{EpollTag::Kind::cgi_out, this};
  EpollTag cgi_in_tag_{EpollTag::Kind::cgi_in, this};
  std::uint32_t cgi_out_interest_ = 0;
  std::uint32_t cgi_in_interest_ = 0;
  bool cgi_exited_ = false;
  bool head_only_ = false;             // HEAD: discard the body
  int redirects_ = 0;                  // local redirects followed for this request
  std::string body_chunk_;             // parser output on its way into the exchange's body
  std::unique_ptr<Route> body_route_;  // the script that waits for its body
  steady_clock::time_point cgi_deadline_{};
};

}  // namespace filehttpd
