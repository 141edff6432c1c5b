#include "responders.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

#include "compress_respond.hpp"
#include "content_coding.hpp"
#include "file_response.hpp"
#include "auth_cache.hpp"
#include "header_rules.hpp"
#include "http_date.hpp"
#include "listing.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "mime.hpp"
#include "path.hpp"
#include "response.hpp"
#include "sites.hpp"
#include "static_file.hpp"
#include "worker.hpp"

namespace filehttpd {

void respond_precompressed(Reply& r, const Worker& w, const Request& req, Route& route, Compressor& c) {
  // A sidecar (app.js.br, .zst, .gz) counts when it is a regular file no older than the file itself.
  const std::vector<std::string>& prefs = r.site->cfg.precompressed;
  std::vector<Route> sidecars(prefs.size());
  unsigned available = 0;
  for (std::size_t i = 0; i < prefs.size(); ++i) {
    Route v = r.site->router.open_static(route.path + std::string(coding_suffix(prefs[i])));
    const timespec& a = v.st.st_mtim;
    const timespec& b = route.st.st_mtim;
    if (v.kind != RouteKind::file || a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec)) continue;
    available |= 1u << i;
    sidecars[i] = std::move(v);
  }
  if (available == 0 && compress_file_applies(*r.site, route)) {
    respond_compressed(r, w, c, req, route);
    return;
  }
  // When the client refuses every coding we have and identity too, the file
  // goes as it is (no 406), as nginx, lighttpd and Caddy answer.
  std::string joined;
  CodingChoice choice = choose_coding(req.find_list("Accept-Encoding", joined), prefs, available);
  FileVariant variant;
  variant.url_path = route.path;
  variant.content_type = r.site->mime.type_for(route.path);
  variant.vary = available != 0;
  if (choice.index < 0) {
    respond_file(r, w, req, route, nullptr, &variant);
    return;
  }
  variant.coding = prefs[static_cast<std::size_t>(choice.index)];
  respond_file(r, w, req, sidecars[static_cast<std::size_t>(choice.index)], nullptr, &variant);
}

void respond_file(Reply& r, const Worker& w, const Request& req, Route& route, std::shared_ptr<const CachedFile> cached,
                  const FileVariant* variant) {
  Validators local;
  FileFacts facts;
  if (cached) {
    facts.validators = &cached->validators;
    facts.size = static_cast<std::uint64_t>(cached->st.st_size);
    facts.content_type = cached->content_type;
    facts.cached_fields = &cached->fields;
  } else {
    if (variant && variant->validators) {
      facts.validators = variant->validators;
    } else {
      local = make_validators(route.st, std::time(nullptr));  // read before Date, so never after it
      facts.validators = &local;
    }
    facts.size = static_cast<std::uint64_t>(route.st.st_size);
    facts.content_type = variant ? std::string_view(variant->content_type) : r.site->mime.type_for(route.path);
    r.out.set_file(std::move(route.fd));
  }
  r.start(200);
  FilePlan plan = plan_file_response(req, facts, r.response.fields, r.out.scratch());
  if (plan.status == 412) {
    respond_error(r, w, 412, false);
    return;
  }
  r.response.status = plan.status;
  if (variant) append_variant_headers(r.response.fields, variant->vary, variant->coding, plan.status);
  if (!r.site->cfg.header_rules.empty() && plan.status != 416) {
    std::string_view path = variant ? std::string_view(variant->url_path) : route.path;
    append_rule_headers(r.site->cfg.header_rules, cached ? std::string_view(cached->url_path) : path, r.response.fields);
  }
  if (plan.with_length) r.set_length(plan.length);
  bool file_bytes = false;
  if (!r.head_only) {
    for (const FilePart& p : plan.parts) {
      if (p.from_scratch) {
        r.out.add_mem(std::string_view(r.out.scratch()).substr(p.first, p.length));
      } else if (cached) {
        r.out.add_mem(std::string_view(cached->body).substr(p.first, p.length));
        file_bytes = true;
      } else {
        r.out.add_file(static_cast<off_t>(p.first), p.length);
        file_bytes = true;
      }
    }
  }
  if (!file_bytes) r.out.set_file(unique_fd());
  if (file_bytes && cached) r.out.keep(std::move(cached));
  r.send();
}

