#include "access_rules.hpp"

#include <openssl/evp.h>

#include "header_rules.hpp"

namespace filehttpd {

bool access_allowed(const ProtectionRules& rules, std::string_view path, const sockaddr_storage& peer) {
  for (const AccessRule& rule : rules.access)
    if (path_rule_matches(rule.path, path) && !cidr_allows(rule.allow, peer)) return false;
  return true;
}

const AuthRule* auth_rule_for(const ProtectionRules& rules, std::string_view path) {
  const AuthRule* found = nullptr;
  for (const AuthRule& rule : rules.auth)
    if (path_rule_matches(rule.path, path)) found = &rule;
  return found;
}

bool page_guarded(const ProtectionRules& rules, std::string_view page_path, const sockaddr_storage& peer,
                  const AuthRule* passed) {
  if (!access_allowed(rules, page_path, peer)) return true;
  const AuthRule* rule = auth_rule_for(rules, page_path);
  return rule && rule != passed;
}

bool parse_basic_credentials(std::string_view value, std::string& user, std::string& password) {
  constexpr std::string_view k_scheme = "basic";
  if (value.size() <= k_scheme.size()) return false;
  for (std::size_t i = 0; i < k_scheme.size(); ++i)
    if ((value[i] | 0x20) != k_scheme[i]) return false;
  std::string_view rest = value.substr(k_scheme.size());
  if (rest.empty() || rest.front() != ' ') return false;
  rest.remove_prefix(rest.find_first_not_of(' ') == std::string_view::npos ? rest.size() : rest.find_first_not_of(' '));
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  // token68 of base64 with its padding: a whole number of quartets.
  if (rest.empty() || rest.size() % 4 != 0 || rest.size() > 4096) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') {
      if (i + 2 < rest.size()) return false;
      ++pad;
    } else if (!b64 || pad > 0) {
      return false;
    }
  }
  std::string decoded(rest.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                          reinterpret_cast<const unsigned char*>(rest.data()), static_cast<int>(rest.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad) return false;
  decoded.resize(static_cast<std::size_t>(n) - pad);
  std::size_t colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  for (char c : decoded)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  return true;
}

std::string basic_challenge(std::string_view realm) {
  std::string out = "Basic realm=\"";
  for (char c : realm) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += "\", charset=\"UTF-8\"";
  return out;
}

}  // namespace filehttpd
