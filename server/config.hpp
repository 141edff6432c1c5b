#pragma once
// Config: every setting of the server with its default, and the TOML loader.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access_rules.hpp"
#include "cidr.hpp"
#include "compress_config.hpp"

namespace filehttpd {

using millis = std::chrono::milliseconds;

enum class Profile { classic, http };

// Named defaults for every limit and timeout.
inline constexpr std::size_t k_default_header_bytes = 32 * 1024;
inline constexpr std::size_t k_default_uri_bytes = 8 * 1024;
inline constexpr std::size_t k_default_max_connections = 10000;
inline constexpr std::uint64_t k_default_max_body = 16ull * 1024 * 1024;
inline constexpr millis k_default_header_timeout{10'000};
inline constexpr millis k_default_keepalive_timeout{30'000};
inline constexpr millis k_default_send_timeout{60'000};
inline constexpr millis k_default_body_timeout{60'000};
inline constexpr millis k_default_shutdown_timeout{5'000};
inline constexpr millis k_default_cgi_timeout{30'000};
inline constexpr unsigned k_default_cgi_max_concurrent = 64;
// Time between SIGTERM and SIGKILL for a CGI process group.
inline constexpr millis k_cgi_kill_delay{1'000};

struct Limits {
  std::size_t header_bytes = k_default_header_bytes;
  std::size_t uri_bytes = k_default_uri_bytes;
  std::size_t max_connections = k_default_max_connections;
  std::uint64_t max_body = k_default_max_body;
  millis header_timeout = k_default_header_timeout;
  millis keepalive_timeout = k_default_keepalive_timeout;
  millis send_timeout = k_default_send_timeout;
  millis body_timeout = k_default_body_timeout;  // longest wait for more of a CGI request body
  std::uint64_t max_requests = 0;                // 0: unbounded
};

struct CgiConfig {
  bool enabled = true;
  millis timeout = k_default_cgi_timeout;
  unsigned max_concurrent = k_default_cgi_max_concurrent;
  std::vector<std::string> paths;  // URL prefixes where scripts may run; empty: everywhere
  std::uint64_t max_body = k_default_max_body;
  // Where bodies over k_body_memory wait (unlinked) for their script; empty: $TMPDIR or /tmp.
  std::string body_dir;
  // Optional resource limits for each script; 0 leaves the limit as inherited.
  std::uint64_t rlimit_cpu = 0;     // seconds of CPU time (RLIMIT_CPU)
  std::uint64_t rlimit_as = 0;      // bytes of address space (RLIMIT_AS)
  std::uint64_t rlimit_nofile = 0;  // open files (RLIMIT_NOFILE)
};

// One [[headers]] rule: header fields set on file, listing and redirect responses whose path matches.
struct HeaderRule {
  std::string path;  // a URL path prefix, or a glob when it holds * ? or [ (fnmatch, * crosses '/')
  std::vector<std::pair<std::string, std::string>> set;  // name, value
};

struct LogConfig {
  std::string level = "info";
  std::string target = "stderr";  // stderr | syslog | a file path
  std::string access = "stderr";  // stderr | syslog | off | a file path
  std::string access_format = "combined";  // combined | vhost_combined (the site's first name in front)
};

// One certificate and its private key ([tls] certificates, --tls-cert/--tls-key).
struct TlsCertificate {
  std::string cert;   // PEM: the certificate, then its chain (leaf first)
  std::string key;    // PEM private key
  std::string where;  // "FILE:LINE:COL" of the config entry, or the flag
};

// [tls]: HTTPS listeners and what they serve.
struct TlsConfig {
  std::vector<std::string> listen;  // listen specs served over TLS
  std::vector<TlsCertificate> certificates;
  std::string min_version = "1.2";  // "1.2" or "1.3"
  std::string hsts;                 // Strict-Transport-Security value for TLS responses; empty: none
  bool redirect_http = false;       // plain listeners answer 308 to https:// (not the ACME path)
  bool http2 = true;                // offer ALPN "h2" before "http/1.1"
  bool watch = true;                // reload when a certificate or key file changes, with no signal
  millis watch_interval{60000};     // how often the supervisor looks at those files
};

// Default streams one HTTP/2 connection may have open at once.
inline constexpr std::uint32_t k_default_h2_streams = 100;
// Default initial HTTP/2 stream window (bytes).
inline constexpr std::uint32_t k_default_h2_window = 1u << 20;
// The HTTP/2 connection window we advertise (bytes).
inline constexpr std::uint32_t k_h2_connection_window = 16u << 20;

// [h2]: HTTP/2 settings (over TLS by ALPN, and h2c when Config::h2c).
struct H2Config {
  std::uint64_t max_concurrent_streams = k_default_h2_streams;  // SETTINGS_MAX_CONCURRENT_STREAMS
  std::uint64_t initial_window = k_default_h2_window;           // SETTINGS_INITIAL_WINDOW_SIZE
};

struct Config;

// One [[site]]: the host names it answers and its settings (the top level's,
// with the site's own keys over them).
struct SiteConfig {
  std::vector<std::string> names;      // lower case, no trailing dot; "*.example.org" matches one label
  std::string where;                   // "FILE:LINE:COL" of the [[site]] table
  std::shared_ptr<const Config> cfg;   // root, index, listing, ... as this site serves them
  bool own_mime = false;               // the site has its own [site.mime] entries
};

// Returns 127.0.0.0/8 and ::1/128, status.allow's default.
std::vector<Cidr> loopback_blocks();

struct Config {
  Profile profile = Profile::classic;
  std::vector<std::string> listen;
  std::string root;
  std::vector<std::string> index_files{"index.html"};
  bool listing = false;
  bool dotfiles = false;
  // A file under the root that answers GET and HEAD for missing paths whose
  // last segment has no extension (client-side routes of a single-page app); empty: off.
  std::string fallback;
  // Files under the root sent as the body of an error status (http profile).
  std::map<int, std::string> error_pages;
  // Content types by lower-case extension (without the dot), over the built-in and /etc/mime.types ones.
  std::vector<std::pair<std::string, std::string>> mime_types;
  // [[headers]] rules, in order, for file, listing and redirect responses (a later rule wins for a name).
  std::vector<HeaderRule> header_rules;
  // [[access]] and [[auth]] rules, checked before any responder sees a request.
  ProtectionRules protection;
  // Precompressed sidecars to look for (br, zstd, gzip), in our order of preference; empty: off.
  std::vector<std::string> precompressed;
  // [compress]: compression on the fly (http profile).
  CompressConfig compress;
  Limits limits;
  CgiConfig cgi;
  unsigned workers = 1;
  millis shutdown_timeout = k_default_shutdown_timeout;
  // On SIGTERM, keep serving this long with the health path at 503 before stopping.
  millis shutdown_delay{0};
  // URL path answering 200 while serving and 503 once stopping (http profile); empty: off.
  std::string health_path;
  // URL path of the Prometheus counters (http profile); empty: off.
  std::string status_path;
  // Who may read status_path (others get 403), as written and parsed.
  std::vector<std::string> status_allow_text{"127.0.0.0/8", "::1/128"};
  std::vector<Cidr> status_allow = loopback_blocks();
  std::string user;
  std::string group;
  bool daemon = false;
  std::string pidfile;
  LogConfig log;
  TlsConfig tls;
  // [[site]] tables, in file order; a request naming none of them gets the top level.
  std::vector<SiteConfig> sites;
  H2Config h2;
  bool h2c = false;  // plain listeners take HTTP/2 with prior knowledge (the preface)
  std::string config_file;            // where this config came from, if anywhere
  bool optional_v6_loopback = false;  // classic form: [::1] only where IPv6 exists
};

// Loads a TOML file over the defaults in cfg. Returns an empty string on
// success, or one line "FILE:LINE:COL: message" naming the offending key.
std::string load_config_file(const std::string& path, Config& cfg);

// Returns a config error message as one line: control bytes (CR, LF, ESC,
// NUL, DEL, ...) written as \xHH, the way log lines escape them.
std::string one_line_message(std::string_view text);

}  // namespace filehttpd
