#pragma once
// The responders: each turns a request and what it names (a file, its
// precompressed sidecars, a directory, the health state, a redirect, an
// error) into the Reply's head and body parts, then sends it. No sockets.
#include <memory>
#include <string>
#include <string_view>

#include "compress_worker.hpp"
#include "file_cache.hpp"
#include "http_parser.hpp"
#include "reply.hpp"
#include "router.hpp"
#include "static_file.hpp"

namespace filehttpd {

class Worker;

// A file answered in a negotiated encoding.
struct FileVariant {
  bool vary = false;        // the file has variants: Vary: Accept-Encoding
  std::string_view coding;  // the sidecar's content coding; empty: the file itself
  std::string_view content_type;
  std::string_view url_path;
  const Validators* validators = nullptr;  // the response's validators; null: the file's own
};

// 200/206/304/412/416 for a file, from the cache entry when given; a variant
// adds its header lines, the original's type and URL path.
void respond_file(Reply& r, const Worker& w, const Request& req, Route& route, std::shared_ptr<const CachedFile> cached,
                  const FileVariant* variant = nullptr);
// GET/HEAD of a file with precompressed on: the sidecar or the file itself
// from Accept-Encoding (the file itself when nothing acceptable exists, never
// 406); a file without sidecars goes to respond_compressed() when it applies.
void respond_precompressed(Reply& r, const Worker& w, const Request& req, Route& route, Compressor& c);
// An HTML or JSON listing of route's directory, with the header rules of its path.
void respond_listing(Reply& r, const Worker& w, const Request& req, Route& route);
// The health path: 200 while serving, 503 once stopping; 405 for other methods.
void respond_health(Reply& r, const Worker& w, bool get_or_head);
// The status path: the counters of every worker in the Prometheus text format; 405 for other methods.
void respond_status(Reply& r, const Worker& w, bool get_or_head);
// A redirect (route's status) to route's location, with the header rules of route's path.
void respond_redirect(Reply& r, const Worker& w, const Route& route);
// An error response (bare in classic, HTML or the configured page in http);
// close ends keep-alive; route supplies Allow for a 405.
void respond_error(Reply& r, const Worker& w, int status, bool close, const Route* route = nullptr);

}  // namespace filehttpd
