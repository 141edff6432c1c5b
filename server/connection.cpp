#include "connection.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cgi_exchange.hpp"
#include "content_coding.hpp"
#include "file_response.hpp"
#include "header_rules.hpp"
#include "http_date.hpp"
#include "listing.hpp"
#include "log.hpp"
#include "mime.hpp"
#include "path.hpp"
#include "response.hpp"
#include "static_file.hpp"

namespace filehttpd {

namespace {

constexpr auto k_never = steady_clock::time_point::max();
// Longest chain of CGI internal redirects (Location: /local).
constexpr int k_max_internal_redirects = 4;
// A finished CGI's pipe may stay open (a grandchild holds it) this long.
constexpr std::chrono::milliseconds k_cgi_exit_linger{1000};
// Capacity of the worker's body buffer kept between responses.
constexpr std::size_t k_keep_body_buffer = 1024 * 1024;
// Bytes read and dropped while lingering before we give up.
constexpr std::size_t k_linger_max_bytes = 1024 * 1024;

std::string format_peer(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = "-";
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_UNIX) {
    return "unix";
  }
  return buf;
}

unsigned peer_port(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  return 0;
}

const std::string& clf_time() {
  static SecondCache clf(format_clf_date);
  return clf.get();
}

}  // namespace

Connection::Connection(Worker& worker, unique_fd fd, const sockaddr_storage& peer)
    : w_(worker),
      fd_(std::move(fd)),
      peer_(peer),
      parser_(worker.cfg().limits.header_bytes, worker.cfg().limits.uri_bytes,
              worker.cfg().profile == Profile::classic) {
  deadline_ = w_.now() + w_.cfg().limits.header_timeout;
}

Connection::~Connection() = default;

void Connection::start() {
  // Listeners use TCP_DEFER_ACCEPT, so the request is usually here already:
  // read before registering, and a short response may need no epoll_ctl at all.
  read_socket();
  if (state_ != State::closed) update_interest();
}

steady_clock::time_point Connection::deadline() const {
  if ((state_ == State::cgi_head || state_ == State::relay) && cgi_ && cgi_->out_fd() >= 0)
    return std::min(deadline_, cgi_deadline_);
  return deadline_;
}

void Connection::set_state(State s) {
  state_ = s;
  update_interest();
}

std::uint32_t Connection::interest() const {
  switch (state_) {
    case State::read_request:
    case State::read_body:
    case State::linger: return EPOLLIN;
    case State::send: return want_write_ ? std::uint32_t{EPOLLOUT} : 0u;
    case State::cgi_head:
    case State::relay: {
      // No EPOLLRDHUP: a client that half-closes after its request still
      // gets the whole response. A client that is really gone shows up as a
      // failed send, or as EPOLLHUP/EPOLLERR (a reset), which epoll always reports.
      return want_write_ ? std::uint32_t{EPOLLOUT} : 0u;
    }
    case State::closed: return 0;
  }
  return 0;
}

void Connection::update_interest() {
  if (!fd_) return;
  if (!w_.set_interest(fd_.get(), &sock_tag_, sock_interest_, interest())) {
    spdlog::warn("epoll_ctl failed for a client socket: {}", std::strerror(errno));
  }
  // A closed pipe left the epoll set with its close.
  if (!cgi_ || cgi_->out_fd() < 0)
    cgi_out_interest_ = 0;
  else
    w_.set_interest(cgi_->out_fd(), &cgi_out_tag_, cgi_out_interest_,
                    cgi_->wants_readable() ? std::uint32_t{EPOLLIN} : 0u);
  if (!cgi_ || cgi_->in_fd() < 0)
    cgi_in_interest_ = 0;
  else
    w_.set_interest(cgi_->in_fd(), &cgi_in_tag_, cgi_in_interest_,
                    cgi_->wants_writable() ? std::uint32_t{EPOLLOUT} : 0u);
}

const std::string& Connection::peer_string() {
  if (peer_str_.empty()) peer_str_ = format_peer(peer_);
  return peer_str_;
}

// ---------------------------------------------------------------- events

void Connection::on_socket_event(std::uint32_t events) {
  if (state_ == State::closed) return;
  if (events & EPOLLERR) {
    spdlog::debug("{}: connection error", peer_string());
    close_now();
    return;
  }
  if (events & EPOLLOUT) {
    if (state_ == State::send)
      send_output();
    else if (state_ == State::relay || state_ == State::cgi_head)
      relay_run();
    if (state_ == State::closed) return;
  }
  bool reading = state_ == State::read_request || state_ == State::linger || state_ == State::read_body;
  if ((events & (EPOLLIN | EPOLLHUP)) && reading) {
    read_socket();
    return;
  }
  if (events & EPOLLHUP) {
    if (state_ == State::cgi_head || state_ == State::relay) {
      spdlog::info("{}: client went away during a CGI response", peer_string());
    }
    close_now();
  }
}

