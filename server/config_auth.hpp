#pragma once
// The [[auth]] and [[access]] tables of the config file.
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "access_rules.hpp"
#include "config.hpp"

namespace filehttpd {

// Reads [[auth]] (path, realm, users: an htpasswd file, loaded now) into
// out.auth. Returns "" or "FILE:LINE:COL: message" naming the key (and the
// htpasswd file and line for a bad user line).
std::string load_auth_rules(const std::string& file, const toml::node& node, ProtectionRules& out);

// Reads [[access]] (path, allow: addresses and blocks) into out.access.
// Returns "" or "FILE:LINE:COL: message" naming the key.
std::string load_access_rules(const std::string& file, const toml::node& node, ProtectionRules& out);

// Returns a warning for each [[auth]] rule that plain-HTTP listeners serve
// without tls.redirect_http (passwords would cross the network in the clear).
std::vector<std::string> protection_warnings(const Config& cfg);

// Returns the -t lines describing rules, one per rule, each after prefix ("" when there are none).
std::string describe_rules(const ProtectionRules& rules, const std::string& prefix);
// Returns describe_rules() of the top level, then of each site ("site NAME: " lines).
std::string describe_protection(const Config& cfg);

// Returns the files tls.watch looks at (none when it is off): the TLS
// certificates and keys, then the htpasswd file of every [[auth]] rule, top
// level and sites, each once.
std::vector<std::string> watched_files(const Config& cfg);

}  // namespace filehttpd
