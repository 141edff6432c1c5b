#pragma once
// One request's answer, by profile: the request checks (version, Host, body
// limits), the keep-alive decision, dispatch to a responder (which builds a
// structured Response), the CGI decisions and the access-log entry. It knows no
// sockets: it fills the connection's OutputQueue and asks its ExchangeHost
// for the rest.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http_parser.hpp"
#include "metrics.hpp"
#include "output_queue.hpp"
#include "reply.hpp"
#include "router.hpp"
#include "sites.hpp"

namespace filehttpd {

class Worker;

class Exchange {
 public:
  Exchange(Worker& w, ExchangeHost& host, OutputQueue& out);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // A request head is complete (the connection's count-th): answer it by profile.
  void begin(Request& req, std::uint64_t count);
  // The head could not be parsed: answers status and ends the connection.
  void bad_request(const Request& partial, int status);
  // An error response (bare in classic, HTML in http); close ends keep-alive.
  void respond_error(int status, bool close);
  // Refuses a body that will not reach its script (400, 408, 413, 500): the
  // connection lingers, then closes.
  void refuse_body(int status);
  // Spawns route's script with body_length bytes of stdin (none: no body).
  // Returns false when it answered instead (503, 500).
  bool spawn_script(Request& req, Route& route, std::optional<std::uint64_t> body_length);
  // redirect_http on a plain connection: answers 308 to https:// and returns true (not for ACME challenges).
  bool redirect_to_https(const Request& req);
  // A script answered with a local Location: serves that path as a GET.
  void internal_redirect(Request& req, const std::string& target);
  // The off-loop password check of this request ended: go on, or answer 401.
  void auth_verified(bool ok);
  // The script's header block came: its status is the response's.
  void set_status(int status) { reply_.response.status = status; }
  // The response ended; keep-alive holds only when its framing allows it too.
  void end_keep_alive_unless(bool framing_allows) { reply_.keep_alive = reply_.keep_alive && framing_allows; }

  // Whether the connection stays open after this response.
  bool keep_alive() const { return reply_.keep_alive; }
  // Whether closing must drain the client's input first (it may still be sending).
  bool force_linger() const { return reply_.force_linger; }
  // The response the exchange built (for the session to frame).
  const Response& response() const { return reply_.response; }
  // The request's minor version (HTTP/1.x).
  int version_minor() const { return reply_.version_minor; }
  // Writes the access-log line of the open response, once. body_bytes: body
  // bytes sent; nothing_sent with aborted logs 499.
  void log_access(std::uint64_t body_bytes, bool aborted, bool nothing_sent);

 private:
  // The classic contract: file, CGI raw passthrough, or a bare status.
  void handle_classic(Request& req);
  // http profile checks (version, Host, body size), then dispatch().
  void handle_http(Request& req);
  // Picks the site req's Host names. Returns false when it answered 421: over
  // TLS, the SNI name picks another site.
  bool pick_site(const Request& req);
  // Cache or router, then the matching respond_*; depth counts CGI internal redirects.
  void dispatch(Request& req, int depth);
  // Applies [[access]] and [[auth]] to req's path. Returns true when the
  // request may go on; otherwise it has answered (403, 401, 429, 503) or
  // waits for a verification (auth_verified() goes on).
  bool guard(Request& req, int depth);
  // A route the server picked itself (the fallback) behind a rule this request has not passed: 404.
  bool route_guarded(const Route& r);
  // Answers 401 with the challenge of rule.
  void challenge(const AuthRule& rule);
  // Answers status and ends keep-alive, counting the refusal under why.
  void reject(int status, Rejection why);
  // Returns true (and logs) when cgi.max_concurrent scripts run already.
  bool cgi_limit_reached();
  // Runs the error page for status when it is a CGI script (see
  // error_page_script_runs()). Returns false when it is not: answer as usual.
  bool run_error_page(Request& req, int status);
  // A CGI route: at once without a body, else after the connection collects it.
  void start_cgi(Request& req, Route& route, int depth);

  Worker& w_;
  Reply reply_;
  Site* site_;  // the site answering the request (the default one until a Host picks another)
  const Request* req_ = nullptr;  // the request being answered
  bool response_open_ = false;
  MethodLabel method_ = MethodLabel::other;  // as the request came, before any internal redirect
  Rejection reject_ = Rejection::none;       // why a 4xx refused the request, for the counters    // a request is being
                                             // answered and has no access-log line yet
  int redirects_ = 0;                        // local redirects followed for this request
  Request* waiting_req_ = nullptr;           // the request whose password is being verified
  const AuthRule* waiting_rule_ = nullptr;   // and the rule it is verified for
  int waiting_depth_ = 0;                    // the local redirects behind the waiting request
  std::string waiting_user_;                 // and the user it claims to be
  std::string remote_user_;                  // the user the request's [[auth]] rule let in
  bool verified_ = false;                    // the verification just passed: guard() lets it through once
  std::string request_line_;
};

}  // namespace filehttpd
