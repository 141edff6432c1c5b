#include "config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "access_log.hpp"
#include "cli.hpp"
#include "compress_config.hpp"
#include "config_auth.hpp"
#include "config_sites.hpp"
#include "config_tls.hpp"
#include "http_parser.hpp"

namespace filehttpd {

namespace {

using Setter = std::function<std::string(const toml::node&)>;

std::string where(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) + ": ";
}

Setter boolean(const std::string& key, bool& target) {
  return [key, &target](const toml::node& n) -> std::string {
    auto v = n.value<bool>();
    if (!n.is_boolean() || !v) return key + " must be true or false";
    target = *v;
    return "";
  };
}

Setter string(const std::string& key, std::string& target, std::vector<std::string> choices = {}) {
  return [key, &target, choices](const toml::node& n) -> std::string {
    if (!n.is_string()) return key + " must be a string";
    std::string v = *n.value<std::string>();
    if (!choices.empty()) {
      bool ok = false;
      std::string list;
      for (const auto& c : choices) {
        ok = ok || c == v;
        list += (list.empty() ? "" : ", ") + c;
      }
      if (!ok) return key + " must be one of: " + list;
    }
    target = v;
    return "";
  };
}

Setter strings(const std::string& key, std::vector<std::string>& target, bool allow_empty) {
  return [key, &target, allow_empty](const toml::node& n) -> std::string {
    const toml::array* arr = n.as_array();
    if (!arr) return key + " must be an array of strings";
    std::vector<std::string> out;
    for (const toml::node& e : *arr) {
      if (!e.is_string()) return key + " must be an array of strings";
      out.push_back(*e.value<std::string>());
    }
    if (out.empty() && !allow_empty) return key + " must not be empty";
    target = out;
    return "";
  };
}

template <typename T>
Setter integer(const std::string& key, T& target, std::uint64_t min, std::uint64_t max, bool size_suffixes) {
  return [key, &target, min, max, size_suffixes](const toml::node& n) -> std::string {
    std::uint64_t v = 0;
    if (n.is_integer()) {
      std::int64_t i = *n.value<std::int64_t>();
      if (i < 0) return key + " must be between " + std::to_string(min) + " and " + std::to_string(max);
      v = static_cast<std::uint64_t>(i);
    } else if (size_suffixes && n.is_string()) {
      bool overflow = false;
      if (!parse_size(*n.value<std::string>(), v, &overflow))
        return overflow ? key + " is too large (over 2^64-1 bytes)"
                        : key + " must be a size such as 32768, \"32k\" or \"16m\"";
    } else {
      return key + (size_suffixes ? " must be an integer or a size string" : " must be an integer");
    }
    if (v < min || v > max) return key + " must be between " + std::to_string(min) + " and " + std::to_string(max);
    target = static_cast<T>(v);
    return "";
  };
}

Setter duration(const std::string& key, millis& target, millis min, millis max) {
  return [key, &target, min, max](const toml::node& n) -> std::string {
    millis v{};
    if (n.is_integer()) {
      std::int64_t i = *n.value<std::int64_t>();
      if (i < 0) return key + " must not be negative";
      std::optional<std::int64_t> ms = checked_scale(static_cast<std::uint64_t>(i), 1000);
      if (!ms) return key + " is too large";
      v = millis(*ms);
    } else if (n.is_string()) {
      bool overflow = false;
      if (!parse_duration(*n.value<std::string>(), v, &overflow))
        return overflow ? key + " is too large" : key + " must be a duration such as 30, \"30s\" or \"500ms\"";
    } else {
      return key + " must be a duration (seconds, or a string such as \"500ms\")";
    }
    if (v < min || v > max)
      return key + " must be between " + std::to_string(min.count()) + "ms and " + std::to_string(max.count()) + "ms";
    target = v;
    return "";
  };
}

// One [error_pages] entry: "404" = "/404.html".
std::string error_page_entry(const std::string& key, const toml::node& n, std::map<int, std::string>& out) {
  int code = 0;
  bool digits = key.size() == 3 && std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) code = std::stoi(key);
  if (code < 400 || code > 599) return "error_pages keys must be status codes from 400 to 599, not '" + key + "'";
  if (!n.is_string()) return "error_pages." + key + " must be a string";
  std::string v = *n.value<std::string>();
  if (v.empty() || v[0] != '/') return "error_pages." + key + " must start with '/'";
  out[code] = v;
  return "";
}