void Connection::read_socket() {
  char* buf = w_.scratch();
  // A body is read in larger pieces: it is bytes to store, not a head to parse.
  ssize_t n = recv(fd_.get(), buf, state_ == State::read_body ? k_scratch_size : k_read_chunk, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    spdlog::debug("{}: recv: {}", peer_string(), std::strerror(errno));
    close_now();
    return;
  }
  if (n == 0) {
    if (state_ == State::read_body) spdlog::info("{}: client closed during the request body", peer_string());
    close_now();
    return;
  }
  if (state_ == State::linger) {
    linger_read_ += static_cast<std::size_t>(n);
    if (linger_read_ > k_linger_max_bytes) close_now();
    return;
  }
  if (state_ == State::read_body) {
    deadline_ = w_.now() + w_.cfg().limits.body_timeout;
    in_.append(buf, static_cast<std::size_t>(n));
    collect_body();
    return;
  }
  feed_bytes(buf, static_cast<std::size_t>(n));
}

void Connection::feed_bytes(const char* data, std::size_t len) {
  if (in_off_ < in_.size()) {
    in_.append(data, len);
    process_buffered();
    return;
  }
  in_.clear();
  in_off_ = 0;
  std::size_t used = process(data, len);
  if (state_ != State::closed && used < len) in_.append(data + used, len - used);
  if (state_ == State::read_body) collect_body();
}

void Connection::process_buffered() {
  std::size_t used = process(in_.data() + in_off_, in_.size() - in_off_);
  if (state_ == State::closed) return;
  in_off_ += used;
  if (in_off_ >= in_.size()) {
    in_.clear();
    in_off_ = 0;
  } else if (in_off_ > 0 && state_ == State::read_request) {
    in_.erase(0, in_off_);
    in_off_ = 0;
  }
  if (state_ == State::read_body) collect_body();
}

std::size_t Connection::process(const char* data, std::size_t len) {
  in_process_ = true;
  std::size_t off = 0;
  while (state_ == State::read_request && off < len) {
    std::size_t used = 0;
    ParseEvent ev = parser_.feed(data + off, len - off, used);
    off += used;
    if (ev == ParseEvent::error) {
      if (parser_.in_body()) {
        // The body of a request already answered is malformed: one request
        // gets one final response, so no 400 now; just stop reading.
        spdlog::info("{}: bad request body after the response: {}", peer_string(), parser_.error_reason());
        keep_alive_ = false;
        start_linger();
        break;
      }
      spdlog::info("{}: bad request ({}): {}", peer_string(), parser_.error_status(), parser_.error_reason());
      request_line_ = "-";
      response_open_ = true;
      sent_ = 0;
      out_.use_shared(w_.head_buffer(), w_.body_buffer());
      keep_alive_ = false;
      force_linger_ = true;
      respond_error(parser_.error_status(), true);
      break;
    }
    if (ev == ParseEvent::headers_done) {
      head_timer_set_ = false;
      handle_request();
      continue;
    }
    if (ev == ParseEvent::need_more) {
      if (parser_.body_bytes() > w_.cfg().limits.max_body) {
        spdlog::info("{}: request body over the limit", peer_string());
        close_now();
        break;
      }
      if (!head_timer_set_ && parser_.head_in_progress()) {
        head_timer_set_ = true;
        deadline_ = w_.now() + w_.cfg().limits.header_timeout;
      }
      break;
    }
    // message_done: a body we did not need has been read; go on.
  }
  in_process_ = false;
  return off;
}

// ---------------------------------------------------------------- requests

void Connection::handle_request() {
  out_.use_shared(w_.head_buffer(), w_.body_buffer());
  Request& req = parser_.request();
  ++requests_;
  status_ = 0;
  response_open_ = true;
  sent_ = 0;
  head_len_ = 0;
  payload_sent_ = 0;
  redirects_ = 0;
  head_only_ = req.method == HTTP_HEAD;
  force_linger_ = false;
  if (access_log_on()) {
    request_line_.assign(req.method_name);
    request_line_ += ' ';
    request_line_ += req.target;
    request_line_ += " HTTP/";
    request_line_ += static_cast<char>('0' + req.version_major % 10);
    request_line_ += '.';
    request_line_ += static_cast<char>('0' + req.version_minor % 10);
  }
  if (w_.cfg().profile == Profile::classic)
    handle_classic(req);
  else
    handle_http(req);
}

