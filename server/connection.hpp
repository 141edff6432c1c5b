#pragma once
// One client connection: an explicit state machine over the socket, its
// buffers, deadlines, linger and close. interest() derives the epoll interest
// from the state. Requests are read and parsed in connection_input.cpp. The
// Exchange answers each request; the connection sends what it queues, or
// relays a CGI's output (connection_cgi.cpp).
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>

#include "byte_pump.hpp"
#include "cgi_exchange.hpp"
#include "exchange.hpp"
#include "h2_session.hpp"
#include "http_parser.hpp"
#include "output_queue.hpp"
#include "tls_transport.hpp"
#include "transport.hpp"
#include "unique_fd.hpp"
#include "worker.hpp"

namespace filehttpd {

// Size of one recv() into the input buffer.
inline constexpr std::size_t k_read_chunk = 16 * 1024;
// A deadline that never comes.
inline constexpr auto k_never = steady_clock::time_point::max();
// Longest a closing connection waits for the peer to finish sending.
inline constexpr std::chrono::milliseconds k_linger_timeout{2000};
// Bytes read and dropped while lingering before we give up.
inline constexpr std::size_t k_linger_max_bytes = 1024 * 1024;

class Connection final : private ExchangeHost, private AuthWaiter, public CgiOwner {
 public:
  enum class State {
    read_request,  // waiting for (the rest of) a request head
    read_body,     // collecting a request body before its CGI starts
    cgi_head,      // waiting for a CGI's header block (parsed output only)
    relay,         // relaying CGI output to the client
    auth_wait,     // a password is being verified off the loop; nothing is read meanwhile
    send,          // sending a head and a file or memory body
    linger,        // sent everything, reading until the peer closes
    h2,            // an HTTP/2 session owns the connection
    closed,
  };

  // With tls, the connection starts with a TLS handshake (worker.tls()'s contexts).
  Connection(Worker& worker, unique_fd fd, const sockaddr_storage& peer, bool tls = false);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads what has arrived and registers with epoll. Call once, after the
  // worker has recorded the connection.
  void start();
  // Handles epoll events on the client socket.
  void on_socket_event(std::uint32_t events);
  // Handles readiness of the CGI's stdout.
  void on_cgi_out_event(std::uint32_t events) override;
  // Handles readiness of the CGI's stdin.
  void on_cgi_in_event(std::uint32_t events) override;
  // The CGI child has exited (already reaped).
  void on_cgi_exit(int wait_status) override;
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
  // Applies the CGI pipes' wanted readiness to epoll (connection_cgi.cpp).
  void update_pipe_interest();

  // Input (connection_input.cpp)
  // Reads and handles input until the socket has nothing more (TLS: nor OpenSSL).
  void read_socket();
  // One read into the worker's buffer, then parse, collect a body or linger.
  void read_once();
  // Parses fresh bytes, keeping what is not consumed in in_.
  void feed_bytes(const char* data, std::size_t len);
  // Parses what in_ holds (pipelined requests).
  void process_buffered();
  // Runs requests found in data while in read_request. Returns bytes consumed.
  std::size_t process(const char* data, std::size_t len);

  // ExchangeHost
  void send_response() override;
  void collect_body(Route route, bool send_continue) override;
  int run_script(const CgiSpawn& spec, const CgiResponseShape& shape, std::string label) override;
  const std::string& peer() override;
  PeerInfo peer_info() override;
  const sockaddr_storage& peer_address() const override { return peer_; }
  bool secure() const override { return io_ != &plain_; }
  std::string_view sni() const override;
  // Header lines every response on this connection carries (HSTS over TLS), CRLF-ended.
  std::string_view connection_head_lines() const;
  AuthWaiter& auth_waiter() override { return *this; }
  void wait_for_auth() override;
  // AuthWaiter: the verification ended; the exchange goes on.
  void auth_verified(bool ok) override;

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
  // Writes the access-log line of the open response (499 when aborted before any byte).
  void log_access(bool aborted = false);
  // Body bytes of this response handed to the socket: no head, no chunk framing.
  std::uint64_t body_bytes_sent() const;