// Returns true when s is a non-empty token of RFC 9110 section 5.6.2.
bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(c); });
}

// One [mime] entry: ".ext" = "type/subtype".
std::string mime_entry(const std::string& key, const toml::node& n,
                       std::vector<std::pair<std::string, std::string>>& out) {
  bool ext_ok = key.size() > 1 && key[0] == '.' && std::all_of(key.begin() + 1, key.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '+' || c == '.';
                });
  if (!ext_ok) return "mime keys must be extensions such as \".wasm\", not '" + key + "'";
  if (!n.is_string()) return "mime.\"" + key + "\" must be a string";
  std::string v = *n.value<std::string>();
  std::size_t slash = v.find('/');
  if (slash == std::string::npos || !is_token(std::string_view(v).substr(0, slash)) ||
      !is_token(std::string_view(v).substr(slash + 1)))
    return "mime.\"" + key + "\" must be a type/subtype such as \"application/wasm\", not '" + v + "'";
  std::string ext = key.substr(1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  out.emplace_back(ext, v);
  return "";
}

// Fields a rule may not set: framing, connection management and what the
// server owns, including the body's description (type, coding, ranges).
bool reserved_field(std::string_view name) {
  for (std::string_view r :
       {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "content-range",
        "date", "server", "etag", "last-modified", "content-type", "content-encoding", "accept-ranges"})
    if (iequals(name, r)) return true;
  return false;
}

// [[headers]]: an array of tables with path = "/prefix" and set = { Name = "value" }.
std::string header_rules(const std::string& file, const toml::node& node, std::vector<HeaderRule>& out) {
  const toml::array* arr = node.as_array();
  if (!arr || !arr->is_array_of_tables()) return where(file, node.source()) + "headers must be [[headers]] tables";
  out.clear();
  int index = 0;
  for (const toml::node& entry : *arr) {
    ++index;
    const toml::table& t = *entry.as_table();
    std::string key = "headers[" + std::to_string(index) + "]";
    HeaderRule rule;
    bool have_set = false;
    for (auto& [sub, value] : t) {
      std::string sk(sub.str());
      if (sk == "path") {
        if (!value.is_string()) return where(file, value.source()) + key + ".path must be a string";
        rule.path = *value.value<std::string>();
        if (rule.path.empty() || (rule.path[0] != '/' && rule.path[0] != '*'))
          return where(file, value.source()) + key + ".path must start with '/' (or be a glob such as \"*.js\")";
      } else if (sk == "set") {
        const toml::table* fields = value.as_table();
        if (!fields) return where(file, value.source()) + key + ".set must be a table of header fields";
        for (auto& [name, v] : *fields) {
          std::string n(name.str());
          if (!is_token(n)) return where(file, name.source()) + key + ".set: '" + n + "' is not a header name";
          if (reserved_field(n))
            return where(file, name.source()) + key + ".set: " + n + " is set by the server" +
                   (iequals(n, "content-type") ? " (types belong in [mime])" : "");
          if (!v.is_string() || !is_field_value(*v.value<std::string>()))
            return where(file, v.source()) + key + ".set." + n + " must be a string without control characters";
          rule.set.emplace_back(n, *v.value<std::string>());
        }
        have_set = true;
      } else {
        return where(file, sub.source()) + "unknown key '" + key + "." + sk + "'";
      }
    }
    if (rule.path.empty()) return where(file, entry.source()) + key + " needs a path";
    if (!have_set) return where(file, entry.source()) + key + " needs a set table";
    out.push_back(std::move(rule));
  }
  return "";
}

