#include "sites.hpp"

namespace filehttpd {

std::string_view host_key(std::string_view authority, char* buf) {
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos) return {};
    host = host.substr(0, close + 1);
  } else if (std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > k_max_host) return {};
  for (std::size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    buf[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  return {buf, host.size()};
}

void SiteNames::add(const std::string& name, int index) {
  if (name.starts_with("*."))
    wild_.emplace(name.substr(2), index);
  else
    exact_.emplace(name, index);
}

int SiteNames::find(std::string_view authority) const {
  if (authority.empty() || empty()) return -1;
  char buf[k_max_host];
  std::string_view host = host_key(authority, buf);
  if (host.empty()) return -1;
  if (auto it = exact_.find(host); it != exact_.end()) return it->second;
  if (wild_.empty()) return -1;
  std::size_t dot = host.find('.');
  if (dot == 0 || dot == std::string_view::npos) return -1;
  auto it = wild_.find(host.substr(dot + 1));
  return it == wild_.end() ? -1 : it->second;
}

Site::Site(const Config& c, const SiteRoot& root, std::string first_name, bool own_mime)
    : cfg(c),
      mime(own_mime ? c.mime_types : std::vector<std::pair<std::string, std::string>>{}),
      router(c, root.fd, root.path),
      cache(&mime),
      name(std::move(first_name)) {}

Sites::Sites(const Config& cfg, const std::vector<SiteRoot>& roots) {
  sites_.push_back(std::make_unique<Site>(cfg, roots.at(0), "-", false));
  for (std::size_t i = 0; i < cfg.sites.size(); ++i) {
    const SiteConfig& s = cfg.sites[i];
    sites_.push_back(std::make_unique<Site>(*s.cfg, roots.at(i + 1), s.names.front(), s.own_mime));
    for (const std::string& name : s.names) names_.add(name, static_cast<int>(i));
  }
}

Site& Sites::pick(std::string_view authority) {
  return *sites_[static_cast<std::size_t>(names_.find(authority) + 1)];
}

}  // namespace filehttpd