  // HTTP/2 (connection_h2.cpp)
  // Returns the bytes of data taken when they start an HTTP/2 session (the
  // h2c preface, or ALPN h2), which then owns the connection; 0 otherwise.
  std::size_t maybe_start_h2(const char* data, std::size_t len);
  // Feeds bytes read to the HTTP/2 session.
  void h2_receive(const char* data, std::size_t len);
  // Lets the HTTP/2 session write, then closes it when it is done.
  void h2_run();
  // Acts on the HTTP/2 connection's deadline (idle: GOAWAY; no send progress: close).
  void h2_timer();

  // TLS (connection_tls.cpp)
  // Puts a TLS transport over the socket; closes the socket when OpenSSL cannot.
  void start_tls();
  // Adds the TLS session's protocol, cipher and SNI name to info (nothing on plain connections).
  void add_tls_info(PeerInfo& info) const;
  // Returns the TLS transport, or nullptr on a plain connection.
  TlsTransport* tls() const;
  // A read failed: answers a plain HTTP client on a TLS port with 400, or closes.
  void read_failed();

  // CGI (connection_cgi.cpp)
  // Parses the body bytes in in_ into the exchange's body; runs the script once it is whole.
  void take_body();
  // Answers status for a body that will not reach its script (400, 408, 413, 500).
  void refuse_body(int status);
  // Runs the output relay (the exchange's output -> client) until it
  // stalls; finishes the response when the output has ended and is sent.
  void relay_run();
  // The relay's sink: one send of data to the client.
  IoStep relay_send(const char* data, std::size_t len, std::size_t& written);
  // Logs why, stops the script and answers status instead.
  void cgi_fail(int status, const char* why);
  // Acts on the CGI deadline: a silent script is stopped.
  void cgi_timeout();
  // Moves the CGI deadline for ev (see next_cgi_deadline()).
  void move_cgi_deadline(CgiWait ev);
  // Returns the CGI exchange, made on first use.
  CgiExchange& cgi();
  // Stops the script (if any) and forgets its pipes' epoll interest.
  void stop_cgi();

  Worker& w_;
  unique_fd fd_;
  PlainTransport plain_{fd_.get()};  // the byte stream over fd_, unless TLS
  Transport* io_ = &plain_;          // plain_, or a TlsTransport this owns
  std::uint32_t sock_interest_ = 0;
  State state_ = State::read_request;
  // flags (kept together: one word for all of them)
  bool in_process_ = false;
  bool head_timer_set_ = false;
  bool want_write_ = false;
  bool h2_idle_ = false;  // the HTTP/2 session had no open stream at the last h2_run()
  sockaddr_storage peer_{};
  EpollTag sock_tag_{EpollTag::Kind::socket, this};
  steady_clock::time_point deadline_{};

  // input
  std::string in_;
  std::size_t in_off_ = 0;
  RequestParser parser_;
  std::uint64_t requests_ = 0;
  std::string peer_str_;

  // output
  OutputQueue out_;
  Exchange ex_{w_, *this, out_};
  std::uint64_t sent_ = 0;          // bytes of this response handed to the socket, head included
  std::uint64_t head_len_ = 0;      // bytes of the framed head at the front of a queued response
  std::uint64_t payload_sent_ = 0;  // CGI body bytes whose framed output the socket took in full
  std::uint64_t linger_read_ = 0;   // bytes read and dropped while lingering

  // HTTP/2
  std::unique_ptr<H2Session> h2_;  // only once the connection speaks HTTP/2

  // CGI
  std::unique_ptr<CgiExchange> cgi_;  // only while a CGI request needs it
  EpollTag cgi_out_tag_{EpollTag::Kind::cgi_out, static_cast<CgiOwner*>(this)};
  EpollTag cgi_in_tag_{EpollTag::Kind::cgi_in, static_cast<CgiOwner*>(this)};
  std::uint32_t cgi_out_interest_ = 0;
  std::uint32_t cgi_in_interest_ = 0;
  steady_clock::time_point cgi_deadline_{};
};

}  // namespace filehttpd
