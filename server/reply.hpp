#pragma once
// One response under construction: its head (status line, framing lines),
// the body parts queued behind it in the connection's OutputQueue, and
// whether the connection stays open after it. No sockets: send() hands the
// queue to the ExchangeHost.
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "cgi.hpp"
#include "cgi_exchange.hpp"
#include "output_queue.hpp"
#include "router.hpp"

namespace filehttpd {

// What an exchange may ask of its connection: nothing more.
class ExchangeHost {
 public:
  // The queue holds a whole response: send it, then finish the exchange.
  virtual void send_response() = 0;
  // Reads route's request body before its script runs; sends 100 Continue first when asked.
  virtual void collect_body(Route route, bool send_continue) = 0;
  // Starts the script as spec and shape say. Returns 0, or the errno of a failed start.
  virtual int run_script(const CgiSpawn& spec, const CgiResponseShape& shape, std::string label) = 0;
  // The client's address for log lines.
  virtual const std::string& peer() = 0;
  // Client and server addresses for a CGI environment.
  virtual PeerInfo peer_info() = 0;
  // The client's socket address.
  virtual const sockaddr_storage& peer_address() const = 0;
  // True when the connection is TLS.
  virtual bool secure() const = 0;
  // Header lines every response on this connection carries (HSTS over TLS), CRLF-ended.
  virtual std::string_view connection_head_lines() const = 0;

 protected:
  ~ExchangeHost() = default;
};

struct Reply {
  Reply(OutputQueue& queue, ExchangeHost& h) : out(queue), host(h) {}

  // Starts a head: status line, Date, Server; drops queued chunks.
  void start(int status, std::string_view reason = {});
  // Ends a head: Content-Length (optional), Connection, blank line; queues it.
  void end_head(bool with_body_length, std::uint64_t length);
  // Queues a whole head made elsewhere (the classic profile's bare heads).
  void queue_head(std::string head);
  // Ends a started head with the bytes in out.scratch() as a body of
  // content_type (none for HEAD) and sends.
  void send_scratch(std::string_view content_type);
  // send_scratch() of HTML.
  void send_html() { send_scratch("text/html; charset=utf-8"); }
  // Sends what is queued.
  void send() { host.send_response(); }

  OutputQueue& out;
  ExchangeHost& host;
  int status = 0;
  std::uint64_t head_len = 0;  // bytes of the head at the front of the queue
  bool keep_alive = false;
  bool force_linger = false;  // closing must drain the client's input first
  bool head_only = false;     // HEAD: no body bytes
  int version_minor = 1;      // of the request
};

}  // namespace filehttpd
