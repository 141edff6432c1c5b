#include "compress_config.hpp"

#include <toml++/toml.h>

#include "cli.hpp"
#include "field_syntax.hpp"

namespace filehttpd {

namespace {

std::string at(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) + ": ";
}

std::string at(const std::string& file, const toml::node& n) {
  return at(file, n.source());
}

// A list of strings, each passing ok (which returns "" or why not).
template <typename Check>
std::string string_list(const toml::node& n, const std::string& key, std::vector<std::string>& out, Check ok) {
  const toml::array* arr = n.as_array();
  if (!arr) return key + " must be an array of strings";
  std::vector<std::string> list;
  for (const toml::node& e : *arr) {
    if (!e.is_string()) return key + " must be an array of strings";
    std::string v = *e.value<std::string>();
    std::string why = ok(v);
    if (!why.empty()) return key + ": " + why;
    for (const std::string& seen : list)
      if (iequals(seen, v)) return key + " lists '" + v + "' twice";
    list.push_back(v);
  }
  out = std::move(list);
  return "";
}

// A byte count: an integer or a size string such as "16m".
std::string size_value(const toml::node& n, const std::string& key, std::uint64_t& out, std::uint64_t min) {
  std::uint64_t v = 0;
  if (n.is_integer() && *n.value<std::int64_t>() >= 0) {
    v = static_cast<std::uint64_t>(*n.value<std::int64_t>());
  } else if (!n.is_string() || !parse_size(*n.value<std::string>(), v)) {
    return key + " must be a size such as 1024, \"64k\" or \"16m\"";
  }
  if (v < min || v > (1ull << 50)) return key + " must be between " + std::to_string(min) + " and 2^50 bytes";
  out = v;
  return "";
}

std::string coding_ok(const std::string& c) {
  return c == "zstd" || c == "br" || c == "gzip" ? "" : "entries must be zstd, br or gzip, not '" + c + "'";
}

std::string type_ok(const std::string& t) {
  std::size_t slash = t.find('/');
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < t.size() && t.find(';') == std::string::npos &&
            t.find(' ') == std::string::npos;
  return ok ? "" : "entries must be media types such as \"text/*\" or \"application/json\", not '" + t + "'";
}

std::string size_text(std::uint64_t n) {
  if (n && n % (1ull << 20) == 0) return std::to_string(n >> 20) + "m";
  if (n && n % 1024 == 0) return std::to_string(n >> 10) + "k";
  return std::to_string(n);
}

}  // namespace

bool compress_type_matches(const std::vector<std::string>& types, std::string_view content_type) {
  std::string_view mt = content_type.substr(0, content_type.find(';'));
  while (!mt.empty() && mt.back() == ' ') mt.remove_suffix(1);
  std::string_view top = mt.substr(0, mt.find('/'));
  for (const std::string& t : types) {
    std::string_view want(t);
    if (want.ends_with("/*") ? iequals(want.substr(0, want.size() - 2), top) && top.size() < mt.size()
                             : iequals(want, mt))
      return true;
  }
  return false;
}

bool compress_static(const CompressConfig& cfg, std::string_view content_type, std::uint64_t size) {
  return !cfg.codings.empty() && size >= cfg.min_size && size <= cfg.max_size &&
         compress_type_matches(cfg.types, content_type);
}

std::string load_compress_section(const std::string& file, const toml::node& node, CompressConfig& cfg) {
  const toml::table* tbl = node.as_table();
  if (!tbl) return at(file, node) + "compress must be a table ([compress])";
  for (auto& [key, n] : *tbl) {
    std::string k(key.str());
    std::string err;
    if (k == "codings") {
      err = string_list(n, "compress.codings", cfg.codings, coding_ok);
    } else if (k == "types") {
      err = string_list(n, "compress.types", cfg.types, type_ok);
    } else if (k == "min_size") {
      err = size_value(n, "compress.min_size", cfg.min_size, 0);
    } else if (k == "max_size") {
      err = size_value(n, "compress.max_size", cfg.max_size, 1);
    } else if (k == "cache_size") {
      err = size_value(n, "compress.cache_size", cfg.cache_size, 4096);
    } else if (k == "cache_dir") {
      if (!n.is_string() || (!n.value<std::string>()->empty() && n.value<std::string>()->front() != '/'))
        err = "compress.cache_dir must be an absolute path (or \"\" for a private one)";
      else
        cfg.cache_dir = *n.value<std::string>();
    } else {
      return at(file, key.source()) + "unknown key 'compress." + k + "'";
    }
    if (!err.empty()) return at(file, n) + err;
  }
  if (cfg.min_size > cfg.max_size) {
    const toml::node* n = tbl->get("min_size");
    return at(file, n ? *n : node) + "compress.min_size must not exceed compress.max_size";
  }
  return "";
}

std::string describe_compress(const CompressConfig& cfg) {
  if (cfg.codings.empty()) return "compression: off";
  std::string out = "compression: ";
  for (std::size_t i = 0; i < cfg.codings.size(); ++i) out += (i ? ", " : "") + cfg.codings[i];
  out += " for " + std::to_string(cfg.types.size()) + " types of " + size_text(cfg.min_size) + " to " +
         size_text(cfg.max_size) + " bytes; cache " +
         (cfg.cache_dir.empty() ? std::string("in a private directory under $TMPDIR") : cfg.cache_dir) + " up to " +
         size_text(cfg.cache_size);
  return out;
}

}  // namespace filehttpd
