#include "cli.hpp"

#include <getopt.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <limits>
#include <vector>

#include "field_syntax.hpp"
#include "listener.hpp"
#include "tls_context.hpp"

namespace filehttpd {

namespace {

constexpr const char* k_usage =
    "usage: filehttpd PORT DIR\n"
    "       filehttpd [-c FILE] [--root DIR] [--listen SPEC]... [options]\n"
    "       filehttpd -t -c FILE\n"
    "Try 'filehttpd --help' for more.";

enum OptId {
  opt_root = 1000,
  opt_listen,
  opt_profile,
  opt_listing,
  opt_dotfiles,
  opt_index,
  opt_workers,
  opt_shutdown_timeout,
  opt_shutdown_delay,
  opt_health_path,
  opt_status_path,
  opt_header_timeout,
  opt_keepalive_timeout,
  opt_send_timeout,
  opt_header_bytes,
  opt_uri_bytes,
  opt_max_connections,
  opt_max_body,
  opt_cgi_timeout,
  opt_no_cgi,
  opt_cgi_max_concurrent,
  opt_cgi_max_body,
  opt_cgi_body_dir,
  opt_fallback,
  opt_body_timeout,
  opt_access_log,
  opt_log_level,
  opt_log_target,
  opt_user,
  opt_group,
  opt_daemon,
  opt_pidfile,
  opt_tls_listen,
  opt_tls_cert,
  opt_tls_key,
  opt_tls_min_version,
  opt_hsts,
  opt_redirect_https,
  opt_h2c,
};

const option k_options[] = {
    {"config", required_argument, nullptr, 'c'},
    {"test-config", no_argument, nullptr, 't'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {"root", required_argument, nullptr, opt_root},
    {"listen", required_argument, nullptr, opt_listen},
    {"profile", required_argument, nullptr, opt_profile},
    {"listing", no_argument, nullptr, opt_listing},
    {"dotfiles", no_argument, nullptr, opt_dotfiles},
    {"index", required_argument, nullptr, opt_index},
    {"workers", required_argument, nullptr, opt_workers},
    {"shutdown-timeout", required_argument, nullptr, opt_shutdown_timeout},
    {"shutdown-delay", required_argument, nullptr, opt_shutdown_delay},
    {"health-path", required_argument, nullptr, opt_health_path},
    {"status-path", required_argument, nullptr, opt_status_path},
    {"header-timeout", required_argument, nullptr, opt_header_timeout},
    {"keepalive-timeout", required_argument, nullptr, opt_keepalive_timeout},
    {"send-timeout", required_argument, nullptr, opt_send_timeout},
    {"header-bytes", required_argument, nullptr, opt_header_bytes},
    {"uri-bytes", required_argument, nullptr, opt_uri_bytes},
    {"max-connections", required_argument, nullptr, opt_max_connections},
    {"max-body", required_argument, nullptr, opt_max_body},
    {"cgi-timeout", required_argument, nullptr, opt_cgi_timeout},
    {"no-cgi", no_argument, nullptr, opt_no_cgi},
    {"cgi-max-concurrent", required_argument, nullptr, opt_cgi_max_concurrent},
    {"cgi-max-body", required_argument, nullptr, opt_cgi_max_body},
    {"cgi-body-dir", required_argument, nullptr, opt_cgi_body_dir},
    {"fallback", required_argument, nullptr, opt_fallback},
    {"body-timeout", required_argument, nullptr, opt_body_timeout},
    {"access-log", required_argument, nullptr, opt_access_log},
    {"log-level", required_argument, nullptr, opt_log_level},
    {"log-target", required_argument, nullptr, opt_log_target},
    {"user", required_argument, nullptr, opt_user},
    {"group", required_argument, nullptr, opt_group},
    {"daemon", no_argument, nullptr, opt_daemon},
    {"pidfile", required_argument, nullptr, opt_pidfile},
    {"tls-listen", required_argument, nullptr, opt_tls_listen},
    {"tls-cert", required_argument, nullptr, opt_tls_cert},
    {"tls-key", required_argument, nullptr, opt_tls_key},
    {"tls-min-version", required_argument, nullptr, opt_tls_min_version},
    {"hsts", required_argument, nullptr, opt_hsts},
    {"redirect-https", no_argument, nullptr, opt_redirect_https},
    {"h2c", no_argument, nullptr, opt_h2c},
    {nullptr, 0, nullptr, 0},
};

bool parse_unsigned(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::stoull(s);
  return true;
}

}  // namespace

std::optional<std::int64_t> checked_scale(std::uint64_t n, std::uint64_t unit) {
  std::int64_t out = 0;
  if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  if (__builtin_mul_overflow(static_cast<std::int64_t>(n), static_cast<std::int64_t>(unit), &out)) return std::nullopt;
  return out;
}

bool parse_duration(const std::string& text, millis& out, bool* overflow) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::uint64_t n = 0;
  if (!parse_unsigned(text.substr(0, i), n)) return false;
  std::string unit = text.substr(i);
  std::uint64_t ms_per_unit;
  if (unit.empty() || unit == "s")
    ms_per_unit = 1000;
  else if (unit == "ms")
    ms_per_unit = 1;
  else if (unit == "m")
    ms_per_unit = 60'000;
  else
    return false;
  std::optional<std::int64_t> ms = checked_scale(n, ms_per_unit);
  if (!ms) {
    if (overflow) *overflow = true;
    return false;
  }
  out = millis(*ms);
  return true;
}

bool parse_size(const std::string& text, std::uint64_t& out, bool* overflow) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::uint64_t n = 0;
  if (!parse_unsigned(text.substr(0, i), n)) return false;
  std::string unit = text.substr(i);
  std::uint64_t mul = 1;
  if (unit == "k" || unit == "K")
    mul = 1024;
  else if (unit == "m" || unit == "M")
    mul = 1024 * 1024;
  else if (unit == "g" || unit == "G")
    mul = 1024ull * 1024 * 1024;
  else if (!unit.empty())
    return false;
  if (__builtin_mul_overflow(n, mul, &out)) {
    if (overflow) *overflow = true;
    return false;
  }
  return true;
}

