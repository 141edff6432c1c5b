#pragma once
// One HTTP/2 stream: the request its header block carried, the Exchange that
// answers it, and the body the exchange queued, which the session's data
// provider copies out frame by frame. The stream is the exchange's host:
// the exchange talks to it exactly as it talks to an HTTP/1.1 connection.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth_gate.hpp"
#include "cgi_exchange.hpp"
#include "exchange.hpp"
#include "http_parser.hpp"
#include "output_queue.hpp"
#include "reply.hpp"
#include "router.hpp"
#include "worker.hpp"

namespace filehttpd {

// The shortest file range sent by reference: a shorter one is copied, so that
// small responses share one write instead of a sendfile each.
inline constexpr std::uint64_t k_h2_by_reference_min = 16 * 1024;
// read_body's answer when a script's output has no bytes yet.
inline constexpr long k_h2_deferred = -2;

class H2Session;

class H2Stream final : public ExchangeHost, public CgiOwner, private AuthWaiter {
 public:
  // Stream id of session, on a connection conn (its peer and TLS facts).
  H2Stream(H2Session& session, std::int32_t id, Worker& w, ExchangeHost& conn);
  ~H2Stream() override;
  H2Stream(const H2Stream&) = delete;
  H2Stream& operator=(const H2Stream&) = delete;

  // Takes one field of the header block. Returns false when the field is
  // malformed (the stream is reset). Counts decoded sizes against the limit.
  bool add_field(std::string_view name, std::string_view value);
  // The header block is complete: answers the request (or 431 / a reset).
  // Returns false when the stream must be reset instead (pseudo-fields missing).
  // end_stream: the HEADERS frame ended the stream (no body follows).
  bool begin(std::uint64_t count, bool end_stream);
  // Takes len bytes of request body from a DATA frame (kept only while collecting one).
  void body_data(const std::uint8_t* data, std::size_t len);
  // The client's half of the stream ended: a collected body is whole, its script starts.
  void end_of_body();
  // Copies up to room body bytes into buf. Sets eof when the body is all out;
  // returns the bytes copied, -1 when the body cannot be read (reset), or
  // k_h2_deferred when a script's output has no bytes yet (resumed later).
  // With by_reference, file bytes are not copied: by_ref is set and the
  // count returned is for take_file(), which the session calls next.
  long read_body(std::uint8_t* buf, std::size_t room, bool by_reference, bool& by_ref, bool& eof);
  // Hands over the len file bytes read_body() announced by reference: their
  // offset, and the file, which stays open as long as the caller holds it.
  std::shared_ptr<const unique_fd> take_file(std::size_t len, off_t& offset);
  // The stream closed: writes its access-log line; aborted when it ended early.
  void closed(bool aborted);

  // The response to submit: the exchange's, or a script's header block.
  const Response& response() const;
  // Returns the CGI deadline: limits.body_timeout while a body is collected,
  // cgi.timeout while a script is waited on, else time_point::max().
  steady_clock::time_point cgi_deadline() const { return cgi_deadline_; }
  // True while a script's output is waited on.
  bool cgi_waiting() const;
  // The CGI deadline passed: 408 while collecting, 504 before the head, else the stream is reset.
  void cgi_timeout();
  // Stops the stream's script (the stream is going away).
  void stop_cgi();
  // True when the stream ever had a CGI (its tags may still be in the epoll batch).
  bool had_cgi() const { return static_cast<bool>(cgi_); }
  // True when a body is queued behind the response.
  bool has_body() const { return has_body_; }
  std::int32_t id() const { return id_; }

  // ExchangeHost
  void send_response() override;
  void collect_body(Route route, bool send_continue) override;
  int run_script(const CgiSpawn& spec, const CgiResponseShape& shape, std::string label) override;
  const std::string& peer() override { return conn_.peer(); }
  PeerInfo peer_info() override { return conn_.peer_info(); }
  const sockaddr_storage& peer_address() const override { return conn_.peer_address(); }
  bool secure() const override { return conn_.secure(); }
  std::string_view sni() const override { return conn_.sni(); }
  AuthWaiter& auth_waiter() override { return *this; }
  // The stream has no input to hold back: it only notes that a check runs.
  void wait_for_auth() override { waiting_auth_ = true; }

 private:
  // AuthWaiter: the verification ended; the exchange goes on, then the session is kicked to flush.
  void auth_verified(bool ok) override;

 public:

  // CgiOwner
  void on_cgi_out_event(std::uint32_t events) override;
  void on_cgi_in_event(std::uint32_t events) override;
  void on_cgi_exit(int wait_status) override;

 private:
  // Reads the script's output while there is room; submits the head once parsed.
  void relay();
  // Copies script output for a DATA frame (see read_body).
  long read_cgi_body(std::uint8_t* buf, std::size_t room, bool& eof);
  // Sets the pipes' epoll interest from what the CGI wants.
  void update_pipe_interest();
  // Moves the CGI deadline after ev.
  void move_cgi_deadline(CgiWait ev);
  // Stops collecting the request body and answers status (408, 413, 500).
  void refuse_body(int status);
  // The script failed before its head: stops it and answers status.
  void cgi_fail(int status, const char* why);

  H2Session& session_;
  std::int32_t id_;
  ExchangeHost& conn_;
  Worker& w_;
  Request req_;
  std::string method_;
  std::string authority_;
  bool has_path_ = false;
  bool too_large_ = false;
  bool has_body_ = false;
  bool responded_ = false;
  bool waiting_auth_ = false;  // a password check for this stream runs off the loop
  std::uint64_t header_bytes_ = 0;
  std::uint64_t body_sent_ = 0;
  OutputQueue out_;
  Exchange ex_;
  // CGI
  std::unique_ptr<CgiExchange> cgi_;
  std::unique_ptr<Route> waiting_route_;  // the script waiting for the request body
  bool collecting_ = false;
  bool ended_ = false;      // the client's half closed (END_STREAM)
  bool cgi_relay_ = false;  // the response body is the script's output
  bool deferred_ = false;   // the data provider waits for script output
  std::uint64_t body_limit_ = 0;
  EpollTag out_tag_{EpollTag::Kind::cgi_out, static_cast<CgiOwner*>(this)};
  EpollTag in_tag_{EpollTag::Kind::cgi_in, static_cast<CgiOwner*>(this)};
  std::uint32_t out_interest_ = 0;
  std::uint32_t in_interest_ = 0;
  steady_clock::time_point cgi_deadline_ = steady_clock::time_point::max();
};

}  // namespace filehttpd
