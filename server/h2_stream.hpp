#pragma once
// One HTTP/2 stream: the request its header block carried, the Exchange that
// answers it, and the body the exchange queued, which the session's data
// provider copies out frame by frame. The stream is the exchange's host:
// the exchange talks to it exactly as it talks to an HTTP/1.1 connection.
#include <cstdint>
#include <string>
#include <string_view>

#include "auth_gate.hpp"
#include "exchange.hpp"
#include "http_parser.hpp"
#include "output_queue.hpp"
#include "reply.hpp"

namespace filehttpd {

class H2Session;
class Worker;

class H2Stream final : public ExchangeHost, private AuthWaiter {
 public:
  // Stream id of session, on a connection conn (its peer and TLS facts).
  H2Stream(H2Session& session, std::int32_t id, Worker& w, ExchangeHost& conn);
  ~H2Stream();
  H2Stream(const H2Stream&) = delete;
  H2Stream& operator=(const H2Stream&) = delete;

  // Takes one field of the header block. Returns false when the field is
  // malformed (the stream is reset). Counts decoded sizes against the limit.
  bool add_field(std::string_view name, std::string_view value);
  // The header block is complete: answers the request (or 431 / a reset).
  // Returns false when the stream must be reset instead (pseudo-fields missing).
  bool begin(std::uint64_t count);
  // Copies up to room body bytes into buf. Sets eof when the body is all out;
  // returns the bytes copied, or -1 when the body cannot be read (reset).
  long read_body(std::uint8_t* buf, std::size_t room, bool& eof);
  // The stream closed: writes its access-log line; aborted when it ended early.
  void closed(bool aborted);

  // The exchange's response (after send_response()).
  const Response& response() const { return ex_.response(); }
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
  // AuthWaiter: the verification ended; the exchange goes on, then the connection flushes.
  void auth_verified(bool ok) override;

 public:

 private:
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
};

}  // namespace filehttpd