std::string help_text() {
  return std::string("filehttpd " FILEHTTPD_VERSION
                     " - a small HTTP/1.1 file and CGI server\n"
                     "\n"
                     "Classic profile (the ejudge contract):\n"
                     "  filehttpd PORT DIR          serve DIR on 127.0.0.1:PORT and [::1]:PORT\n"
                     "\n"
                     "HTTP profile:\n"
                     "  filehttpd --root DIR --listen SPEC [--listen SPEC]... [options]\n"
                     "\n"
                     "Options:\n"
                     "  -c, --config FILE           load settings from a TOML file (flags override it)\n"
                     "  -t, --test-config           check the configuration, print the outcome, exit\n"
                     "      --profile NAME          classic or http (default: http with --root/--listen)\n"
                     "      --root DIR              document root\n"
                     "      --listen SPEC           PORT, HOST:PORT, [V6]:PORT or unix:/path (repeatable)\n"
                     "      --index NAME            index file for directories (repeatable; default index.html)\n"
                     "      --listing               listings (HTML, or JSON) for directories without an index\n"
                     "      --fallback PATH         file for missing extensionless paths (single-page apps)\n"
                     "      --dotfiles              serve names starting with a dot\n"
                     "      --workers N             worker processes (default 1)\n"
                     "      --shutdown-timeout T    grace period for in-flight work on stop (default 5s)\n"
                     "      --shutdown-delay T      on SIGTERM, serve this long with health at 503 first (default 0)\n"
                     "      --health-path PATH      200 while serving, 503 once stopping (default off)\n"
                     "      --status-path PATH      Prometheus counters, for status.allow (default off)\n"
                     "      --header-timeout T      time allowed to send a request head (default 10s)\n"
                     "      --keepalive-timeout T   idle time between requests (default 30s)\n"
                     "      --send-timeout T        time without send progress (default 60s)\n"
                     "      --header-bytes N        request head size limit (default 32k)\n"
                     "      --uri-bytes N           request target size limit (default 8k)\n"
                     "      --max-connections N     connections per worker (default 10000)\n"
                     "      --max-body N            request body limit (default 16m)\n"
                     "      --cgi-timeout T         CGI silence limit (default 30s)\n"
                     "      --cgi-max-concurrent N  CGI processes per worker (default 64; then 503)\n"
                     "      --cgi-max-body N        request body limit for CGI (default 16m)\n"
                     "      --cgi-body-dir DIR      where CGI bodies over 64k wait (default $TMPDIR or /tmp)\n"
                     "      --body-timeout T        wait for more of a CGI request body (default 60s)\n"
                     "      --no-cgi                serve executables as plain files\n"
                     "      --access-log DEST       stderr, syslog, off or a file path\n"
                     "                              (default stderr; off in the classic form)\n"
                     "      --log-level LEVEL       trace, debug, info, warn, error, off\n"
                     "                              (default info; warn in the classic form)\n"
                     "      --log-target DEST       stderr, syslog or a file path\n"
                     "      --user USER, --group GROUP   drop privileges after binding\n"
                     "      --daemon                detach and run in the background\n"
                     "      --pidfile FILE          write (and lock) the pid here\n"
                     "      --tls-listen SPEC       a listen spec served over HTTPS (repeatable)\n"
                     "      --tls-cert FILE, --tls-key FILE   a PEM certificate (chain) and its key (repeatable, paired)\n"
                     "      --tls-min-version V     1.2 or 1.3 (default 1.2)\n"
                     "      --hsts VALUE            Strict-Transport-Security on HTTPS responses\n"
                     "      --redirect-https        plain listeners answer 308 to https://\n"
                     "      --h2c                   plain listeners take HTTP/2 with prior knowledge\n"
                     "  -h, --help                  this text\n"
                     "  -V, --version               print the version\n"
                     "\n"
                     "Durations take ms, s or m suffixes (bare numbers are seconds);\n"
                     "sizes take k, m or g suffixes.\n");
}

