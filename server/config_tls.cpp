#include "config_tls.hpp"

#include "cli.hpp"
#include "field_syntax.hpp"
#include "tls_context.hpp"

namespace filehttpd {

namespace {

// tls.watch_interval's range: often enough for a test, rarely enough to be free.
constexpr millis k_min_watch_interval{1000};
constexpr millis k_max_watch_interval{24 * 3600 * 1000};

std::string at(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

// certificates = [ { cert = "...", key = "..." }, ... ]
std::string certificates(const std::string& file, const toml::node& node, std::vector<TlsCertificate>& out) {
  const toml::array* arr = node.as_array();
  if (!arr) return at(file, node.source()) + ": tls.certificates must be an array of { cert, key } tables";
  out.clear();
  std::size_t index = 0;
  for (const toml::node& entry : *arr) {
    ++index;
    std::string key = "tls.certificates[" + std::to_string(index) + "]";
    const toml::table* t = entry.as_table();
    if (!t) return at(file, entry.source()) + ": " + key + " must be a table { cert = \"...\", key = \"...\" }";
    TlsCertificate c;
    c.where = at(file, entry.source());
    for (auto& [name, value] : *t) {
      std::string n(name.str());
      if (n != "cert" && n != "key") return at(file, name.source()) + ": unknown key '" + key + "." + n + "'";
      if (!value.is_string() || value.value<std::string>()->empty())
        return at(file, value.source()) + ": " + key + "." + n + " must be a file path";
      (n == "cert" ? c.cert : c.key) = *value.value<std::string>();
    }
    if (c.cert.empty() || c.key.empty()) return c.where + ": " + key + " needs both cert and key";
    out.push_back(std::move(c));
  }
  return "";
}

}  // namespace

std::string load_tls_section(const std::string& file, const toml::node& node, TlsConfig& out) {
  const toml::table* tbl = node.as_table();
  if (!tbl) return at(file, node.source()) + ": tls must be a table ([tls])";
  for (auto& [name, value] : *tbl) {
    std::string k(name.str());
    std::string here = at(file, value.source()) + ": ";
    if (k == "listen") {
      const toml::array* arr = value.as_array();
      if (!arr) return here + "tls.listen must be an array of strings";
      out.listen.clear();
      for (const toml::node& e : *arr) {
        if (!e.is_string()) return here + "tls.listen must be an array of strings";
        out.listen.push_back(*e.value<std::string>());
      }
    } else if (k == "certificates") {
      std::string err = certificates(file, value, out.certificates);
      if (!err.empty()) return err;
    } else if (k == "min_version") {
      int v = 0;
      if (!value.is_string() || !parse_tls_version(*value.value<std::string>(), v))
        return here + "tls.min_version must be \"1.2\" or \"1.3\"";
      out.min_version = *value.value<std::string>();
    } else if (k == "hsts") {
      if (!value.is_string() || !is_field_value(*value.value<std::string>()))
        return here + "tls.hsts must be a string without control characters";
      out.hsts = *value.value<std::string>();
    } else if (k == "redirect_http") {
      if (!value.is_boolean()) return here + "tls.redirect_http must be true or false";
      out.redirect_http = *value.value<bool>();
    } else if (k == "http2") {
      if (!value.is_boolean()) return here + "tls.http2 must be true or false";
      out.http2 = *value.value<bool>();
    } else if (k == "watch") {
      if (!value.is_boolean()) return here + "tls.watch must be true or false";
      out.watch = *value.value<bool>();
    } else if (k == "watch_interval") {
      millis v{};
      bool ok = false;
      if (value.is_string()) ok = parse_duration(*value.value<std::string>(), v);
      if (value.is_integer() && *value.value<std::int64_t>() >= 0)
        ok = parse_duration(std::to_string(*value.value<std::int64_t>()), v);
      if (!ok || v < k_min_watch_interval || v > k_max_watch_interval)
        return here + "tls.watch_interval must be a duration from \"1s\" to \"1440m\", such as \"60s\"";
      out.watch_interval = v;
    } else {
      return at(file, name.source()) + ": unknown key 'tls." + k + "'";
    }
  }
  return "";
}

std::vector<std::string> tls_watched_files(const TlsConfig& tls) {
  std::vector<std::string> files;
  if (tls.listen.empty() || !tls.watch) return files;
  for (const TlsCertificate& c : tls.certificates) {
    files.push_back(c.cert);
    files.push_back(c.key);
  }
  return files;
}

std::string tls_watch_note(const TlsConfig& tls) {
  if (!tls.watch) return "tls.watch: off; certificates reload on SIGHUP only";
  long long ms = tls.watch_interval.count();
  std::string every = ms % 60000 == 0 ? std::to_string(ms / 60000) + "m"
                      : ms % 1000 == 0 ? std::to_string(ms / 1000) + "s"
                                       : std::to_string(ms) + "ms";
  return "tls.watch: certificate and key files are checked every " + every + " and reloaded when they change";
}

}  // namespace filehttpd
