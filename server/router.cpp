#include "router.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "path.hpp"

namespace filehttpd {

Route error_route(int status) {
  Route r;
  r.kind = RouteKind::error;
  r.status = status;
  return r;
}

bool error_page_script_runs(int status) {
  return status == 400 || status == 403 || status == 404 || status == 405;
}

namespace {

int status_for_errno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case EXDEV:
    case ELOOP:
    case ENAMETOOLONG: return 404;
    case EACCES:
    case EPERM: return 403;
    default: return 500;
  }
}

bool is_get_or_head(const Request& req) {
  return req.method == HTTP_GET || req.method == HTTP_HEAD;
}

}  // namespace

Router::Router(const Config& cfg, int root_fd, std::string root_path)
    : cfg_(cfg), root_fd_(root_fd), root_path_(std::move(root_path)) {}

Route Router::route(const Request& req) const {
  return cfg_.profile == Profile::classic ? route_classic(req) : route_http(req);
}

bool Router::under_cgi_path(const std::string& path) const {
  for (const std::string& prefix : cfg_.cgi.paths) {
    if (path.compare(0, prefix.size(), prefix) == 0 &&
        (path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/'))
      return true;
  }
  return false;
}

bool Router::cgi_allowed(const std::string& path, const struct stat& st) const {
  if (!cfg_.cgi.enabled || !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) return false;
  return cfg_.cgi.paths.empty() || under_cgi_path(path);
}

Route Router::open_static(const std::string& path) const {
  Route r = open_page(path);
  if (r.kind == RouteKind::cgi) return error_route(403);
  return r;
}

Route Router::open_page(const std::string& path) const {
  Route r;
  r.path = path;
  int fd = open_beneath(root_fd_, path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return error_route(status_for_errno(-fd));
  r.fd.reset(fd);
  if (fstat(fd, &r.st) != 0) return error_route(500);
  if (!S_ISREG(r.st.st_mode)) return error_route(403);
  r.kind = RouteKind::file;
  r.status = 200;
  if (cgi_allowed(path, r.st)) {
    r.kind = RouteKind::cgi;  // a script runs; its source is never a page
    r.fd.reset();
  }
  return r;
}

std::vector<std::string> Router::check_pages() const {
  std::vector<std::string> out;
  auto check = [&](const std::string& what, const std::string& path, int code) {
    Route r = open_page(path);
    if (r.kind == RouteKind::cgi && code != 0 && !error_page_script_runs(code))
      out.push_back(what + " '" + path + "' is a CGI script: it runs only for 400, 403, 404 and 405; a " +
                    std::to_string(code) + " gets the built-in page");
    else if (r.kind != RouteKind::file && r.kind != RouteKind::cgi)
      out.push_back(what + " '" + path + "' cannot be served (" + std::to_string(r.status) + "); " +
                    (what == "fallback" ? "missing paths stay 404" : "the built-in page is used"));
  };
  if (!cfg_.fallback.empty()) check("fallback", cfg_.fallback, 0);
  for (const auto& [code, path] : cfg_.error_pages) check("error_pages." + std::to_string(code), path, code);
  return out;
}

Route Router::fallback_for(const Request& req, const std::string& path, Route not_found) const {
  // Only GET and HEAD, only a path that does not exist, only a last segment
  // without an extension (a missing app.js stays 404), never under cgi.paths.
  if (cfg_.fallback.empty() || !is_get_or_head(req) || not_found.status != 404) return not_found;
  std::string_view last = std::string_view(path).substr(path.rfind('/') + 1);
  if (last.find('.') != std::string_view::npos || under_cgi_path(path)) return not_found;
  Route r = open_page(cfg_.fallback);  // a script runs, as try_files ... /index.php would
  if (r.kind != RouteKind::file && r.kind != RouteKind::cgi) return not_found;
  r.fallback = true;
  return r;
}

Route Router::open_target(const std::string& path, bool http) const {
  Route r;
  r.path = path;
  int fd = open_beneath(root_fd_, path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) {
    if (http && -fd == ENOTDIR) {
      // Look for a script among the leading segments: /cgi/app.sh/users/7.
      std::size_t pos = 0;
      while ((pos = path.find('/', pos + 1)) != std::string::npos) {
        std::string prefix = path.substr(0, pos);
        int pfd = open_beneath(root_fd_, prefix, O_PATH);
        if (pfd < 0) break;
        struct stat st {};
        bool ok = fstat(pfd, &st) == 0;
        close(pfd);
        if (!ok) break;
        if (S_ISDIR(st.st_mode)) continue;
        if (cgi_allowed(prefix, st)) {
          r.kind = RouteKind::cgi;
          r.status = 200;
          r.st = st;
          r.path = prefix;
          r.path_info = path.substr(pos);
          return r;
        }
        break;
      }
    }
    return error_route(status_for_errno(-fd));
  }
  r.fd.reset(fd);
  if (fstat(fd, &r.st) != 0) return error_route(500);
  if (S_ISDIR(r.st.st_mode)) {
    r.kind = RouteKind::listing;
    r.status = 200;
    return r;
  }
  if (!S_ISREG(r.st.st_mode)) return error_route(403);
  if (cgi_allowed(path, r.st)) {
    r.kind = RouteKind::cgi;
    r.fd.reset();
  } else {
    r.kind = RouteKind::file;
  }
  r.status = 200;
  return r;
}

Route Router::route_classic(const Request& req) const {
  if (req.method != HTTP_GET) return error_route(501);
  DecodedPath dp = decode_target(req.target);
  if (dp.status == PathStatus::bad_request) return error_route(400);
  if (dp.status == PathStatus::outside_root) return error_route(404);
  std::string path = dp.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  Route r = open_target(path, false);
  r.query = dp.query;
  if (r.kind == RouteKind::listing) {
    // A directory answers with its index.html when there is one.
    std::string index = (path == "/" ? std::string("/") : path + "/") + "index.html";
    Route ir = open_target(index, false);
    if (ir.kind == RouteKind::listing) return error_route(404);
    ir.query = dp.query;
    return ir;
  }
  return r;
}

Route Router::route_http(const Request& req) const {
  DecodedPath dp = decode_target(req.target);
  if (dp.status == PathStatus::bad_request) return error_route(400);
  if (dp.status == PathStatus::outside_root) return error_route(404);
  if (!cfg_.dotfiles && has_hidden_segment(dp.path)) return error_route(404);
  std::string path = dp.path;
  bool slash = path.size() > 1 && path.back() == '/';
  if (slash) path.pop_back();

  Route r = open_target(path, true);
  if (r.kind == RouteKind::error) r = fallback_for(req, path, std::move(r));
  r.query = dp.query;
  if (r.kind == RouteKind::file && slash && !r.fallback) return error_route(404);
  if (r.kind == RouteKind::listing) {
    if (!dp.trailing_slash) {
      Route red;
      red.kind = RouteKind::redirect;
      red.status = 301;
      red.path = path;
      red.location = percent_encode_path(path + "/");
      if (!dp.query.empty()) red.location += "?" + dp.query;
      return red;
    }
    std::string base = path == "/" ? std::string("/") : path + "/";
    for (const std::string& name : cfg_.index_files) {
      Route ir = open_target(base + name, true);
      if (ir.kind == RouteKind::file || ir.kind == RouteKind::cgi) {
        ir.query = dp.query;
        r = std::move(ir);
        break;
      }
    }
    if (r.kind == RouteKind::listing) {
      if (!cfg_.listing) return error_route(403);
      r.path = base;
    }
  }
  if ((r.kind == RouteKind::file || r.kind == RouteKind::listing) && !is_get_or_head(req)) {
    Route e = error_route(405);
    e.allow_get_head = true;
    return e;
  }
  return r;
}

}  // namespace filehttpd