constexpr millis k_min_timeout{100};
constexpr millis k_max_timeout{24 * 3600 * 1000};

}  // namespace

std::vector<Cidr> loopback_blocks() {
  std::vector<Cidr> out(2);
  parse_cidr("127.0.0.0/8", out[0]);
  parse_cidr("::1/128", out[1]);
  return out;
}

std::string one_line_message(std::string_view text) {
  std::string out;
  append_hex_escaped(out, text, [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  return out;
}

namespace {

// Checks what the keys of root set in cfg as a whole (sidecar codings, paths
// that must start with '/', status.allow). Returns "" or a located message.
std::string check_keys(const std::string& path, const toml::table& root, Config& cfg);

}  // namespace

std::string load_config_keys(const std::string& path, const toml::table& root, Config& cfg, bool site) {
  Profile profile = cfg.profile;
  std::string profile_name = profile == Profile::classic ? "classic" : "http";

  std::map<std::string, Setter> top = {
      {"profile", string("profile", profile_name, {"classic", "http"})},
      {"root", string("root", cfg.root)},
      {"listen", strings("listen", cfg.listen, false)},
      {"index", strings("index", cfg.index_files, true)},
      {"listing", boolean("listing", cfg.listing)},
      {"dotfiles", boolean("dotfiles", cfg.dotfiles)},
      {"fallback", string("fallback", cfg.fallback)},
      {"precompressed", strings("precompressed", cfg.precompressed, true)},
      {"workers", integer("workers", cfg.workers, 1, 256, false)},
      {"shutdown_timeout", duration("shutdown_timeout", cfg.shutdown_timeout, millis(0), k_max_timeout)},
      {"shutdown_delay", duration("shutdown_delay", cfg.shutdown_delay, millis(0), k_max_timeout)},
      {"user", string("user", cfg.user)},
      {"group", string("group", cfg.group)},
      {"daemon", boolean("daemon", cfg.daemon)},
      {"pidfile", string("pidfile", cfg.pidfile)},
      {"h2c", boolean("h2c", cfg.h2c)},
  };
  std::map<std::string, Setter> h2 = {
      {"max_concurrent_streams",
       integer("h2.max_concurrent_streams", cfg.h2.max_concurrent_streams, 1, 10000, false)},
      {"initial_window", integer("h2.initial_window", cfg.h2.initial_window, 65535, (1u << 31) - 1, true)},
  };
  std::map<std::string, Setter> limits = {
      {"header_bytes", integer("limits.header_bytes", cfg.limits.header_bytes, 1024, 1024 * 1024, true)},
      {"uri_bytes", integer("limits.uri_bytes", cfg.limits.uri_bytes, 256, 1024 * 1024, true)},
      {"max_connections", integer("limits.max_connections", cfg.limits.max_connections, 1, 1'000'000, false)},
      {"max_body", integer("limits.max_body", cfg.limits.max_body, 0, 1ull << 40, true)},
      {"header_timeout", duration("limits.header_timeout", cfg.limits.header_timeout, k_min_timeout, k_max_timeout)},
      {"keepalive_timeout",
       duration("limits.keepalive_timeout", cfg.limits.keepalive_timeout, k_min_timeout, k_max_timeout)},
      {"send_timeout", duration("limits.send_timeout", cfg.limits.send_timeout, k_min_timeout, k_max_timeout)},
      {"body_timeout", duration("limits.body_timeout", cfg.limits.body_timeout, k_min_timeout, k_max_timeout)},
      {"max_requests", integer("limits.max_requests", cfg.limits.max_requests, 0, 1ull << 62, false)},
  };
  std::map<std::string, Setter> cgi = {
      {"enabled", boolean("cgi.enabled", cfg.cgi.enabled)},
      {"timeout", duration("cgi.timeout", cfg.cgi.timeout, k_min_timeout, k_max_timeout)},
      {"max_concurrent", integer("cgi.max_concurrent", cfg.cgi.max_concurrent, 1, 100000, false)},
      {"paths", strings("cgi.paths", cfg.cgi.paths, true)},
      {"max_body", integer("cgi.max_body", cfg.cgi.max_body, 0, 1ull << 40, true)},
      {"body_dir", string("cgi.body_dir", cfg.cgi.body_dir)},
      {"rlimit_cpu", integer("cgi.rlimit_cpu", cfg.cgi.rlimit_cpu, 0, 1ull << 31, false)},
      {"rlimit_as", integer("cgi.rlimit_as", cfg.cgi.rlimit_as, 0, 1ull << 50, true)},
      {"rlimit_nofile", integer("cgi.rlimit_nofile", cfg.cgi.rlimit_nofile, 0, 1ull << 20, false)},
  };
  std::map<std::string, Setter> log = {
      {"level", string("log.level", cfg.log.level, {"trace", "debug", "info", "warn", "error", "critical", "off"})},
      {"target", string("log.target", cfg.log.target)},
      {"access", string("log.access", cfg.log.access)},
      {"access_format", string("log.access_format", cfg.log.access_format, {"combined", "vhost_combined"})},
  };
  std::map<std::string, Setter> health = {
      {"path", string("health.path", cfg.health_path)},
  };
  std::map<std::string, Setter> status = {
      {"path", string("status.path", cfg.status_path)},
      {"allow", strings("status.allow", cfg.status_allow_text, true)},
  };
  std::map<std::string, std::map<std::string, Setter>*> sections = {
      {"limits", &limits}, {"cgi", &cgi}, {"log", &log}, {"health", &health}, {"status", &status},
      {"h2", &h2}};

  for (auto& [key, node] : root) {
    std::string k(key.str());
    if (site && (k == "names" || k == "site")) continue;  // the caller's
    if (site && !site_key(k)) return where(path, key.source()) + "'" + k + "' cannot be set per site";
    if (site && k == "cgi" && node.is_table()) {
      for (auto& [sub, subnode] : *node.as_table()) {
        std::string sk(sub.str());
        if (!site_cgi_key(sk)) return where(path, sub.source()) + "'cgi." + sk + "' cannot be set per site";
      }
    }
    if (site && k == "compress" && node.is_table()) {
      for (auto& [sub, subnode] : *node.as_table()) {
        std::string sk(sub.str());
        if (!site_compress_key(sk))
          return where(path, sub.source()) + "'compress." + sk + "' cannot be set per site (the cache is the server's)";
      }
    }
    if (k == "site") continue;  // load_sites(), once the top level is whole
    if (k == "headers") {
      std::string err = header_rules(path, node, cfg.header_rules);
      if (!err.empty()) return err;
      continue;
    }
    if (k == "compress") {
      std::string err = load_compress_section(path, node, cfg.compress);
      if (!err.empty()) return err;
      continue;
    }
    if (k == "auth" || k == "access") {
      std::string err = k == "auth" ? load_auth_rules(path, node, cfg.protection)
                                    : load_access_rules(path, node, cfg.protection);
      if (!err.empty()) return err;
      continue;
    }
    if (k == "tls") {
      std::string err = load_tls_section(path, node, cfg.tls);
      if (!err.empty()) return err;
      continue;
    }
    if (k == "error_pages" || k == "mime") {
      const toml::table* tbl = node.as_table();
      if (!tbl) return where(path, node.source()) + k + " must be a table ([" + k + "])";
      if (k == "error_pages") cfg.error_pages.clear();
      if (k == "mime") cfg.mime_types.clear();
      for (auto& [sub, subnode] : *tbl) {
        std::string sk(sub.str());
        std::string err = k == "error_pages" ? error_page_entry(sk, subnode, cfg.error_pages)
                                             : mime_entry(sk, subnode, cfg.mime_types);
        if (!err.empty()) return where(path, subnode.source()) + err;
      }
      continue;
    }
    if (auto sec = sections.find(k); sec != sections.end()) {
      const toml::table* tbl = node.as_table();
      if (!tbl) return where(path, node.source()) + k + " must be a table ([" + k + "])";
      for (auto& [sub, subnode] : *tbl) {
        std::string sk(sub.str());
        auto it = sec->second->find(sk);
        if (it == sec->second->end()) return where(path, sub.source()) + "unknown key '" + k + "." + sk + "'";
        std::string err = it->second(subnode);
        if (!err.empty()) return where(path, subnode.source()) + err;
      }
      continue;
    }
    auto it = top.find(k);
    if (it == top.end()) return where(path, key.source()) + "unknown key '" + k + "'";
    std::string err = it->second(node);
    if (!err.empty()) return where(path, node.source()) + err;
  }
  cfg.profile = profile_name == "classic" ? Profile::classic : Profile::http;
  return check_keys(path, root, cfg);
}

namespace {

std::string check_keys(const std::string& path, const toml::table& root, Config& cfg) {
  for (std::size_t i = 0; i < cfg.precompressed.size(); ++i) {
    const std::string& c = cfg.precompressed[i];
    const toml::node* n = root.at_path("precompressed").node();
    std::string at = where(path, n ? n->source() : toml::source_region{});
    if (c != "br" && c != "zstd" && c != "gzip")
      return at + "precompressed entries must be br, zstd or gzip, not '" + c + "'";
    for (std::size_t j = 0; j < i; ++j)
      if (cfg.precompressed[j] == c) return at + "precompressed lists '" + c + "' twice";
  }
  if (!cfg.health_path.empty() && cfg.health_path[0] != '/') {
    const toml::node* n = root.at_path("health.path").node();
    return where(path, n ? n->source() : toml::source_region{}) + "health.path must start with '/'";
  }
  if (!cfg.status_path.empty() && (cfg.status_path[0] != '/' || cfg.status_path == cfg.health_path)) {
    const toml::node* n = root.at_path("status.path").node();
    return where(path, n ? n->source() : toml::source_region{}) +
           (cfg.status_path[0] != '/' ? "status.path must start with '/'" : "status.path must differ from health.path");
  }
  if (const toml::node* n = root.at_path("status.allow").node()) {
    cfg.status_allow.clear();
    for (const std::string& text : cfg.status_allow_text) {
      Cidr c;
      if (!parse_cidr(text, c))
        return where(path, n->source()) + "status.allow entries must be addresses, address/prefix or unix:, not '" +
               text + "'";
      cfg.status_allow.push_back(c);
    }
  }
  if (!cfg.fallback.empty() && cfg.fallback[0] != '/') {
    const toml::node* n = root.at_path("fallback").node();
    return where(path, n ? n->source() : toml::source_region{}) + "fallback must start with '/'";
  }
  for (const std::string& p : cfg.cgi.paths) {
    if (p.empty() || p[0] != '/') {
      const toml::node* n = root.at_path("cgi.paths").node();
      return where(path, n ? n->source() : toml::source_region{}) + "cgi.paths entries must start with '/'";
    }
  }
  return "";
}

// load_config_file() before its message is made one line.
std::string load_config(const std::string& path, Config& cfg) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    if (src.begin.line == 0) return path + ": " + std::string(e.description());
    return where(path, src) + std::string(e.description());
  }
  cfg.config_file = path;
  std::string err = load_config_keys(path, root, cfg, false);
  if (!err.empty()) return err;
  if (const toml::node* sites = root.get("site")) return load_sites(path, *sites, cfg);
  return "";
}

}  // namespace

std::string load_config_file(const std::string& path, Config& cfg) {
  return one_line_message(load_config(path, cfg));
}

}  // namespace filehttpd
