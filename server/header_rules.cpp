#include "header_rules.hpp"

#include <fnmatch.h>

#include "http_parser.hpp"
#include "response.hpp"

namespace filehttpd {

bool rule_matches(const HeaderRule& rule, std::string_view path) {
  const std::string& p = rule.path;
  if (p.find_first_of("*?[") != std::string::npos) return fnmatch(p.c_str(), std::string(path).c_str(), 0) == 0;
  if (path.substr(0, p.size()) != p) return false;
  return path.size() == p.size() || p.back() == '/' || path[p.size()] == '/';
}

void append_rule_headers(const std::vector<HeaderRule>& rules, std::string_view path, std::string& out) {
  std::vector<const std::pair<std::string, std::string>*> fields;
  for (const HeaderRule& rule : rules) {
    if (!rule_matches(rule, path)) continue;
    for (const auto& field : rule.set) {
      bool replaced = false;
      for (auto& f : fields) {
        if (iequals(f->first, field.first)) {
          f = &field;
          replaced = true;
        }
      }
      if (!replaced) fields.push_back(&field);
    }
  }
  for (const auto* f : fields) append_header(out, f->first, f->second);
}

}  // namespace filehttpd
