#include "metrics.hpp"

#include <fmt/format.h>
#include <llhttp.h>
#include <sys/mman.h>

#include <algorithm>
#include <bitset>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "systemd.hpp"

namespace filehttpd {

namespace {

SharedMetrics* g_region = nullptr;
WorkerCounters* g_mine = nullptr;
WorkerCounters g_scratch;                 // counts of a process without a slot go here and nowhere else
std::bitset<k_metric_slots> g_slot_used;  // the supervisor's: slots held by live workers

constexpr const char* k_method_names[k_methods] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "other"};
constexpr const char* k_rejection_names[k_rejections] = {"none",         "malformed",         "missing_host",
                                                         "uri_too_long", "headers_too_large", "body_too_large",
                                                         "body_timeout", "bad_body",          "status_denied"};
constexpr const char* k_accept_error_names[k_accept_errors] = {"fd_limit", "memory", "other"};
// result and version labels of each TlsHandshake.
constexpr const char* k_tls_handshake_labels[k_tls_handshakes] = {
    "result=\"ok\",version=\"TLSv1.2\"", "result=\"ok\",version=\"TLSv1.3\"",
    "result=\"failed\",version=\"none\"", "result=\"not_tls\",version=\"none\""};
constexpr const char* k_tls_send_path_names[k_tls_send_paths] = {"ktls", "userspace"};
constexpr const char* k_h2_data_path_names[k_h2_data_paths] = {"by_reference", "copied"};

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// One family of a single unlabeled sample.
void plain(std::string& out, std::string_view name, std::string_view type, std::string_view help, std::uint64_t v) {
  family(out, name, type, help);
  fmt::format_to(std::back_inserter(out), "{} {}\n", name, v);
}

// Returns v escaped as a label value of the text exposition format:
// backslash, double quote and newline as \\, \" and \n.
std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string metrics_map() {
  if (g_region) return "";
  void* p = mmap(nullptr, sizeof(SharedMetrics), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return std::string("cannot map the status counters: ") + std::strerror(errno);
  // Fresh anonymous pages are zero: every counter starts at 0 without a
  // write, so only the pages of slots in use ever become resident.
  g_region = static_cast<SharedMetrics*>(p);
  counter_set(g_region->start_unix, static_cast<std::uint64_t>(std::time(nullptr)));
  counter_set(g_region->start_mono_ns, monotonic_usec() * 1000);
  return "";
}

SharedMetrics* metrics_region() {
  return g_region;
}

std::size_t metrics_take_slot() {
  if (!g_region) return k_metric_slots;
  for (std::size_t i = 0; i < k_metric_slots; ++i) {
    if (g_slot_used[i]) continue;
    g_slot_used[i] = true;
    if (i >= counter_value(g_region->slots_seen))
      counter_set(g_region->slots_seen, i + 1);  // before the worker can count in it
    return i;
  }
  return k_metric_slots;
}

void metrics_release_slot(std::size_t slot) {
  if (!g_region || slot >= k_metric_slots) return;
  g_slot_used[slot] = false;
  counter_set(g_region->slots[slot].open, 0);
  counter_set(g_region->slots[slot].cgi_running, 0);
}

void metrics_use_slot(std::size_t slot) {
  g_mine = g_region && slot < k_metric_slots ? &g_region->slots[slot] : nullptr;
}

WorkerCounters& my_counters() {
  return g_mine ? *g_mine : g_scratch;
}

MethodLabel method_label(int m) {
  switch (m) {
    case HTTP_GET: return MethodLabel::get;
    case HTTP_HEAD: return MethodLabel::head;
    case HTTP_POST: return MethodLabel::post;
    case HTTP_PUT: return MethodLabel::put;
    case HTTP_DELETE: return MethodLabel::del;
    case HTTP_OPTIONS: return MethodLabel::options;
    default: return MethodLabel::other;
  }
}

MetricsSnapshot metrics_snapshot(const SharedMetrics& m, std::uint64_t now_mono_ns, std::string_view version) {
  MetricsSnapshot s;
  std::uint64_t seen = std::min<std::uint64_t>(counter_value(m.slots_seen), k_metric_slots);
  for (std::size_t slot = 0; slot < seen; ++slot) {
    const WorkerCounters& w = m.slots[slot];
    for (std::size_t i = 0; i < k_methods; ++i)
      for (std::size_t j = 0; j < k_status_classes; ++j) s.requests[i][j] += counter_value(w.requests[i][j]);
    s.body_bytes += counter_value(w.body_bytes);
    s.accepted += counter_value(w.accepted);
    s.open += counter_value(w.open);
    s.cgi_spawned += counter_value(w.cgi_spawned);
    s.cgi_running += counter_value(w.cgi_running);
    s.cgi_failed += counter_value(w.cgi_failed);
    s.cgi_timeouts += counter_value(w.cgi_timeouts);
    s.compress_hits += counter_value(w.compress_hits);
    s.compress_fills += counter_value(w.compress_fills);
    s.compress_evictions += counter_value(w.compress_evictions);
    for (std::size_t i = 0; i < k_rejections; ++i) s.rejections[i] += counter_value(w.rejections[i]);
    for (std::size_t i = 0; i < k_accept_errors; ++i) s.accept_errors[i] += counter_value(w.accept_errors[i]);
    for (std::size_t i = 0; i < k_tls_handshakes; ++i) s.tls_handshakes[i] += counter_value(w.tls_handshakes[i]);
    for (std::size_t i = 0; i < k_tls_send_paths; ++i) s.tls_connections[i] += counter_value(w.tls_connections[i]);
    for (std::size_t i = 0; i < k_h2_data_paths; ++i) s.h2_data_bytes[i] += counter_value(w.h2_data_bytes[i]);
    s.log_dropped += counter_value(w.log_dropped);
    s.auth_failures += counter_value(w.auth_failures);
    s.auth_limited += counter_value(w.auth_limited);
    s.auth_offloop += counter_value(w.auth_offloop);
    s.auth_cache_hits += counter_value(w.auth_cache_hits);
    s.access_denied += counter_value(w.access_denied);
  }
  s.respawns = counter_value(m.respawns);
  s.reloads = counter_value(m.reloads);
  s.log_dropped += counter_value(m.supervisor_log_dropped);
  s.start_unix = counter_value(m.start_unix);
  std::uint64_t start = counter_value(m.start_mono_ns);
  s.uptime_seconds = now_mono_ns > start ? static_cast<double>(now_mono_ns - start) / 1e9 : 0;
  s.version = version;
  return s;
}

MetricsSnapshot metrics_snapshot_now(std::string_view version) {
  if (g_region) return metrics_snapshot(*g_region, monotonic_usec() * 1000, version);
  MetricsSnapshot s;
  s.version = version;
  return s;
}

void render_metrics(const MetricsSnapshot& s, std::string& out) {
  family(out, "filehttpd_requests_total", "counter", "Responses by request method and status class.");
  for (std::size_t i = 0; i < k_methods; ++i)
    for (std::size_t j = 0; j < k_status_classes; ++j)
      fmt::format_to(std::back_inserter(out), "filehttpd_requests_total{{method=\"{}\",code=\"{}xx\"}} {}\n",
                     k_method_names[i], j + 1, s.requests[i][j]);
  struct Plain {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t value;
  };
  const Plain before_rejections[] = {
      {"filehttpd_response_body_bytes_total", "counter", "Response body bytes sent (no heads, no chunk framing).",
       s.body_bytes},
      {"filehttpd_connections_accepted_total", "counter", "Client connections accepted.", s.accepted},
      {"filehttpd_connections_open", "gauge", "Client connections open now.", s.open},
      {"filehttpd_cgi_spawned_total", "counter", "CGI scripts started.", s.cgi_spawned},
      {"filehttpd_cgi_running", "gauge", "CGI scripts running now.", s.cgi_running},
      {"filehttpd_cgi_failed_total", "counter",
       "CGI requests that failed: the script could not start or sent no valid header block.", s.cgi_failed},
      {"filehttpd_cgi_timeouts_total", "counter", "CGI scripts stopped for producing nothing within cgi.timeout.",
       s.cgi_timeouts},
      {"filehttpd_compress_cache_hits_total", "counter", "Responses sent from a compressed copy in compress.cache_dir.",
       s.compress_hits},
      {"filehttpd_compress_cache_fills_total", "counter", "Compressed copies written to compress.cache_dir.",
       s.compress_fills},
      {"filehttpd_compress_cache_evictions_total", "counter",
       "Compressed copies removed, least recently used first, to keep within compress.cache_size.",
       s.compress_evictions},
      {"filehttpd_auth_failures_total", "counter", "Requests answered 401 for malformed or wrong credentials.",
       s.auth_failures},
      {"filehttpd_auth_limited_total", "counter", "Requests answered 429: too many failed passwords from one address.",
       s.auth_limited},
      {"filehttpd_auth_verifications_total", "counter", "Password verifications run off the event loop.",
       s.auth_offloop},
      {"filehttpd_auth_cache_hits_total", "counter", "Credentials accepted from the cache of recent verifications.",
       s.auth_cache_hits},
      {"filehttpd_access_denied_total", "counter", "Requests answered 403 by an [[access]] rule.", s.access_denied},
  };
  const Plain after_rejections[] = {
      {"filehttpd_worker_respawns_total", "counter", "Workers started again after dying unexpectedly.", s.respawns},
      {"filehttpd_reloads_total", "counter", "Configuration reloads that took effect.", s.reloads},
      {"filehttpd_log_lines_dropped_total", "counter", "Log lines dropped because their destination did not take them.",
       s.log_dropped},
      {"filehttpd_start_time_seconds", "gauge", "Start time of the server, seconds since the Unix epoch.",
       s.start_unix},
  };
  for (const Plain& p : before_rejections) plain(out, p.name, p.type, p.help, p.value);
  family(out, "filehttpd_rejections_total", "counter", "Requests refused with a 4xx status, by reason.");
  for (std::size_t i = 1; i < k_rejections; ++i)
    fmt::format_to(std::back_inserter(out), "filehttpd_rejections_total{{reason=\"{}\"}} {}\n", k_rejection_names[i],
                   s.rejections[i]);
  family(out, "filehttpd_accept_errors_total", "counter",
         "Times a worker paused accepting for a while because accept() failed, by reason.");
  for (std::size_t i = 0; i < k_accept_errors; ++i)
    fmt::format_to(std::back_inserter(out), "filehttpd_accept_errors_total{{reason=\"{}\"}} {}\n",
                   k_accept_error_names[i], s.accept_errors[i]);
  family(out, "filehttpd_tls_handshakes_total", "counter",
         "TLS connections by how their handshake ended: ok (by protocol), failed, or not TLS at all.");
  for (std::size_t i = 0; i < k_tls_handshakes; ++i)
    fmt::format_to(std::back_inserter(out), "filehttpd_tls_handshakes_total{{{}}} {}\n", k_tls_handshake_labels[i],
                   s.tls_handshakes[i]);
  family(out, "filehttpd_tls_connections_total", "counter",
         "Established TLS connections by how they send file bodies: kernel TLS offload or OpenSSL's own.");
  for (std::size_t i = 0; i < k_tls_send_paths; ++i)
    fmt::format_to(std::back_inserter(out), "filehttpd_tls_connections_total{{send_path=\"{}\"}} {}\n",
                   k_tls_send_path_names[i], s.tls_connections[i]);
  family(out, "filehttpd_h2_data_bytes_total", "counter",
         "HTTP/2 DATA payload bytes by how they reach the socket: a file range sent by reference, or copied.");
  for (std::size_t i = 0; i < k_h2_data_paths; ++i)
    fmt::format_to(std::back_inserter(out), "filehttpd_h2_data_bytes_total{{path=\"{}\"}} {}\n",
                   k_h2_data_path_names[i], s.h2_data_bytes[i]);
  for (const Plain& p : after_rejections) plain(out, p.name, p.type, p.help, p.value);
  family(out, "filehttpd_uptime_seconds", "gauge", "Seconds since the server started.");
  fmt::format_to(std::back_inserter(out), "filehttpd_uptime_seconds {:.3f}\n", s.uptime_seconds);
  family(out, "filehttpd_build_info", "gauge", "Always 1; the labels name the build.");
  fmt::format_to(std::back_inserter(out), "filehttpd_build_info{{version=\"{}\"}} 1\n", label_value(s.version));
}

}  // namespace filehttpd