void Connection::handle_classic(Request& req) {
  keep_alive_ = false;
  head_only_ = false;
  Route r = w_.router().route(req);
  switch (r.kind) {
    case RouteKind::file: {
      out_.head().clear();
      append_status_line(out_.head(), 200);
      append_header(out_.head(), "Content-Length", static_cast<unsigned long long>(r.st.st_size));
      out_.head() += "\r\n";
      status_ = 200;
      out_.reset_chunks();
      out_.add_mem(out_.head());
      head_len_ = out_.head().size();
      out_.set_file(std::move(r.fd));
      out_.add_file(0, static_cast<std::uint64_t>(r.st.st_size));
      begin_send();
      return;
    }
    case RouteKind::cgi: start_cgi(req, r, 0); return;
    default: respond_error(r.kind == RouteKind::error ? r.status : 404, true); return;
  }
}

void Connection::handle_http(Request& req) {
  const Config& cfg = w_.cfg();
  keep_alive_ =
      req.keep_alive && !w_.draining() && (cfg.limits.max_requests == 0 || requests_ < cfg.limits.max_requests);
  if (req.version_major != 1) {
    respond_error(505, true);
    return;
  }
  if (req.version_minor >= 1 && !req.find("Host")) {
    respond_error(400, true);
    return;
  }
  if (req.method == HTTP_CONNECT || req.target == "*") {
    // No tunnels, and no server-wide OPTIONS: answered without touching the file system.
    spdlog::info("{}: bad request (501): {}", peer_string(),
                 req.method == HTTP_CONNECT ? "CONNECT (no tunnels here)" : "a request for * (no server-wide OPTIONS)");
    respond_error(501, true);
    return;
  }
  if (req.has_content_length && req.content_length > cfg.limits.max_body) {
    force_linger_ = true;
    respond_error(413, true);
    return;
  }
  if (req.has_body() && req.find("Expect") && req.method != HTTP_POST && req.method != HTTP_PUT) {
    // Bodies only matter to CGI; any other target gets its answer without 100.
    force_linger_ = true;
  }
  dispatch_http(req, 0);
}

void Connection::dispatch_http(Request& req, int depth) {
  bool get_or_head = req.method == HTTP_GET || req.method == HTTP_HEAD;
  std::string_view key(req.target);
  key = key.substr(0, key.find('?'));
  if (depth == 0 && !w_.cfg().health_path.empty() && key == w_.cfg().health_path) {
    respond_health(get_or_head);
    return;
  }
  bool negotiate = get_or_head && !w_.cfg().precompressed.empty();
  if (get_or_head && depth == 0 && !negotiate) {
    if (auto hit = w_.cache().lookup(key, w_.now())) {
      Route none;
      respond_file(req, none, std::move(hit));
      return;
    }
  }
  Route r = w_.router().route(req);
  switch (r.kind) {
    case RouteKind::file: {
      if (negotiate) {
        respond_precompressed(req, r);
        return;
      }
      std::shared_ptr<const CachedFile> cached;
      // A fallback answers for a path that does not exist: never cached under it.
      if (depth == 0 && !r.fallback) cached = w_.cache().refresh(key, r.fd.get(), r.st, r.path, w_.now());
      respond_file(req, r, std::move(cached));
      return;
    }
    case RouteKind::listing: respond_listing(req, r); return;
    case RouteKind::cgi: start_cgi(req, r, depth); return;
    case RouteKind::redirect: respond_redirect(r.status, r.location); return;
    case RouteKind::error:
      if (r.status == 400 || r.status >= 500) keep_alive_ = false;
      respond_error(r.status, !keep_alive_, &r);
      return;
  }
}

void Connection::head_start(int status, std::string_view reason) {
  status_ = status;
  out_.head().clear();
  append_status_line(out_.head(), status, 1, reason);
  append_common_headers(out_.head());
  out_.reset_chunks();
}

void Connection::head_end(bool with_body_length, std::uint64_t length) {
  if (with_body_length) append_header(out_.head(), "Content-Length", static_cast<unsigned long long>(length));
  const Request& req = parser_.request();
  if (!keep_alive_) {
    out_.head() += "Connection: close\r\n";
  } else if (req.version_minor == 0) {
    out_.head() += "Connection: keep-alive\r\n";
  }
  out_.head() += "\r\n";
  head_len_ = out_.head().size();
  out_.add_mem(out_.head());
}

