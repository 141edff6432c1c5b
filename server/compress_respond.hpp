#pragma once
// Static files compressed on the fly: the loop's side. It answers from a
// compressed copy in compress.cache_dir when one exists for a coding the
// client accepts, else with the file as it is, and queues the copy for the
// worker's compressor.
#include "compress_worker.hpp"
#include "http_parser.hpp"
#include "reply.hpp"
#include "router.hpp"

namespace filehttpd {

class Worker;
struct Site;

// Returns true when a GET/HEAD of route's file (its type from its name) is compressed on the fly under site's config.
bool compress_file_applies(const Site& site, const Route& route);

// Returns true when req's client takes none of cfg's codings (no Accept-Encoding,
// identity preferred, or only codings we do not make): the file itself is its answer.
bool identity_only(const CompressConfig& cfg, const Request& req);

// GET/HEAD of a file compress_file_applies() to (r.site's): the best cached copy the
// client accepts (its own ETag, Vary, Range, 304, HEAD), else the file itself
// with Vary, and a job for the coding the client would have liked.
void respond_compressed(Reply& r, const Worker& w, Compressor& c, const Request& req, Route& route);

// Returns the coding CGI output to req is compressed in as a stream: gzip or
// zstd, whichever of cfg's codings the client's q-values and then our order prefer; "" for none.
std::string_view cgi_stream_coding(const CompressConfig& cfg, const Request& req);

}  // namespace filehttpd
