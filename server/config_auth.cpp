#include "config_auth.hpp"

#include <algorithm>

#include "config_tls.hpp"
#include "field_syntax.hpp"

namespace filehttpd {

namespace {

std::string at(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) + ": ";
}

// A rule's path: a URL prefix starting with '/', or a glob.
std::string rule_path(const std::string& file, const std::string& key, const toml::node& value, std::string& out) {
  if (!value.is_string()) return at(file, value.source()) + key + ".path must be a string";
  out = *value.value<std::string>();
  if (out.empty() || (out[0] != '/' && out[0] != '*'))
    return at(file, value.source()) + key + ".path must start with '/' (or be a glob such as \"*.php\")";
  return "";
}

// Calls one(key, table) for each table of an array of tables named name.
template <typename F>
std::string each_table(const std::string& file, const toml::node& node, const std::string& name, F one) {
  const toml::array* arr = node.as_array();
  if (!arr || !arr->is_array_of_tables()) return at(file, node.source()) + name + " must be [[" + name + "]] tables";
  int index = 0;
  for (const toml::node& entry : *arr) {
    std::string err = one(name + "[" + std::to_string(++index) + "]", *entry.as_table());
    if (!err.empty()) return err;
  }
  return "";
}

// Returns true when a site's [[auth]] rules are the top level's, inherited (the same paths and loaded files).
bool same_auth_rules(const ProtectionRules& a, const ProtectionRules& b) {
  if (a.auth.size() != b.auth.size()) return false;
  for (std::size_t i = 0; i < a.auth.size(); ++i)
    if (a.auth[i].path != b.auth[i].path || a.auth[i].users != b.auth[i].users) return false;
  return true;
}

}  // namespace

std::string load_auth_rules(const std::string& file, const toml::node& node, ProtectionRules& out) {
  out.auth.clear();
  return each_table(file, node, "auth", [&](const std::string& key, const toml::table& t) -> std::string {
    AuthRule rule;
    const toml::node* users_node = nullptr;
    bool have_realm = false;
    for (auto& [sub, value] : t) {
      std::string sk(sub.str());
      if (sk == "path") {
        std::string err = rule_path(file, key, value, rule.path);
        if (!err.empty()) return err;
      } else if (sk == "realm") {
        if (!value.is_string() || !is_field_value(*value.value<std::string>()))
          return at(file, value.source()) + key + ".realm must be a string without control characters";
        rule.realm = *value.value<std::string>();
        have_realm = true;
      } else if (sk == "users") {
        if (!value.is_string() || value.value<std::string>()->empty())
          return at(file, value.source()) + key + ".users must be the path of an htpasswd file";
        rule.users_file = *value.value<std::string>();
        users_node = &value;
      } else {
        return at(file, sub.source()) + "unknown key '" + key + "." + sk + "'";
      }
    }
    if (rule.path.empty()) return at(file, t.source()) + key + " needs a path";
    if (!users_node) return at(file, t.source()) + key + " needs users (an htpasswd file)";
    if (!have_realm) rule.realm = "restricted";
    std::string err = load_htpasswd(rule.users_file, rule.users);
    if (!err.empty()) return at(file, users_node->source()) + key + ".users: " + err;
    out.auth.push_back(std::move(rule));
    return "";
  });
}

std::string load_access_rules(const std::string& file, const toml::node& node, ProtectionRules& out) {
  out.access.clear();
  return each_table(file, node, "access", [&](const std::string& key, const toml::table& t) -> std::string {
    AccessRule rule;
    bool have_allow = false;
    for (auto& [sub, value] : t) {
      std::string sk(sub.str());
      if (sk == "path") {
        std::string err = rule_path(file, key, value, rule.path);
        if (!err.empty()) return err;
      } else if (sk == "allow") {
        const toml::array* arr = value.as_array();
        if (!arr) return at(file, value.source()) + key + ".allow must be an array of addresses or blocks";
        for (const toml::node& e : *arr) {
          Cidr c;
          if (!e.is_string() || !parse_cidr(*e.value<std::string>(), c))
            return at(file, e.source()) + key + ".allow entries must be addresses, address/prefix or unix:";
          rule.allow_text.push_back(*e.value<std::string>());
          rule.allow.push_back(c);
        }
        have_allow = true;
      } else {
        return at(file, sub.source()) + "unknown key '" + key + "." + sk + "'";
      }
    }
    if (rule.path.empty()) return at(file, t.source()) + key + " needs a path";
    if (!have_allow) return at(file, t.source()) + key + " needs allow (an empty list denies everyone)";
    out.access.push_back(std::move(rule));
    return "";
  });
}

std::vector<std::string> protection_warnings(const Config& cfg) {
  std::vector<std::string> out;
  if (cfg.listen.empty() || cfg.tls.redirect_http) return out;
  auto warn = [&](const ProtectionRules& rules, const std::string& where) {
    for (const AuthRule& r : rules.auth)
      out.push_back(where + "[[auth]] " + r.path + " is served on plain HTTP (listen) without tls.redirect_http: " +
                    "its passwords cross the network in the clear");
  };
  warn(cfg.protection, "");
  for (const SiteConfig& site : cfg.sites)
    if (site.cfg && !same_auth_rules(site.cfg->protection, cfg.protection))
      warn(site.cfg->protection, "site " + site.names.front() + ": ");
  return out;
}

std::string describe_protection(const Config& cfg) {
  std::string out = describe_rules(cfg.protection, "");
  for (const SiteConfig& site : cfg.sites)
    if (site.cfg) out += describe_rules(site.cfg->protection, "site " + site.names.front() + ": ");
  return out;
}

std::string describe_rules(const ProtectionRules& rules, const std::string& prefix) {
  std::string out;
  for (const AccessRule& r : rules.access) {
    out += prefix + "access " + r.path + " allow";
    if (r.allow_text.empty()) out += " (nobody)";
    for (const std::string& a : r.allow_text) out += " " + a;
    out += "\n";
  }
  for (const AuthRule& r : rules.auth) {
    out += prefix + "auth " + r.path + " realm \"" + r.realm + "\" users " + r.users_file + " (" +
           std::to_string(r.users ? r.users->users.size() : 0) + " users)\n";
  }
  return out;
}

std::vector<std::string> watched_files(const Config& cfg) {
  std::vector<std::string> files = tls_watched_files(cfg.tls);
  if (!cfg.tls.watch) return files;
  auto add_users = [&](const Config& c) {
    for (const AuthRule& r : c.protection.auth)
      if (std::find(files.begin(), files.end(), r.users_file) == files.end()) files.push_back(r.users_file);
  };
  add_users(cfg);
  for (const SiteConfig& s : cfg.sites) add_users(*s.cfg);
  return files;
}

}  // namespace filehttpd