void Connection::respond_precompressed(const Request& req, Route& route) {
  // A sidecar (app.js.br, .zst, .gz) counts when it is a regular file no older than the file itself.
  const std::vector<std::string>& prefs = w_.cfg().precompressed;
  std::vector<Route> sidecars(prefs.size());
  unsigned available = 0;
  for (std::size_t i = 0; i < prefs.size(); ++i) {
    Route v = w_.router().open_static(route.path + std::string(coding_suffix(prefs[i])));
    const timespec& a = v.st.st_mtim;
    const timespec& b = route.st.st_mtim;
    if (v.kind != RouteKind::file || a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec)) continue;
    available |= 1u << i;
    sidecars[i] = std::move(v);
  }
  CodingChoice choice = choose_coding(req.find("Accept-Encoding"), prefs, available);
  if (choice.not_acceptable) {
    respond_error(406, false);
    return;
  }
  FileVariant variant;
  variant.url_path = route.path;
  variant.content_type = mime_type_for(route.path);
  if (available) variant.headers = "Vary: Accept-Encoding\r\n";
  if (choice.index < 0) {
    respond_file(req, route, nullptr, &variant);
    return;
  }
  variant.headers += "Content-Encoding: " + prefs[static_cast<std::size_t>(choice.index)] + "\r\n";
  respond_file(req, sidecars[static_cast<std::size_t>(choice.index)], nullptr, &variant);
}

void Connection::respond_file(const Request& req, Route& route, std::shared_ptr<const CachedFile> cached,
                              const FileVariant* variant) {
  Validators local;
  FileFacts facts;
  if (cached) {
    facts.validators = &cached->validators;
    facts.size = static_cast<std::uint64_t>(cached->st.st_size);
    facts.content_type = cached->content_type;
    facts.cached_head_block = cached->head_block;
  } else {
    local = make_validators(route.st);
    facts.validators = &local;
    facts.size = static_cast<std::uint64_t>(route.st.st_size);
    facts.content_type = variant ? std::string_view(variant->content_type) : mime_type_for(route.path);
    out_.set_file(std::move(route.fd));
  }
  static std::string headers;  // reused: a worker is one thread
  headers.clear();
  FilePlan plan = plan_file_response(req, facts, headers, out_.scratch());
  if (plan.status == 412) {
    respond_error(412, false);
    return;
  }
  head_start(plan.status);
  out_.head() += headers;
  if (variant) out_.head() += variant->headers;
  if (!w_.cfg().header_rules.empty() && plan.status != 416) {
    std::string_view path = variant ? std::string_view(variant->url_path) : route.path;
    append_rule_headers(w_.cfg().header_rules, cached ? std::string_view(cached->url_path) : path, out_.head());
  }
  head_end(plan.with_length, plan.length);
  bool file_bytes = false;
  if (!head_only_) {
    for (const FilePart& p : plan.parts) {
      if (p.from_scratch) {
        out_.add_mem(std::string_view(out_.scratch()).substr(p.first, p.length));
      } else if (cached) {
        out_.add_mem(std::string_view(cached->body).substr(p.first, p.length));
        file_bytes = true;
      } else {
        out_.add_file(static_cast<off_t>(p.first), p.length);
        file_bytes = true;
      }
    }
  }
  if (!file_bytes) out_.set_file(unique_fd());
  if (file_bytes && cached) out_.keep(std::move(cached));
  begin_send();
}

void Connection::respond_listing(const Request& req, Route& route) {
  Listing listing;
  if (!read_listing(route.fd.get(), w_.cfg().dotfiles, listing)) {
    spdlog::warn("{}: cannot list {}: {}", peer_string(), log_escaped(route.path), std::strerror(errno));
    respond_error(500, false);
    return;
  }
  ListingQuery q = parse_listing_query(route.query, req.find("Accept"));
  sort_listing(listing.entries, q);
  std::string& body = out_.scratch();
  body.clear();
  if (q.format == ListingFormat::json)
    render_listing_json(listing, body);
  else
    render_listing_html(listing, route.path, body);
  // Validators: the newest mtime in the directory, and a tag of the exact bytes.
  Validators v;
  v.mtime = listing.newest;
  v.last_modified = format_http_date(listing.newest);
  v.etag = content_etag(body);
  int pre = evaluate_preconditions(req, v);
  if (pre == 412) {
    respond_error(412, false);
    return;
  }
  head_start(pre == 304 ? 304 : 200);
  if (pre != 304)
    append_header(out_.head(), "Content-Type",
                  q.format == ListingFormat::json ? "application/json" : "text/html; charset=utf-8");
  append_header(out_.head(), "Last-Modified", v.last_modified);
  append_header(out_.head(), "ETag", v.etag);
  append_header(out_.head(), "Vary", "Accept");
  head_end(pre != 304, body.size());
  if (pre != 304 && !head_only_) out_.add_mem(body);
  begin_send();
}