std::string validate_config(const Config& cfg) {
  if (cfg.root.empty()) return "no document root given (DIR, --root or root)";
  // Under socket activation the sockets come from systemd.
  if (cfg.listen.empty() && cfg.tls.listen.empty() && !std::getenv("LISTEN_FDS"))
    return "no listen address given (PORT, --listen or listen)";
  if (!cfg.tls.listen.empty() && cfg.tls.certificates.empty())
    return "tls.listen needs a certificate (tls.certificates, or --tls-cert with --tls-key)";
  if (!cfg.tls.listen.empty() && cfg.profile == Profile::classic) return "TLS listeners need the http profile";
  for (const std::string& spec : cfg.tls.listen)
    if (std::find(cfg.listen.begin(), cfg.listen.end(), spec) != cfg.listen.end())
      return "listen spec '" + spec + "' is in both listen and tls.listen";
  if (!cfg.protection.empty() && cfg.profile == Profile::classic)
    return "[[auth]] and [[access]] need the http profile (profile = \"http\")";
  if (cfg.workers < 1 || cfg.workers > 256) return "workers must be between 1 and 256";
  if (cfg.limits.header_bytes < 1024 || cfg.limits.header_bytes > 1024 * 1024)
    return "header_bytes must be between 1024 and 1048576";
  if (cfg.limits.uri_bytes < 256) return "uri_bytes must be at least 256";
  if (cfg.limits.max_connections < 1) return "max_connections must be at least 1";
  if (!cfg.fallback.empty() && cfg.fallback[0] != '/') return "fallback must start with '/'";
  if (!cfg.health_path.empty() && cfg.health_path[0] != '/') return "health path must start with '/'";
  if (!cfg.status_path.empty() && cfg.status_path[0] != '/') return "status path must start with '/'";
  if (!cfg.status_path.empty() && cfg.status_path == cfg.health_path) return "status path must differ from health path";
  return "";
}

