#pragma once
// The [[site]] tables of the config file: names, root and the per-site keys.
#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "config.hpp"

namespace filehttpd {

// Returns true when a [[site]] table may set key (a top-level key name).
bool site_key(std::string_view key);

// Returns true when a [[site]] table may set cgi.key.
bool site_cgi_key(std::string_view key);

// Returns true for the [compress] keys a site may set (not the cache's).
bool site_compress_key(std::string_view key);

// Returns name in the form sites are matched in (lower case, no trailing
// dot), or "" when it is not a host name or a "*.suffix" wildcard.
std::string site_name(std::string_view name);

// Reads the [[site]] array node into cfg.sites, each site starting from the
// top level of cfg. Returns "" or "FILE:LINE:COL: message" naming the key.
std::string load_sites(const std::string& file, const toml::node& node, Config& cfg);

// Applies the keys of table root to cfg (defined in config.cpp); site: only
// the per-site keys, "names" left to the caller. Returns "" or a located message.
std::string load_config_keys(const std::string& file, const toml::table& root, Config& cfg, bool site);

}  // namespace filehttpd