void Connection::respond_health(bool get_or_head) {
  if (!get_or_head) {
    Route allow;
    allow.allow_get_head = true;
    respond_error(405, false, &allow);
    return;
  }
  bool serving = !w_.unhealthy();
  out_.scratch() = serving ? "ok\n" : "stopping\n";
  head_start(serving ? 200 : 503);
  append_header(out_.head(), "Content-Type", "text/plain; charset=utf-8");
  append_header(out_.head(), "Cache-Control", "no-store");
  head_end(true, out_.scratch().size());
  if (!head_only_) out_.add_mem(out_.scratch());
  begin_send();
}

void Connection::respond_redirect(int status, const std::string& location) {
  out_.scratch() = "<!DOCTYPE html>\n<html><body><a href=\"" + html_escape(location) + "\">Moved</a></body></html>\n";
  head_start(status);
  append_header(out_.head(), "Location", location);
  send_html();
}

void Connection::respond_error(int status, bool close, const Route* route) {
  out_.set_file(unique_fd());
  out_.keep(nullptr);
  if (w_.cfg().profile == Profile::classic) {
    keep_alive_ = false;
    status_ = status;
    out_.head() = classic_status_response(status);
    out_.reset_chunks();
    out_.add_mem(out_.head());
    head_len_ = out_.head().size();
    begin_send();
    return;
  }
  if (close) keep_alive_ = false;
  Route page;
  if (auto it = w_.cfg().error_pages.find(status); it != w_.cfg().error_pages.end()) {
    page = w_.router().open_static(it->second);
    if (page.kind != RouteKind::file)
      spdlog::warn("{}: error page {} for {} cannot be served ({}); sending the built-in one", peer_string(),
                   log_escaped(it->second), status, page.status);
  }
  head_start(status);
  if (route && route->allow_get_head) append_header(out_.head(), "Allow", "GET, HEAD");
  if (status == 503) append_header(out_.head(), "Retry-After", "1");
  if (page.kind == RouteKind::file) {
    // The configured page, with the original status and no validators (never a 304).
    std::uint64_t size = static_cast<std::uint64_t>(page.st.st_size);
    append_header(out_.head(), "Content-Type", mime_type_for(page.path));
    head_end(true, size);
    if (!head_only_) {
      out_.set_file(std::move(page.fd));
      out_.add_file(0, size);
    }
    begin_send();
    return;
  }
  out_.scratch() = error_body(status);
  send_html();
}

void Connection::send_html() {
  append_header(out_.head(), "Content-Type", "text/html; charset=utf-8");
  head_end(true, out_.scratch().size());
  if (!head_only_) out_.add_mem(out_.scratch());
  begin_send();
}

// ---------------------------------------------------------------- sending

void Connection::begin_send() {
  want_write_ = false;
  deadline_ = w_.now() + w_.cfg().limits.send_timeout;
  state_ = State::send;
  send_output();
}

void Connection::send_output() {
  std::uint64_t before = sent_;
  OutputQueue::Result r = out_.send(fd_.get(), sent_);
  int err = errno;
  if (sent_ != before) deadline_ = w_.now() + w_.cfg().limits.send_timeout;
  switch (r) {
    case OutputQueue::Result::done: finish_response(); return;
    case OutputQueue::Result::would_block: wait_writable(); return;
    case OutputQueue::Result::error:
      spdlog::info("{}: send failed: {}", peer_string(), std::strerror(err));
      close_now();
      return;
    case OutputQueue::Result::file_shrank:
      spdlog::warn("{}: file shrank while being sent", peer_string());
      close_now();
      return;
  }
}

void Connection::wait_writable() {
  out_.own_buffers();
  if (!want_write_) {
    want_write_ = true;
    deadline_ = w_.now() + w_.cfg().limits.send_timeout;
  }
  update_interest();
}

bool Connection::send_failed(const char* what) {
  if (errno == EINTR) return true;
  if (errno == EAGAIN) {
    wait_writable();
    return false;
  }
  spdlog::info("{}: {} failed: {}", peer_string(), what, std::strerror(errno));
  close_now();
  return false;
}

void Connection::log_access(bool aborted) {
  if (!response_open_) return;
  response_open_ = false;
  if (!access_log_on()) return;
  const Request& req = parser_.request();
  bool parsed = request_line_ != "-";
  const std::string* referer = parsed ? req.find("Referer") : nullptr;
  const std::string* agent = parsed ? req.find("User-Agent") : nullptr;
  AccessEntry e;
  e.peer = peer_string();
  e.time = clf_time();
  e.request_line = request_line_;
  e.status = aborted && sent_ == 0 ? k_status_client_closed : status_;
  e.body_bytes = body_bytes_sent();
  if (referer) e.referer = *referer;
  if (agent) e.user_agent = *agent;
  write_access(e);
}

