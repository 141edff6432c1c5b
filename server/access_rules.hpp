#pragma once
// [[access]] and [[auth]] rules: which rule guards a URL path, whether an
// address may pass, and the parts of HTTP Basic authentication that need no I/O.
#include <sys/socket.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cidr.hpp"
#include "htpasswd.hpp"

namespace filehttpd {

// One [[access]] rule: only addresses in allow may fetch paths it matches.
struct AccessRule {
  std::string path;                     // prefix or glob, as a [[headers]] path
  std::vector<std::string> allow_text;  // as written, for -t
  std::vector<Cidr> allow;
};

// One [[auth]] rule: paths it matches need a user of its htpasswd file.
struct AuthRule {
  std::string path;   // prefix or glob, as a [[headers]] path
  std::string realm;  // shown by the browser's prompt
  std::string users_file;
  std::shared_ptr<const Htpasswd> users;  // loaded at start and on reload
};

// The protection of one site: a value type a site's settings can hold.
struct ProtectionRules {
  std::vector<AccessRule> access;
  std::vector<AuthRule> auth;
  bool empty() const { return access.empty() && auth.empty(); }
};

// Returns true when every [[access]] rule matching path lets peer in (no matching rule: true).
bool access_allowed(const ProtectionRules& rules, std::string_view path, const sockaddr_storage& peer);

// Returns the [[auth]] rule guarding path (the last matching one, as with
// [[headers]]), or nullptr when the path is open.
const AuthRule* auth_rule_for(const ProtectionRules& rules, std::string_view path);

// Returns true when a page the server picks itself (fallback, error page) at
// page_path must not be sent: an [[access]] rule leaves peer out, or an
// [[auth]] rule guards it other than passed (the rule the request's own
// credentials passed, or nullptr).
bool page_guarded(const ProtectionRules& rules, std::string_view page_path, const sockaddr_storage& peer,
                  const AuthRule* passed);

// Splits an Authorization value "Basic <base64 of user:password>" (scheme
// without case, one or more spaces). Returns false when it is another scheme
// or malformed: bad base64, no colon, an empty user or a control character.
bool parse_basic_credentials(std::string_view value, std::string& user, std::string& password);

// Returns the WWW-Authenticate value for realm: Basic realm="...", charset="UTF-8"
// (a quote or backslash in realm escaped).
std::string basic_challenge(std::string_view realm);

}  // namespace filehttpd
