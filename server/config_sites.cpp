#include "config_sites.hpp"

#include <algorithm>
#include <map>

namespace filehttpd {

namespace {

std::string where(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) + ": ";
}

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Puts "site[index]: " after the location of a located message.
std::string in_site(const std::string& file, std::string err, int index) {
  std::size_t at = err.rfind(file + ":", 0) == 0 ? err.find(": ", file.size() + 1) : std::string::npos;
  std::string tag = "site[" + std::to_string(index) + "]: ";
  if (at == std::string::npos) return tag + err;
  return err.insert(at + 2, tag);
}

}  // namespace

bool site_key(std::string_view key) {
  for (std::string_view k : {"root", "index", "listing", "fallback", "precompressed", "dotfiles", "error_pages",
                             "headers", "mime", "cgi", "auth", "access", "compress"})
    if (key == k) return true;
  return false;
}

bool site_compress_key(std::string_view key) {
  // The cache (cache_dir, cache_size) is the server's: one directory, one bound.
  for (std::string_view k : {"codings", "types", "min_size", "max_size"})
    if (key == k) return true;
  return false;
}

bool site_cgi_key(std::string_view key) {
  // The others (timeout, max_concurrent, max_body, body_dir) are the worker's, not a site's.
  for (std::string_view k : {"enabled", "paths", "rlimit_cpu", "rlimit_as", "rlimit_nofile"})
    if (key == k) return true;
  return false;
}

std::string site_name(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!out.empty() && out.back() == '.') out.pop_back();
  std::string_view rest(out);
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  if (rest.empty() || rest.size() > 253) return "";
  std::size_t start = 0;
  for (std::size_t i = 0; i <= rest.size(); ++i) {
    if (i < rest.size() && rest[i] != '.') {
      if (!label_char(rest[i])) return "";
      continue;
    }
    if (i == start || i - start > 63) return "";  // an empty or overlong label
    start = i + 1;
  }
  return out;
}

std::string load_sites(const std::string& file, const toml::node& node, Config& cfg) {
  const toml::array* arr = node.as_array();
  if (!arr || !arr->is_array_of_tables()) return where(file, node.source()) + "site must be [[site]] tables";
  if (cfg.profile != Profile::http) return where(file, node.source()) + "[[site]] needs profile = \"http\"";
  std::map<std::string, std::string> taken;  // name -> "LINE" of the site that has it
  std::vector<SiteConfig> sites;
  int index = 0;
  for (const toml::node& entry : *arr) {
    ++index;
    const toml::table& t = *entry.as_table();
    std::string key = "site[" + std::to_string(index) + "]";
    SiteConfig site;
    site.where = where(file, entry.source());
    site.where.resize(site.where.size() - 2);
    const toml::node* names = t.get("names");
    if (!names) return where(file, entry.source()) + key + " needs names = [\"example.org\", ...]";
    const toml::array* list = names->as_array();
    if (!list || list->empty()) return where(file, names->source()) + key + ".names must be a non-empty array of strings";
    for (const toml::node& n : *list) {
      if (!n.is_string()) return where(file, n.source()) + key + ".names must be a non-empty array of strings";
      std::string raw = *n.value<std::string>();
      std::string name = site_name(raw);
      if (name.empty())
        return where(file, n.source()) + key + ".names: '" + raw +
               "' is not a host name (a port does not belong here; a wildcard is \"*.example.org\")";
      std::string line = std::to_string(n.source().begin.line);
      auto [it, fresh] = taken.emplace(name, line);
      if (!fresh)
        return where(file, n.source()) + key + ".names: '" + name + "' is given to two sites (lines " + it->second +
               " and " + line + ")";
      site.names.push_back(name);
    }
    auto own = std::make_shared<Config>(cfg);
    own->sites.clear();
    std::string err = load_config_keys(file, t, *own, true);
    if (!err.empty()) return in_site(file, err, index);
    site.own_mime = t.contains("mime");
    site.cfg = std::move(own);
    sites.push_back(std::move(site));
  }
  cfg.sites = std::move(sites);
  return "";
}

}  // namespace filehttpd
