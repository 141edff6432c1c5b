#pragma once
// Sites: which [[site]] a request's authority names, and what each site
// serves with (its settings, router, file cache and content types).
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config.hpp"
#include "file_cache.hpp"
#include "mime.hpp"
#include "router.hpp"

namespace filehttpd {

// Longest host name a site can match (RFC 1035: 253 bytes, and a trailing dot).
inline constexpr std::size_t k_max_host = 254;

// Writes authority's host as sites match it into buf (k_max_host bytes): the
// port and a trailing dot cut off, ASCII letters in lower case; an IPv6
// literal keeps its brackets. Returns it, or "" when it does not fit.
std::string_view host_key(std::string_view authority, char* buf);

// Names to site indexes: exact names, and "*.suffix" wildcards that match one more label.
class SiteNames {
 public:
  // Adds name (as site_name() returns it) for the site at index.
  void add(const std::string& name, int index);
  // Returns the index of the site authority names, or -1 for none.
  int find(std::string_view authority) const;
  // Returns true when no name was added.
  bool empty() const { return exact_.empty() && wild_.empty(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, int, Hash, std::equal_to<>>;
  Map exact_;
  Map wild_;  // "*.example.org" as "example.org"
};

// A document root opened by the supervisor (fd not owned here).
struct SiteRoot {
  int fd = -1;
  std::string path;  // real path; "" for "/"
};

// What one site serves with. The default site (the top level) has name "-".
struct Site {
  // cfg outlives the site; root is its opened document root.
  Site(const Config& c, const SiteRoot& root, std::string first_name, bool own_mime);
  Site(const Site&) = delete;
  Site& operator=(const Site&) = delete;

  const Config& cfg;
  MimeOverlay mime;
  Router router;
  FileCache cache;  // one per site: two sites' "/index.html" never share an entry
  std::string name;
};

// Every site of a config, the default one first.
class Sites {
 public:
  // roots: the top level's, then one per cfg.sites entry, in order.
  Sites(const Config& cfg, const std::vector<SiteRoot>& roots);
  // Returns the site authority names, or the default site. One hash lookup.
  Site& pick(std::string_view authority);
  // Returns the index of the site authority names (0: the default site).
  int index_of(std::string_view authority) const { return names_.find(authority) + 1; }
  // Returns the site at index (0: the default site).
  Site& at(int index) { return *sites_[static_cast<std::size_t>(index)]; }

 private:
  std::vector<std::unique_ptr<Site>> sites_;
  SiteNames names_;
};

}  // namespace filehttpd
