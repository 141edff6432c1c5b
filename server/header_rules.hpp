#pragma once
// [[headers]] rules: which rules match a URL path, and the header lines they add.
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "fields.hpp"

namespace filehttpd {

// Returns true when rule applies to the decoded URL path: a prefix that ends
// at a segment boundary ("/assets" matches "/assets/x.js", not "/assetsx"),
// or a glob (fnmatch, '*' also crossing '/') when the rule has * ? or [.
// An empty rule path matches nothing.
bool rule_matches(const HeaderRule& rule, std::string_view path);
// The same test for a bare rule path ([[headers]], [[auth]] and [[access]] paths alike).
bool path_rule_matches(std::string_view rule_path, std::string_view path);

// Returns the Vary value listing the tokens of server, then those of rule
// not already there (compared without case); "*" on either side gives "*".
std::string merge_vary(std::string_view server, std::string_view rule);

// Adds the fields of every rule matching path to out, in order; for a name
// set by several rules the last one wins. A Vary field out already has is
// merged with the rules' into that one field.
void append_rule_headers(const std::vector<HeaderRule>& rules, std::string_view path, FieldList& out);

}  // namespace filehttpd
