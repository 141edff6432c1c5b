#include "exchange.hpp"

#include <cerrno>
#include <cstring>

#include "access_log.hpp"
#include "cidr.hpp"
#include "compress_respond.hpp"
#include "http_date.hpp"
#include "log.hpp"
#include "path.hpp"
#include "responders.hpp"
#include "response.hpp"
#include "tls_context.hpp"
#include "worker.hpp"

namespace filehttpd {

namespace {

// Longest chain of CGI internal redirects (Location: /local).
constexpr int k_max_internal_redirects = 4;

const std::string& clf_time() {
  static SecondCache clf(format_clf_date);
  return clf.get();
}

// The file as it is, as one variant of a compressible file (Vary: Accept-Encoding):
// its type and URL path from the cache entry when there is one, else from the route.
FileVariant identity_variant(const Site& site, const CachedFile* cached, const Route& r) {
  FileVariant v;
  v.vary = true;
  v.content_type = cached ? std::string_view(cached->content_type) : site.mime.type_for(r.path);
  v.url_path = cached ? std::string_view(cached->url_path) : std::string_view(r.path);
  return v;
}

}  // namespace

// ---------------------------------------------------------------- profiles

Exchange::Exchange(Worker& w, ExchangeHost& host, OutputQueue& out)
    : w_(w), reply_(out, host), site_(&w.sites().at(0)) {
  reply_.site = site_;
}

void Exchange::begin(Request& req, std::uint64_t count) {
  req_ = &req;
  method_ = method_label(req.method);
  reject_ = Rejection::none;
  reply_.response.status = 0;
  reply_.version_minor = req.version_minor;
  response_open_ = true;
  redirects_ = 0;
  remote_user_.clear();
  reply_.passed_rule = nullptr;
  verified_ = false;
  reply_.head_only = req.method == HTTP_HEAD;
  reply_.force_linger = false;
  reply_.site = site_ = &w_.sites().at(0);
  if (access_log_on()) {
    request_line_.assign(req.method_name);
    request_line_ += ' ';
    request_line_ += req.target;
    request_line_ += " HTTP/";
    request_line_ += static_cast<char>('0' + req.version_major % 10);
    request_line_ += '.';
    request_line_ += static_cast<char>('0' + req.version_minor % 10);
  }
  if (w_.cfg().profile == Profile::classic) {
    handle_classic(req);
    return;
  }
  const Config& cfg = w_.cfg();
  reply_.keep_alive =
      req.keep_alive && !w_.draining() && (cfg.limits.max_requests == 0 || count < cfg.limits.max_requests);
  handle_http(req);
}

void Exchange::bad_request(const Request& partial, int status) {
  req_ = &partial;
  method_ = MethodLabel::other;
  reply_.version_minor = partial.version_minor;
  request_line_ = "-";
  reply_.site = site_ = &w_.sites().at(0);
  response_open_ = true;
  reply_.head_only = false;
  reply_.keep_alive = false;
  reply_.force_linger = true;
  reject(status, status == 414   ? Rejection::uri_too_long
                 : status == 431 ? Rejection::headers_too_large
                 : status == 413 ? Rejection::body_too_large
                 : status == 400 ? Rejection::malformed
                                 : Rejection::none);
}

void Exchange::reject(int status, Rejection why) {
  reject_ = why;
  respond_error(status, true);
}

void Exchange::handle_classic(Request& req) {
  reply_.keep_alive = false;
  reply_.head_only = false;
  Route r = site_->router.route(req);
  switch (r.kind) {
    case RouteKind::file: {
      reply_.start(200);
      reply_.response.bare = true;  // the classic contract: status line and Content-Length only
      reply_.set_length(static_cast<std::uint64_t>(r.st.st_size));
      reply_.out.set_file(std::move(r.fd));
      reply_.out.add_file(0, static_cast<std::uint64_t>(r.st.st_size));
      reply_.send();
      return;
    }
    case RouteKind::cgi: start_cgi(req, r, 0); return;
    default: respond_error(r.kind == RouteKind::error ? r.status : 404, true); return;
  }
}

void Exchange::handle_http(Request& req) {
  const Config& cfg = w_.cfg();
  if (req.version_major != 1 && !req.h2) {
    respond_error(505, true);
    return;
  }
  if (req.version_minor >= 1 && !req.find("Host")) {
    reject(400, Rejection::missing_host);
    return;
  }
  if (!pick_site(req)) return;
  if (req.method == HTTP_CONNECT || req.target == "*") {
    // No tunnels, and no server-wide OPTIONS: answered without touching the file system.
    spdlog::info("{}: bad request (501): {}", reply_.host.peer(),
                 req.method == HTTP_CONNECT ? "CONNECT (no tunnels here)" : "a request for * (no server-wide OPTIONS)");
    respond_error(501, true);
    return;
  }
  if (redirect_to_https(req)) return;
  if (req.has_content_length && req.content_length > cfg.limits.max_body) {
    reply_.force_linger = true;
    reject(413, Rejection::body_too_large);
    return;
  }
  if (req.has_body() && req.find("Expect") && req.method != HTTP_POST && req.method != HTTP_PUT) {
    // Bodies only matter to CGI; any other target gets its answer without 100.
    reply_.force_linger = true;
  }
  dispatch(req, 0);
}

bool Exchange::pick_site(const Request& req) {
  const std::string* host = req.find("Host");  // the absolute-form authority when there was one
  std::string_view authority = host ? std::string_view(*host) : std::string_view();
  Sites& sites = w_.sites();
  std::string_view sni = reply_.host.sni();
  // Without Host (HTTP/1.0) the SNI name, when there is one, picks the site.
  int index = sites.index_of(authority.empty() ? sni : authority);
  reply_.site = site_ = &sites.at(index);
  if (sni.empty() || authority.empty() || sites.index_of(sni) == index) return true;
  spdlog::info("{}: Host {} names another site than SNI {} (421)", reply_.host.peer(), log_escaped(authority),
               log_escaped(sni));
  respond_error(421, true);
  return false;
}

bool Exchange::redirect_to_https(const Request& req) {
  const TlsConfig& tls = w_.cfg().tls;
  if (!tls.redirect_http || tls.listen.empty() || reply_.host.secure() || is_acme_challenge(req.target)) return false;
  const std::string* host = req.find("Host");
  std::string authority = host ? *host : std::string();
  if (authority.empty()) {
    // HTTP/1.0 without Host: the address the client connected to, as nginx does.
    authority = reply_.host.peer_info().server_addr;
    if (authority.find(':') != std::string::npos) authority = "[" + authority + "]";
  }
  Route route;
  route.location = !req.target.empty() && req.target[0] == '/' ? https_location(authority, w_.tls_port(), req.target)
                                                                : std::string();
  if (route.location.empty()) return false;
  route.kind = RouteKind::redirect;
  route.status = 308;
  route.path = req.target.substr(0, req.target.find('?'));
  respond_redirect(reply_, w_, route);
  return true;
}

void Exchange::dispatch(Request& req, int depth) {
  bool get_or_head = req.method == HTTP_GET || req.method == HTTP_HEAD;
  std::string_view key(req.target);
  key = key.substr(0, key.find('?'));
  if (depth == 0 && !w_.cfg().health_path.empty() && key == w_.cfg().health_path) {
    respond_health(reply_, w_, get_or_head);
    return;
  }
  if (depth == 0 && !w_.cfg().status_path.empty() && key == w_.cfg().status_path) {
    if (!cidr_allows(w_.cfg().status_allow, reply_.host.peer_address())) {
      spdlog::info("{}: {} is not in status.allow", reply_.host.peer(), w_.cfg().status_path);
      reject_ = Rejection::status_denied;
      respond_error(403, false);
      return;
    }
    respond_status(reply_, w_, get_or_head);
    return;
  }
  if (!site_->cfg.protection.empty() && !guard(req, depth)) return;
  bool negotiate = get_or_head && !site_->cfg.precompressed.empty();
  if (get_or_head && depth == 0 && !negotiate) {
    auto hit = site_->cache.lookup(key, w_.now());
    // A compressible file is negotiated (copy or identity, with Vary), never answered from the memory cache.
    bool compressible = site_->cfg.profile == Profile::http && hit &&
                        compress_static(site_->cfg.compress, hit->content_type, static_cast<std::uint64_t>(hit->st.st_size));
    if (hit && !compressible) {
      Route none;
      respond_file(reply_, w_, req, none, std::move(hit));
      return;
    }
    if (hit && identity_only(site_->cfg.compress, req)) {
      Route none;
      FileVariant identity = identity_variant(*site_, hit.get(), none);
      respond_file(reply_, w_, req, none, std::move(hit), &identity);
      return;
    }
  }
  Route r = site_->router.route(req);
  if (r.fallback && route_guarded(r)) return;
  r.remote_user = remote_user_;
  switch (r.kind) {
    case RouteKind::file: {
      if (negotiate) {
        respond_precompressed(reply_, w_, req, r, w_.compressor());
        return;
      }
      bool compress = get_or_head && compress_file_applies(*site_, r);
      if (compress && !identity_only(site_->cfg.compress, req)) {
        respond_compressed(reply_, w_, w_.compressor(), req, r);
        return;
      }
      std::shared_ptr<const CachedFile> cached;
      // A fallback answers for a path that does not exist: never cached under it.
      if (depth == 0 && !r.fallback) cached = site_->cache.refresh(key, r.fd.get(), r.st, r.path, w_.now());
      // A compressible file sent as it is (the client takes no coding of ours) is one of its variants.
      FileVariant identity = identity_variant(*site_, cached.get(), r);
      respond_file(reply_, w_, req, r, std::move(cached), compress ? &identity : nullptr);
      return;
    }
    case RouteKind::listing: respond_listing(reply_, w_, req, r); return;
    case RouteKind::cgi: start_cgi(req, r, depth); return;
    case RouteKind::redirect: respond_redirect(reply_, w_, r); return;
    case RouteKind::error:
      if (r.status == 400 || r.status >= 500) reply_.keep_alive = false;
      if (run_error_page(req, r.status)) return;
      filehttpd::respond_error(reply_, w_, r.status, !reply_.keep_alive, &r);
      return;
  }
}

// ---------------------------------------------------------------- protected paths

bool Exchange::guard(Request& req, int depth) {
  DecodedPath target = decode_target(req.target);
  if (target.status != PathStatus::ok) return true;  // the router refuses it
  if (verified_) {
    verified_ = false;
    return true;
  }
  AuthRequest ar{target.path, req.find("Authorization"), &reply_.host.peer_address(), reply_.host.peer()};
  AuthOutcome o = w_.auth().check(site_->cfg.protection, ar, w_.now(), &reply_.host.auth_waiter());
  switch (o.verdict) {
    case AuthVerdict::pass:
      reply_.passed_rule = o.rule;
      if (o.rule) remote_user_ = o.user;
      return true;
    case AuthVerdict::forbidden:
      spdlog::info("{}: {} is not allowed by [[access]]", reply_.host.peer(), log_escaped(target.path));
      respond_error(403, false);
      return false;
    case AuthVerdict::challenge: challenge(*o.rule); return false;
    case AuthVerdict::limited:
      spdlog::info("{}: too many failed passwords; answering 429", reply_.host.peer());
      respond_error(429, false);
      return false;
    case AuthVerdict::busy:
      spdlog::warn("{}: the password verification queue is full; answering 503", reply_.host.peer());
      respond_error(503, false);
      return false;
    case AuthVerdict::pending:
      // A script's local redirect waits too: req is the exchange's own request, rewritten in place.
      waiting_req_ = &req;
      waiting_depth_ = depth;
      waiting_rule_ = o.rule;
      waiting_user_ = std::move(o.user);
      w_.watch_auth();
      reply_.host.wait_for_auth();
      return false;
  }
  return true;
}

void Exchange::auth_verified(bool ok) {
  Request* req = waiting_req_;
  waiting_req_ = nullptr;
  if (!req) return;
  if (!ok) {
    spdlog::info("{}: wrong password for user {}", reply_.host.peer(), log_escaped(waiting_user_));
    challenge(*waiting_rule_);
    return;
  }
  remote_user_ = std::move(waiting_user_);
  reply_.passed_rule = waiting_rule_;
  verified_ = true;
  dispatch(*req, waiting_depth_);
}

bool Exchange::route_guarded(const Route& r) {
  if (!page_guarded(site_->cfg.protection, r.path, reply_.host.peer_address(), reply_.passed_rule)) return false;
  filehttpd::respond_error(reply_, w_, 404, false);
  return true;
}

void Exchange::challenge(const AuthRule& rule) {
  Route r = error_route(401);
  r.challenge = basic_challenge(rule.realm);
  filehttpd::respond_error(reply_, w_, 401, false, &r);
}

void Exchange::respond_error(int status, bool close) {
  filehttpd::respond_error(reply_, w_, status, close);
}

// ---------------------------------------------------------------- CGI

void Exchange::start_cgi(Request& req, Route& route, int depth) {
  const Config& cfg = w_.cfg();
  bool framed_body = req.has_content_length || req.chunked;
  if (cfg.profile != Profile::http || depth > 0 || !framed_body) {
    spawn_script(req, route, std::nullopt);
    return;
  }
  if (req.has_content_length && req.content_length > cfg.cgi.max_body) {
    spdlog::info("{}: request body of {} bytes over cgi.max_body", reply_.host.peer(), req.content_length);
    reply_.force_linger = true;
    reject(413, Rejection::body_too_large);
    return;
  }
  if (!req.chunked && req.content_length == 0) {
    spawn_script(req, route, 0);  // an empty body: CONTENT_LENGTH=0, stdin at EOF
    return;
  }
  if (cgi_limit_reached()) {
    // Refused before the body is read: a client need not upload what will not run.
    reply_.force_linger = true;
    respond_error(503, true);
    return;
  }
  // The whole body is read before the script starts, so the script gets an
  // exact CONTENT_LENGTH whatever the framing, and a refused body costs no process.
  std::string joined;
  const std::string* expect = req.find_list("Expect", joined);
  reply_.host.collect_body(std::move(route), expect && req.version_minor >= 1 && list_has_item(*expect, "100-continue"));
}

bool Exchange::run_error_page(Request& req, int status) {
  auto it = site_->cfg.error_pages.find(status);
  if (it == site_->cfg.error_pages.end() || !error_page_script_runs(status)) return false;
  if (page_guarded(site_->cfg.protection, it->second, reply_.host.peer_address(), reply_.passed_rule)) return false;
  Route page = site_->router.open_page(it->second);
  if (page.kind != RouteKind::cgi) return false;  // a file (or the built-in page) is sent as usual
  page.remote_user = remote_user_;
  // As nginx's error_page: the original URI and query, GET without a body, the error's status.
  page.redirect_status = status;
  std::string_view target(req.target);
  if (std::size_t q = target.find('?'); q != std::string_view::npos) page.query = std::string(target.substr(q + 1));
  if (req.method != HTTP_HEAD) {
    req.method = HTTP_GET;
    req.method_name = "GET";
  }
  spawn_script(req, page, std::nullopt);
  return true;
}

bool Exchange::cgi_limit_reached() {
  if (w_.cgi_count() < w_.cfg().cgi.max_concurrent) return false;
  spdlog::warn("{}: CGI limit ({}) reached", reply_.host.peer(), w_.cfg().cgi.max_concurrent);
  return true;
}

void Exchange::refuse_body(int status) {
  reply_.force_linger = true;
  reject(status, status == 400   ? Rejection::bad_body
                 : status == 408 ? Rejection::body_timeout
                 : status == 413 ? Rejection::body_too_large
                                 : Rejection::none);
}

bool Exchange::spawn_script(Request& req, Route& route, std::optional<std::uint64_t> body_length) {
  const Config& cfg = site_->cfg;
  bool http = cfg.profile == Profile::http;
  if (cgi_limit_reached()) {
    respond_error(503, !http);
    return false;
  }
  CgiSpawn spec;
  spec.program = site_->router.root_path() + route.path;
  spec.cwd = spec.program.substr(0, spec.program.rfind('/'));
  if (spec.cwd.empty()) spec.cwd = "/";
  spec.env = build_cgi_env(req, route, reply_.host.peer_info(), site_->router.root_path(), body_length);
  spec.with_stdin = body_length.value_or(0) > 0;  // otherwise /dev/null: EOF at once
  spec.rlimit_cpu = cfg.cgi.rlimit_cpu;
  spec.rlimit_as = cfg.cgi.rlimit_as;
  spec.rlimit_nofile = cfg.cgi.rlimit_nofile;
  std::string_view base(route.path);
  base = base.substr(base.rfind('/') + 1);
  CgiResponseShape shape;
  shape.parse_head = http && !base.starts_with("nph-");  // classic and nph- output passes through raw
  shape.head_only = reply_.head_only;
  shape.version_minor = req.version_minor;
  shape.keep_alive = reply_.keep_alive;
  if (http) {
    shape.stream_coding = cgi_stream_coding(cfg.compress, req);
    shape.compress_types = &cfg.compress.types;
  }
  shape.status_line = http ? "" : "HTTP/1.1 200 OK\r\n";  // the classic contract's status line
  // Set before the start: a raw response may be relayed (and finished) inside it.
  shape.status = route.redirect_status;
  bool keep_alive = reply_.keep_alive;
  reply_.response.status = route.redirect_status;
  if (!shape.parse_head) reply_.keep_alive = false;
  int err = reply_.host.run_script(spec, shape, reply_.host.peer() + ": CGI " + log_escaped(req.target));
  if (err != 0) {
    bump(my_counters().cgi_failed);
    reply_.keep_alive = keep_alive;
    spdlog::warn("{}: cannot run {}: {}", reply_.host.peer(), log_escaped(spec.program), std::strerror(err));
    respond_error(500, !http);
    return false;
  }
  return true;
}

void Exchange::internal_redirect(Request& req, const std::string& target) {
  // Serve that path instead, as a GET.
  req.target = target;
  req.method = HTTP_GET;
  req.method_name = "GET";
  if (++redirects_ > k_max_internal_redirects) {
    respond_error(500, false);
    return;
  }
  dispatch(req, redirects_);
}

// ---------------------------------------------------------------- access log

void Exchange::log_access(std::uint64_t body_bytes, bool aborted, bool nothing_sent) {
  if (!response_open_) return;
  response_open_ = false;
  int status = aborted && nothing_sent ? k_status_client_closed : reply_.response.status;
  WorkerCounters& c = my_counters();
  if (status >= 100 && status < 600) {
    bump(c.requests[static_cast<std::size_t>(method_)][static_cast<std::size_t>(status / 100 - 1)]);
    if (reject_ != Rejection::none && status / 100 == 4) bump(c.rejections[static_cast<std::size_t>(reject_)]);
  }
  bump(c.body_bytes, body_bytes);
  if (!access_log_on()) return;
  bool parsed = request_line_ != "-";
  const std::string* referer = parsed ? req_->find("Referer") : nullptr;
  const std::string* agent = parsed ? req_->find("User-Agent") : nullptr;
  AccessEntry e;
  if (w_.cfg().log.access_format == "vhost_combined") {
    e.vhost = site_->name;  // with the port, as Apache's vhost_combined (%v:%p)
    e.vhost_port = reply_.host.peer_info().server_port;
  }
  e.peer = reply_.host.peer();
  e.time = clf_time();
  e.request_line = request_line_;
  e.status = status;
  e.body_bytes = body_bytes;
  if (referer) e.referer = *referer;
  if (agent) e.user_agent = *agent;
  e.user = remote_user_;
  write_access(e);
}

}  // namespace filehttpd