std::uint64_t Connection::body_bytes_sent() const {
  if (state_ == State::relay || state_ == State::cgi_head) return payload_sent_;
  return sent_ > head_len_ ? sent_ - head_len_ : 0;
}

void Connection::finish_response() {
  log_access();
  out_.clear();
  // A big generated body (a listing of many entries) does not keep its memory.
  if (w_.body_buffer().capacity() > k_keep_body_buffer) std::string().swap(w_.body_buffer());
  want_write_ = false;
  if (!keep_alive_ || w_.draining()) {
    if (force_linger_ || in_off_ < in_.size() || parser_.unread_body())
      start_linger();
    else
      close_now();
    return;
  }
  state_ = State::read_request;
  deadline_ = w_.now() + w_.cfg().limits.keepalive_timeout;
  head_timer_set_ = false;
  update_interest();
  if (!in_process_ && in_off_ < in_.size()) process_buffered();
}

void Connection::start_linger() {
  // Closing with unread input would send RST, which can destroy the response
  // in the client's receive queue: half-close and drain first.
  shutdown(fd_.get(), SHUT_WR);
  linger_read_ = 0;
  deadline_ = w_.now() + k_linger_timeout;
  set_state(State::linger);
}

void Connection::close_now() {
  if (state_ == State::closed) return;
  log_access(true);  // a response cut short still gets its line, with what was sent
  stop_cgi();
  body_route_.reset();
  sock_interest_ = 0;  // close() drops the fd from the epoll set
  fd_.reset();
  out_.clear();
  state_ = State::closed;
  w_.connection_closed(this);
}

void Connection::force_close() {
  close_now();
}

void Connection::on_drain() {
  if (state_ != State::read_request) return;
  bool idle = in_off_ >= in_.size() && !parser_.head_in_progress() && !parser_.unread_body();
  if (idle && requests_ > 0) close_now();
}

void Connection::on_timer() {
  if (state_ == State::closed) return;
  steady_clock::time_point now = w_.now();
  if ((state_ == State::cgi_head || state_ == State::relay) && cgi_ && cgi_->out_fd() >= 0 && now >= cgi_deadline_) {
    if (cgi_exited_) {
      spdlog::info("{}: CGI exited but its output stayed open; ending the response", peer_string());
      if (!cgi().end_output("the script exited before finishing its headers")) {
        cgi_fail(502, cgi().failure().c_str());
        return;
      }
      cgi().output().source_ended = true;
      relay_run();
      return;
    }
    spdlog::warn("{}: CGI produced nothing for {} ms; stopping it", peer_string(), w_.cfg().cgi.timeout.count());
    if (state_ == State::cgi_head && w_.cfg().profile == Profile::http) {
      cgi_fail(504, "timeout");
    } else {
      close_now();
    }
    return;
  }
  if (now < deadline_) return;
  switch (state_) {
    case State::read_request:
      spdlog::debug("{}: {} timeout", peer_string(),
                    parser_.head_in_progress() || requests_ == 0 ? "header" : "keep-alive");
      close_now();
      return;
    case State::read_body:
      spdlog::info("{}: no request body bytes for {} ms; answering 408", peer_string(),
                   w_.cfg().limits.body_timeout.count());
      refuse_body(408);
      return;
    case State::send:
    case State::relay:
    case State::cgi_head:
      if (want_write_) {
        spdlog::info("{}: no send progress for {} ms; closing", peer_string(), w_.cfg().limits.send_timeout.count());
        close_now();
      } else {
        deadline_ = k_never;
      }
      return;
    case State::linger: close_now(); return;
    case State::closed: return;
  }
}

// ---------------------------------------------------------------- CGI

