#include "header_rules.hpp"

#include <fnmatch.h>

#include "http_parser.hpp"
#include "response.hpp"

namespace filehttpd {

bool rule_matches(const HeaderRule& rule, std::string_view path) {
  return path_rule_matches(rule.path, path);
}

bool path_rule_matches(std::string_view p, std::string_view path) {
  if (p.empty()) return false;  // config refuses it; no prefix to end at a boundary
  if (p.find_first_of("*?[") != std::string_view::npos)
    return fnmatch(std::string(p).c_str(), std::string(path).c_str(), 0) == 0;
  if (path.substr(0, p.size()) != p) return false;
  return path.size() == p.size() || p.back() == '/' || path[p.size()] == '/';
}

std::string merge_vary(std::string_view server, std::string_view rule) {
  std::vector<std::string_view> tokens;
  append_list_items(server, tokens);
  append_list_items(rule, tokens);
  std::string out;
  std::vector<std::string_view> seen;
  for (std::string_view t : tokens) {
    if (t == "*") return "*";
    bool dup = false;
    for (std::string_view s : seen) dup = dup || iequals(s, t);
    if (dup) continue;
    seen.push_back(t);
    if (!out.empty()) out += ", ";
    out += t;
  }
  return out;
}


void append_rule_headers(const std::vector<HeaderRule>& rules, std::string_view path, FieldList& out) {
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
  for (const auto* f : fields) {
    std::size_t vary = iequals(f->first, "Vary") ? out.find("Vary") : out.size();
    if (!iequals(f->first, "Vary"))
      out.add(f->first, f->second);
    else if (vary < out.size())
      out.set_value(vary, merge_vary(out[vary].value, f->second));
    else
      out.add(f->first, merge_vary("", f->second));
  }
}

}  // namespace filehttpd
