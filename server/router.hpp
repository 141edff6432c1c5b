#pragma once
// Router: Request + Config to a decision (file, listing, CGI, redirect, error).
// It opens files beneath the root but does no socket I/O, so tests can call it.
#include <sys/stat.h>

#include <string>

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
};

class Router {
 public:
  // root_fd must be an O_PATH/O_DIRECTORY fd of the document root; root_path
  // its absolute path (used to build SCRIPT_FILENAME).
  Router(const Config& cfg, int root_fd, std::string root_path);

  // Returns what to answer for req. Never throws.
  Route route(const Request& req) const;

  // Returns the root's absolute path.
  const std::string& root_path() const { return root_path_; }

 private:
  Route route_classic(const Request& req) const;
  Route route_http(const Request& req) const;
  Route open_target(const std::string& path, bool http) const;
  bool cgi_allowed(const std::string& path, const struct stat& st) const;

  const Config& cfg_;
  int root_fd_;
  std::string root_path_;
};

// Returns a Route for an error status.
Route error_route(int status);

}  // namespace filehttpd