CliOutcome parse_cli(int argc, char** argv, Config& cfg) {
  CliOutcome out;
  std::string config_file;
  bool check_only = false;
  bool profile_given = false;
  bool http_flags = false;
  // Flags are applied after the config file, so they win over its keys.
  std::vector<std::function<std::string()>> apply;
  bool index_reset = false;
  bool listen_reset = false;
  bool access_given = false;
  bool level_given = false;
  bool tls_listen_reset = false;
  std::vector<std::string> tls_certs, tls_keys;

  auto bad = [&](const std::string& msg) {
    out.action = CliAction::usage_error;
    out.message = "filehttpd: " + msg + "\n" + k_usage;
    return out;
  };

  // 0, not 1: glibc then starts a fresh scan, with none of the last parse's
  // state (a reload parses again, and that state may point into freed words).
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":c:thV", k_options, nullptr)) != -1) {
    std::string arg = optarg ? optarg : "";
    std::string name = (optind > 0 && optind <= argc) ? argv[optind - 1] : "";
    auto dur = [&](millis& target) {
      apply.push_back([&target, arg, name]() -> std::string {
        millis v;
        if (!parse_duration(arg, v)) return name + ": not a duration: '" + arg + "'";
        target = v;
        return "";
      });
    };
    auto size = [&](auto& target) {
      apply.push_back([&target, arg, name]() -> std::string {
        std::uint64_t v;
        if (!parse_size(arg, v)) return name + ": not a size: '" + arg + "'";
        target = static_cast<std::remove_reference_t<decltype(target)>>(v);
        return "";
      });
    };
    // A boolean flag: sets target to value.
    auto set = [&](bool& target, bool value) {
      apply.push_back([&target, value]() {
        target = value;
        return std::string();
      });
    };
    // A repeatable flag: the first use replaces the configured list, later ones append.
    auto list = [&](std::vector<std::string>& target, bool& reset) {
      apply.push_back([&target, &reset, arg]() {
        if (!reset) target.clear();
        reset = true;
        target.push_back(arg);
        return std::string();
      });
    };
    auto str = [&](std::string& target) {
      apply.push_back([&target, arg]() {
        target = arg;
        return std::string();
      });
    };
    switch (c) {
      case 'c': config_file = arg; break;
      case 't': check_only = true; break;
      case 'h': out.action = CliAction::help; return out;
      case 'V': out.action = CliAction::version; return out;
      case opt_root:
        str(cfg.root);
        http_flags = true;
        break;
      case opt_listen:
        http_flags = true;
        list(cfg.listen, listen_reset);
        break;
      case opt_profile:
        profile_given = true;
        if (arg != "classic" && arg != "http") return bad("--profile must be classic or http");
        apply.push_back([&cfg, arg]() {
          cfg.profile = arg == "classic" ? Profile::classic : Profile::http;
          return std::string();
        });
        break;
      case opt_listing: set(cfg.listing, true); break;
      case opt_dotfiles: set(cfg.dotfiles, true); break;
      case opt_index: list(cfg.index_files, index_reset); break;
      case opt_workers: size(cfg.workers); break;
      case opt_shutdown_timeout: dur(cfg.shutdown_timeout); break;
      case opt_shutdown_delay: dur(cfg.shutdown_delay); break;
      case opt_health_path:
        http_flags = true;
        str(cfg.health_path);
        break;
      case opt_status_path:
        http_flags = true;
        str(cfg.status_path);
        break;
      case opt_header_timeout: dur(cfg.limits.header_timeout); break;
      case opt_keepalive_timeout: dur(cfg.limits.keepalive_timeout); break;
      case opt_send_timeout: dur(cfg.limits.send_timeout); break;
      case opt_header_bytes: size(cfg.limits.header_bytes); break;
      case opt_uri_bytes: size(cfg.limits.uri_bytes); break;
      case opt_max_connections: size(cfg.limits.max_connections); break;
      case opt_max_body: size(cfg.limits.max_body); break;
      case opt_cgi_timeout: dur(cfg.cgi.timeout); break;
      case opt_cgi_max_concurrent: size(cfg.cgi.max_concurrent); break;
      case opt_cgi_max_body: size(cfg.cgi.max_body); break;
      case opt_cgi_body_dir: str(cfg.cgi.body_dir); break;
      case opt_fallback:
        http_flags = true;
        str(cfg.fallback);
        break;
      case opt_body_timeout: dur(cfg.limits.body_timeout); break;
      case opt_no_cgi: set(cfg.cgi.enabled, false); break;
      case opt_access_log:
        access_given = true;
        str(cfg.log.access);
        break;
      case opt_log_level:
        level_given = true;
        str(cfg.log.level);
        break;
      case opt_log_target: str(cfg.log.target); break;
      case opt_user: str(cfg.user); break;
      case opt_group: str(cfg.group); break;
      case opt_daemon: set(cfg.daemon, true); break;
      case opt_pidfile: str(cfg.pidfile); break;
      case opt_tls_listen:
        http_flags = true;
        list(cfg.tls.listen, tls_listen_reset);
        break;
      case opt_hsts:
        if (!is_field_value(arg)) return bad("--hsts must be a header value without control characters");
        str(cfg.tls.hsts);
        break;
      case opt_redirect_https: set(cfg.tls.redirect_http, true); break;
      case opt_h2c: set(cfg.h2c, true); break;
      case opt_tls_cert: tls_certs.push_back(arg); break;
      case opt_tls_key: tls_keys.push_back(arg); break;
      case opt_tls_min_version: {
        int v = 0;
        if (!parse_tls_version(arg, v)) return bad("--tls-min-version must be 1.2 or 1.3");
        str(cfg.tls.min_version);
        break;
      }
      case ':': return bad(std::string("option ") + argv[optind - 1] + " needs a value");
      default: return bad(std::string("unknown option ") + argv[optind - 1]);
    }
  }

  if (tls_certs.size() != tls_keys.size()) return bad("--tls-cert and --tls-key must be given in pairs");
  if (!tls_certs.empty()) {
    apply.push_back([&cfg, tls_certs, tls_keys]() {
      cfg.tls.certificates.clear();
      for (std::size_t i = 0; i < tls_certs.size(); ++i)
        cfg.tls.certificates.push_back({tls_certs[i], tls_keys[i], "--tls-cert " + tls_certs[i]});
      return std::string();
    });
  }

  std::vector<std::string> positional(argv + optind, argv + argc);
  if (!positional.empty() && positional.size() != 2) return bad("expected exactly two arguments: PORT DIR");

  if (!config_file.empty()) {
    cfg.profile = Profile::http;
    std::string err = load_config_file(config_file, cfg);
    if (!err.empty()) {
      out.action = CliAction::config_error;
      out.message = err;
      return out;
    }
  } else if (http_flags) {
    cfg.profile = Profile::http;
  }

  bool classic_ports = false;
  if (positional.size() == 2) {
    if (!valid_port(positional[0])) return bad("PORT must be a number from 1 to 65535: '" + positional[0] + "'");
    if (!profile_given && config_file.empty()) cfg.profile = Profile::classic;
    cfg.root = positional[1];
    cfg.listen = {"127.0.0.1:" + positional[0], "[::1]:" + positional[0]};
    classic_ports = true;
  }

  for (auto& f : apply) {
    std::string err = f();
    if (!err.empty()) return bad(err);
  }
  // The classic contract says nothing about logs: without a config file it
  // is quiet (start-up errors and warnings) unless a flag asks for more.
  if (cfg.profile == Profile::classic && config_file.empty()) {
    if (!access_given) cfg.log.access = "off";
    if (!level_given) cfg.log.level = "warn";
  }
  // The request target is part of the head, so its limit never exceeds the head's.
  cfg.limits.uri_bytes = std::min(cfg.limits.uri_bytes, cfg.limits.header_bytes);
  // In the classic form ::1 is bound only where the host has IPv6.
  cfg.optional_v6_loopback = classic_ports;

  if (config_file.empty() && positional.empty() && !http_flags)
    return bad(check_only ? "-t needs -c FILE, PORT DIR or --root" : "missing PORT DIR");
  if (check_only) out.action = CliAction::check_config;
  std::string err = validate_config(cfg);
  if (!err.empty()) {
    // -t reports a bad command line as a failed test, as it does a bad file.
    if (!config_file.empty() || check_only) {
      out.action = CliAction::config_error;
      out.message = one_line_message(config_file.empty() ? err : config_file + ": " + err);
      return out;
    }
    return bad(err);
  }
  return out;
}

}  // namespace filehttpd
