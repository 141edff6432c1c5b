#pragma once
// One response under construction: its Response (status, fields, length),
// the body parts queued in the connection's OutputQueue behind a slot the
// session fills with its framing, and whether the connection stays open
// after it. No sockets and no framing: send() hands it to the ExchangeHost.
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "cgi.hpp"
#include "cgi_exchange.hpp"
#include "output_queue.hpp"
#include "response.hpp"
#include "router.hpp"

namespace filehttpd {

class AuthWaiter;
struct AuthRule;
struct Site;

// What an exchange may ask of its connection: nothing more.
class ExchangeHost {
 public:
  // The exchange's Response is whole and its body queued: frame it, send it, then finish the exchange.
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
  // The server name the client gave in TLS SNI, or "" (none, or plain HTTP).
  virtual std::string_view sni() const = 0;
  // Who hears the answer of a password verification run for this exchange.
  virtual AuthWaiter& auth_waiter() = 0;
  // A verification runs off the loop: read nothing more until auth_verified().
  virtual void wait_for_auth() = 0;

 protected:
  ~ExchangeHost() = default;
};

struct Reply {
  Reply(OutputQueue& queue, ExchangeHost& h) : out(queue), host(h) {}

  // Starts a response of status: no fields, no length; drops queued chunks.
  void start(int status, std::string_view reason = {});
  // The body is length bytes long (framed with Content-Length in HTTP/1.1).
  void set_length(std::uint64_t length) {
    response.has_length = true;
    response.length = length;
  }
  // Adds a field to the response.
  void add(std::string_view name, std::string_view value) { response.fields.add(name, value); }
  // Sends the bytes in out.scratch() as the body (none for HEAD) of content_type.
  void send_scratch(std::string_view content_type);
  // send_scratch() of HTML.
  void send_html() { send_scratch("text/html; charset=utf-8"); }
  // Sends the response and what is queued.
  void send() { host.send_response(); }

  OutputQueue& out;
  ExchangeHost& host;
  Response response;
  bool keep_alive = false;
  bool force_linger = false;  // closing must drain the client's input first
  bool head_only = false;     // HEAD: no body bytes
  int version_minor = 1;      // of the request
  const Site* site = nullptr;  // whose settings answer (never null once an exchange has begun)
  const AuthRule* passed_rule = nullptr;  // the [[auth]] rule the request's credentials passed
};

}  // namespace filehttpd