void Connection::start_cgi(Request& req, Route& route, int depth) {
  const Config& cfg = w_.cfg();
  bool framed_body = req.has_content_length || req.chunked;
  if (cfg.profile != Profile::http || depth > 0 || !framed_body) {
    spawn_script(req, route, false);
    return;
  }
  if (req.has_content_length && req.content_length > cfg.cgi.max_body) {
    spdlog::info("{}: request body of {} bytes over cgi.max_body", peer_string(), req.content_length);
    force_linger_ = true;
    respond_error(413, true);
    return;
  }
  cgi().body().reset(spill_dir_for(cfg.cgi.body_dir));
  if (!req.chunked && req.content_length == 0) {
    spawn_script(req, route, true);  // an empty body: CONTENT_LENGTH=0, stdin at EOF
    return;
  }
  // The whole body is read before the script starts, so the script gets an
  // exact CONTENT_LENGTH whatever the framing, and a refused body costs no process.
  body_route_ = std::make_unique<Route>(std::move(route));
  deadline_ = w_.now() + cfg.limits.body_timeout;
  set_state(State::read_body);
  if (const std::string* expect = req.find("Expect");
      expect && req.version_minor >= 1 && iequals(*expect, "100-continue")) {
    static const char k_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (send(fd_.get(), k_continue, sizeof k_continue - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) {
      close_now();
      return;
    }
  }
  // The body bytes already read are parsed by the caller once the head is consumed.
}

void Connection::collect_body() {
  const Config& cfg = w_.cfg();
  bool whole = false;
  while (state_ == State::read_body && in_off_ < in_.size()) {
    std::size_t used = 0;
    body_chunk_.clear();
    parser_.set_body_sink(&body_chunk_);
    ParseEvent ev = parser_.feed(in_.data() + in_off_, in_.size() - in_off_, used);
    parser_.set_body_sink(nullptr);
    in_off_ += used;
    if (ev == ParseEvent::error) {
      spdlog::info("{}: bad request body: {}", peer_string(), log_escaped(parser_.error_reason()));
      refuse_body(400);
      return;
    }
    if (parser_.body_bytes() > cfg.cgi.max_body) {
      spdlog::info("{}: request body over cgi.max_body ({} bytes)", peer_string(), cfg.cgi.max_body);
      refuse_body(413);
      return;
    }
    if (int err = cgi().body().append(body_chunk_.data(), body_chunk_.size())) {
      spdlog::error("{}: cannot keep the request body in {}: {}", peer_string(), spill_dir_for(cfg.cgi.body_dir),
                    std::strerror(err));
      refuse_body(500);
      return;
    }
    if (ev == ParseEvent::message_done) {
      whole = true;
      break;
    }
    if (used == 0) break;
  }
  if (in_off_ >= in_.size()) {
    in_.clear();
    in_off_ = 0;
  }
  if (body_chunk_.capacity() > k_read_chunk * 4) body_chunk_ = std::string();
  if (whole) {
    Route route = std::move(*body_route_);
    body_route_.reset();
    spawn_script(parser_.request(), route, true);
  }
}

void Connection::refuse_body(int status) {
  cgi().body().clear();
  body_route_.reset();
  force_linger_ = true;
  respond_error(status, true);
}

void Connection::spawn_script(Request& req, Route& route, bool body) {
  const Config& cfg = w_.cfg();
  bool http = cfg.profile == Profile::http;
  if (w_.cgi_count() >= cfg.cgi.max_concurrent) {
    spdlog::warn("{}: CGI limit ({}) reached", peer_string(), cfg.cgi.max_concurrent);
    cgi().body().clear();
    respond_error(503, !http);
    return;
  }
  PeerInfo peer;
  peer.remote_addr = peer_string();
  peer.remote_port = peer_port(peer_);
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    peer.server_addr = format_peer(local);
    peer.server_port = peer_port(local);
  }
  CgiSpawn spec;
  spec.program = w_.router().root_path() + route.path;
  spec.cwd = spec.program.substr(0, spec.program.rfind('/'));
  if (spec.cwd.empty()) spec.cwd = "/";
  std::optional<std::uint64_t> length;
  if (body) length = cgi().body().size();
  spec.env = build_cgi_env(req, route, peer, w_.router().root_path(), length);
  spec.with_stdin = body && cgi().body().size() > 0;  // otherwise /dev/null: EOF at once
  spec.rlimit_cpu = cfg.cgi.rlimit_cpu;
  spec.rlimit_as = cfg.cgi.rlimit_as;
  spec.rlimit_nofile = cfg.cgi.rlimit_nofile;
  std::string_view base(route.path);
  base = base.substr(base.rfind('/') + 1);
  CgiResponseShape shape;
  shape.parse_head = http && !base.starts_with("nph-");  // classic and nph- output passes through raw
  shape.head_only = head_only_;
  shape.version_minor = req.version_minor;
  shape.keep_alive = keep_alive_;
  int err = cgi().start(spec, this, shape, peer_string() + ": CGI " + log_escaped(req.target));
  if (err != 0) {
    spdlog::warn("{}: cannot run {}: {}", peer_string(), log_escaped(spec.program), std::strerror(err));
    respond_error(500, !http);
    return;
  }
  cgi_out_interest_ = 0;
  cgi_in_interest_ = 0;
  cgi_exited_ = false;
  status_ = 200;
  payload_sent_ = 0;
  cgi_deadline_ = w_.now() + cfg.cgi.timeout;
  deadline_ = k_never;
  want_write_ = false;
  if (!shape.parse_head) keep_alive_ = false;
  if (!http) cgi().output().buf = "HTTP/1.1 200 OK\r\n";  // the classic contract's status line
  if (http && !nodelay_) {
    // CGI output goes out in pieces as it comes: no Nagle delay between them.
    int one = 1;
    setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    nodelay_ = true;
  }
  state_ = shape.parse_head ? State::cgi_head : State::relay;
  cgi().feed();
  update_interest();
  if (state_ == State::relay && cgi().output().pending() > 0) relay_run();
}

