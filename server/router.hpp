#pragma once
// Router: Request + Config to a decision (file, listing, CGI, redirect, error).
// It opens files beneath the root but does no socket I/O, so tests can call it.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "config.hpp"
#include "http_parser.hpp"
#include "unique_fd.hpp"

namespace filehttpd {

enum class RouteKind { file, listing, cgi, redirect, error };

struct Route {
  RouteKind kind = RouteKind::error;
  int status = 500;
  unique_fd fd;  // file: the open file; listing: the open directory
  struct stat st {};
  std::string path;             // decoded URL path of the file, directory or script
  std::string query;            // raw query string
  std::string path_info;        // CGI: what follows the script in the path
  std::string location;         // redirect: the Location value
  bool allow_get_head = false;  // error 405: send Allow: GET, HEAD
  std::string challenge;        // error 401: the WWW-Authenticate value
  std::string remote_user;      // cgi: the user an [[auth]] rule let in (REMOTE_USER)
  bool fallback = false;        // file or cgi: the configured fallback, for a path that does not exist
  int redirect_status = 200;    // cgi: the status it answers for (an error page's), its REDIRECT_STATUS
};

class Router {
 public:
  // root_fd must be an O_PATH/O_DIRECTORY fd of the document root; root_path
  // its absolute path (used to build SCRIPT_FILENAME).
  Router(const Config& cfg, int root_fd, std::string root_path);

  // Returns what to answer for req. Never throws.
  Route route(const Request& req) const;

  // Opens a regular file below the root by URL path (an error page, a
  // sidecar): kind file, or an error route (403 for a file that runs as CGI
  // when named: its bytes are never sent). No index, no listing.
  Route open_static(const std::string& path) const;

  // Opens a configured page (fallback, error page) by URL path: kind cgi for
  // a file that runs as CGI when named, kind file for another regular file,
  // or an error route.
  Route open_page(const std::string& path) const;

  // Returns warnings about the configured fallback and error pages that
  // cannot be served now (missing, not regular files, scripts that cannot run for their status).
  std::vector<std::string> check_pages() const;

  // Returns the root's absolute path.
  const std::string& root_path() const { return root_path_; }

 private:
  Route route_classic(const Request& req) const;
  Route route_http(const Request& req) const;
  Route open_target(const std::string& path, bool http) const;
  bool cgi_allowed(const std::string& path, const struct stat& st) const;
  // Returns true when path lies under one of cgi.paths (none when the list is empty).
  bool under_cgi_path(const std::string& path) const;
  // The fallback route for a missing path, when one applies; otherwise the 404 as given.
  Route fallback_for(const Request& req, const std::string& path, Route not_found) const;

  const Config& cfg_;
  int root_fd_;
  std::string root_path_;
};

// Returns a Route for an error status.
Route error_route(int status);

// Returns true when an error page that is a CGI script runs for status: the
// errors the router decides (400, 403, 404, 405). Others get the built-in page.
bool error_page_script_runs(int status);

}  // namespace filehttpd
