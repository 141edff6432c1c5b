#include "compress_respond.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "compress_cache.hpp"
#include "content_coding.hpp"
#include "metrics.hpp"
#include "sites.hpp"
#include "responders.hpp"
#include "static_file.hpp"
#include "worker.hpp"

namespace filehttpd {

bool compress_file_applies(const Site& site, const Route& route) {
  return site.cfg.profile == Profile::http && route.kind == RouteKind::file &&
         compress_static(site.cfg.compress, site.mime.type_for(route.path), static_cast<std::uint64_t>(route.st.st_size));
}

bool identity_only(const CompressConfig& cfg, const Request& req) {
  std::string joined;
  const std::string* accept = req.find_list("Accept-Encoding", joined);
  if (!accept) return true;
  unsigned all = cfg.codings.size() >= 32 ? ~0u : (1u << cfg.codings.size()) - 1;
  return choose_coding(accept, cfg.codings, all).index < 0;
}

void respond_compressed(Reply& r, const Worker& w, Compressor& c, const Request& req, Route& route) {
  const CompressConfig& cfg = r.site->cfg.compress;
  const std::vector<std::string>& codings = cfg.codings;
  std::time_t now = std::time(nullptr);
  Validators base = make_validators(route.st, now);  // read before Date, so never after it
  FileVariant variant;
  variant.vary = true;
  variant.content_type = r.site->mime.type_for(route.path);
  variant.url_path = route.path;
  std::string joined;
  const std::string* accept = req.find_list("Accept-Encoding", joined);
  int dir = c.dir_fd(cfg);
  unsigned available = codings.size() >= 32 ? ~0u : (1u << codings.size()) - 1;
  bool queued = false;
  while (dir >= 0) {
    CodingChoice choice = choose_coding(accept, codings, available);
    if (choice.index < 0) break;
    const std::string& coding = codings[static_cast<std::size_t>(choice.index)];
    std::string name = compress_entry_name(route.st, coding);
    int fd = openat(dir, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    Route copy;
    if (fd >= 0) copy.fd.reset(fd);
    if (fd >= 0 && fstat(fd, &copy.st) == 0 && S_ISREG(copy.st.st_mode)) {
      // The copy's mtime is its LRU time: refreshed now and then, not on every hit.
      if (now - copy.st.st_mtim.tv_sec >= k_compress_touch_seconds) futimens(fd, nullptr);
      bump(my_counters().compress_hits);
      Validators v = base;
      v.etag = variant_etag(base.etag, coding);
      variant.coding = coding;
      variant.validators = &v;
      copy.kind = RouteKind::file;
      copy.path = route.path;
      respond_file(r, w, req, copy, nullptr, &variant);
      return;
    }
    if (!queued) c.submit(cfg, route.fd.get(), route.st, coding);  // the one the client would like best
    queued = true;
    available &= ~(1u << choice.index);
  }
  variant.validators = &base;
  respond_file(r, w, req, route, nullptr, &variant);
}

std::string_view cgi_stream_coding(const CompressConfig& cfg, const Request& req) {
  unsigned streamable = 0;
  for (std::size_t i = 0; i < cfg.codings.size() && i < 32; ++i)
    if (cfg.codings[i] == "gzip" || cfg.codings[i] == "zstd") streamable |= 1u << i;
  std::string joined;
  const std::string* accept = req.find_list("Accept-Encoding", joined);
  if (!accept || !streamable) return "";
  CodingChoice choice = choose_coding(accept, cfg.codings, streamable);
  return choice.index < 0 ? std::string_view() : std::string_view(cfg.codings[static_cast<std::size_t>(choice.index)]);
}

}  // namespace filehttpd