void Connection::on_cgi_in_event(std::uint32_t events) {
  if (state_ == State::closed || !cgi_ || cgi_->in_fd() < 0) return;
  if (events & EPOLLERR)
    cgi().end_stdin();  // the script closed its stdin
  else
    cgi().feed();
  update_interest();
}

void Connection::on_cgi_out_event(std::uint32_t events) {
  (void)events;
  if (state_ == State::closed || !cgi_ || cgi_->out_fd() < 0) return;
  relay_run();
}

void Connection::relay_run() {
  if (state_ != State::cgi_head && state_ != State::relay) return;
  // A bad header block or a local redirect replaces the response: acted on
  // after the loop, so nothing new starts inside it.
  CgiExchange::Read replaced = CgiExchange::Read::moved;
  bool ok = cgi().output().run(
      [this, &replaced](std::size_t room) {
        CgiExchange::Read r = cgi().fill(room);
        if (r == CgiExchange::Read::moved && state_ == State::cgi_head && cgi().head_done()) {
          state_ = State::relay;
          status_ = cgi().status();
        }
        if (r == CgiExchange::Read::moved && !cgi_exited_) cgi_deadline_ = w_.now() + w_.cfg().cgi.timeout;
        switch (r) {
          case CgiExchange::Read::moved: return IoStep::moved;
          case CgiExchange::Read::blocked: return IoStep::blocked;
          case CgiExchange::Read::ended: return IoStep::ended;
          default: replaced = r; return IoStep::failed;
        }
      },
      [this](const char* data, std::size_t len, std::size_t& written) { return relay_send(data, len, written); });
  if (replaced == CgiExchange::Read::bad_head) {
    cgi_fail(502, cgi().failure().c_str());
  } else if (replaced == CgiExchange::Read::local_redirect) {
    internal_redirect(cgi().redirect_target());
  } else if (ok) {
    if (cgi().output().pending() == 0) {
      payload_sent_ = cgi().payload();
      if (want_write_) {
        want_write_ = false;
        deadline_ = k_never;
      }
    }
    if (cgi().output().done() && state_ == State::relay) {
      keep_alive_ = cgi_->keep_alive();
      cgi_->detach();
      cgi_.reset();  // an idle connection keeps no CGI state or buffers
      finish_response();
      return;
    }
    update_interest();
  }
}

void Connection::internal_redirect(const std::string& target) {
  // Serve that path instead, as a GET.
  stop_cgi();
  Request& req = parser_.request();
  req.target = target;
  req.method = HTTP_GET;
  req.method_name = "GET";
  if (++redirects_ > k_max_internal_redirects) {
    respond_error(500, false);
    return;
  }
  dispatch_http(req, redirects_);
}

IoStep Connection::relay_send(const char* data, std::size_t len, std::size_t& written) {
  while (true) {
    ssize_t n = send(fd_.get(), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      written = static_cast<std::size_t>(n);
      sent_ += static_cast<std::uint64_t>(n);
      deadline_ = want_write_ ? w_.now() + w_.cfg().limits.send_timeout : k_never;
      return IoStep::moved;
    }
    if (send_failed("CGI relay")) continue;
    return state_ == State::closed ? IoStep::failed : IoStep::blocked;
  }
}

void Connection::cgi_fail(int status, const char* why) {
  spdlog::warn("{}: CGI {} failed ({}): {}", peer_string(), log_escaped(parser_.request().target), status, why);
  stop_cgi();
  respond_error(status, false);
}

void Connection::on_cgi_exit(int wait_status) {
  cgi_exited_ = true;
  if (cgi().exited(wait_status)) cgi_deadline_ = std::min(cgi_deadline_, w_.now() + k_cgi_exit_linger);
  update_interest();
}

CgiExchange& Connection::cgi() {
  if (!cgi_) cgi_ = std::make_unique<CgiExchange>(w_);
  return *cgi_;
}

void Connection::stop_cgi() {
  if (cgi_) cgi_->stop();
  cgi_out_interest_ = 0;  // closing the pipes took them out of the epoll set
  cgi_in_interest_ = 0;
}

}  // namespace filehttpd