void respond_listing(Reply& r, const Worker& w, const Request& req, Route& route) {
  Listing listing;
  std::string joined;
  ListingQuery q = parse_listing_query(route.query, req.find_list("Accept", joined));
  if (!read_listing(route.fd.get(), r.site->cfg.dotfiles, q, listing)) {
    spdlog::warn("{}: cannot list {}: {}", r.host.peer(), log_escaped(route.path), std::strerror(errno));
    respond_error(r, w, 500, false);
    return;
  }
  sort_listing(listing.entries, q);
  std::string& body = r.out.scratch();
  body.clear();
  if (q.format == ListingFormat::json)
    render_listing_json(listing, body);
  else
    render_listing_html(listing, route.path, body);
  // Validators: the newest mtime in the directory, and a tag of the exact bytes.
  Validators v;
  v.mtime = last_modified_time(listing.newest, std::time(nullptr));  // read before Date, so never after it
  v.last_modified = format_http_date(v.mtime);
  v.etag = content_etag(body);
  int pre = evaluate_preconditions(req, v);
  if (pre == 412) {
    respond_error(r, w, 412, false);
    return;
  }
  r.start(pre == 304 ? 304 : 200);
  if (pre != 304) r.add("Content-Type", q.format == ListingFormat::json ? "application/json" : "text/html; charset=utf-8");
  r.add("Last-Modified", v.last_modified);
  r.add("ETag", v.etag);
  r.add("Vary", "Accept");
  append_listing_fields(listing, r.response.fields);
  append_rule_headers(r.site->cfg.header_rules, route.path, r.response.fields);
  if (pre != 304) r.set_length(body.size());
  if (pre != 304 && !r.head_only) r.out.add_mem(body);
  r.send();
}

namespace {

// Answers 405 (Allow: GET, HEAD) unless get_or_head. Returns true when it did.
bool refused_unless_get_or_head(Reply& r, const Worker& w, bool get_or_head) {
  if (get_or_head) return false;
  Route allow;
  allow.allow_get_head = true;
  respond_error(r, w, 405, false, &allow);
  return true;
}

// Sends status with the text in r.out.scratch() as a body nobody may cache.
void send_no_store(Reply& r, int status, std::string_view content_type) {
  r.start(status);
  r.add("Cache-Control", "no-store");
  r.send_scratch(content_type);
}

}  // namespace

void respond_health(Reply& r, const Worker& w, bool get_or_head) {
  if (refused_unless_get_or_head(r, w, get_or_head)) return;
  bool serving = !w.unhealthy();
  r.out.scratch() = serving ? "ok\n" : "stopping\n";
  send_no_store(r, serving ? 200 : 503, "text/plain; charset=utf-8");
}

void respond_status(Reply& r, const Worker& w, bool get_or_head) {
  if (refused_unless_get_or_head(r, w, get_or_head)) return;
  counter_set(my_counters().log_dropped, log_lines_dropped());  // this worker's count, current
  r.out.scratch().clear();
  render_metrics(metrics_snapshot_now(FILEHTTPD_VERSION), r.out.scratch());
  send_no_store(r, 200, "text/plain; version=0.0.4; charset=utf-8");
}

void respond_redirect(Reply& r, const Worker&, const Route& route) {
  const std::string& location = route.location;
  r.out.scratch() = "<!DOCTYPE html>\n<html><body><a href=\"" + html_escape(location) + "\">Moved</a></body></html>\n";
  r.start(route.status);
  r.add("Location", location);
  append_rule_headers(r.site->cfg.header_rules, route.path, r.response.fields);
  r.send_html();
}

void respond_error(Reply& r, const Worker& w, int status, bool close, const Route* route) {
  r.out.set_file(unique_fd());
  r.out.keep(nullptr);
  if (w.cfg().profile == Profile::classic) {
    r.keep_alive = false;
    r.start(status);
    r.response.bare = true;  // the classic contract's bare answer: status line and Content-Length: 0
    r.set_length(0);
    r.send();
    return;
  }
  if (close) r.keep_alive = false;
  Route page;
  if (auto it = r.site->cfg.error_pages.find(status); it != r.site->cfg.error_pages.end()) {
    // A page behind a rule this request has not passed is never sent: the built-in one goes instead.
    bool guarded = page_guarded(r.site->cfg.protection, it->second, r.host.peer_address(), r.passed_rule);
    if (!guarded) page = r.site->router.open_static(it->second);
    if (!guarded && page.kind != RouteKind::file)
      spdlog::warn("{}: error page {} for {} cannot be served ({}); sending the built-in one", r.host.peer(),
                   log_escaped(it->second), status, page.status);
  }
  r.start(status);
  if (route && route->allow_get_head) r.add("Allow", "GET, HEAD");
  if (status == 503) r.add("Retry-After", "1");
  if (route && !route->challenge.empty()) r.add("WWW-Authenticate", route->challenge);
  if (status == 429) r.add("Retry-After", std::to_string(k_auth_limit_window.count()));
  if (page.kind == RouteKind::file) {
    // The configured page, with the original status and no validators (never a 304).
    std::uint64_t size = static_cast<std::uint64_t>(page.st.st_size);
    r.add("Content-Type", r.site->mime.type_for(page.path));
    r.set_length(size);
    if (!r.head_only) {
      r.out.set_file(std::move(page.fd));
      r.out.add_file(0, size);
    }
    r.send();
    return;
  }
  r.out.scratch() = error_body(status);
  r.send_html();
}

}  // namespace filehttpd
