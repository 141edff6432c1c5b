#pragma once
// Server counters for the status endpoint. The supervisor maps one shared
// page set before the first fork; each worker process owns one slot and is
// its only writer (plain relaxed stores, no lock, no read-modify-write bus
// lock); the worker answering the status path sums every slot.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace filehttpd {

// Methods counted by name; the rest as "other".
enum class MethodLabel : std::uint8_t { get, head, post, put, del, options, other, count };
// Why a request got a 4xx before any resource was looked at.
enum class Rejection : std::uint8_t {
  none,
  malformed,          // 400: the head does not parse
  missing_host,       // 400: HTTP/1.1 without Host
  uri_too_long,       // 414
  headers_too_large,  // 431
  body_too_large,     // 413
  body_timeout,       // 408: the body stopped arriving
  bad_body,           // 400: the body's framing is malformed
  status_denied,      // 403: the status path from an address status.allow leaves out
  count,
};

// Why a worker paused accepting after accept4() failed.
enum class AcceptError : std::uint8_t {
  fd_limit,  // EMFILE, ENFILE
  memory,    // ENOBUFS, ENOMEM
  other,     // anything else that does not go away by itself (EPERM from a filter, ...)
  count,
};

// How a TLS connection's handshake ended.
enum class TlsHandshake : std::uint8_t {
  ok_tls12,  // established, TLS 1.2
  ok_tls13,  // established, TLS 1.3
  failed,    // an alert, a reset, a close or a timeout before it was done
  not_tls,   // the first byte was no TLS handshake (plain HTTP on a TLS port)
  count,
};

// How a TLS connection sends file bodies, decided once its handshake is done.
enum class TlsSendPath : std::uint8_t {
  ktls,       // the kernel encrypts (kTLS send offload): SSL_sendfile
  userspace,  // OpenSSL encrypts: pread into the worker's buffer, then SSL_write
  count,
};

// How HTTP/2 DATA payloads reach the transport.
enum class H2DataPath : std::uint8_t {
  by_reference,  // a file range behind the frame header, sent with sendfile (NGHTTP2_DATA_FLAG_NO_COPY)
  copied,        // copied into nghttp2's frame buffer (memory bodies, CGI output, TLS without kTLS)
  count,
};

inline constexpr std::size_t k_methods = static_cast<std::size_t>(MethodLabel::count);
inline constexpr std::size_t k_status_classes = 5;  // 1xx .. 5xx
inline constexpr std::size_t k_rejections = static_cast<std::size_t>(Rejection::count);
inline constexpr std::size_t k_accept_errors = static_cast<std::size_t>(AcceptError::count);
inline constexpr std::size_t k_tls_handshakes = static_cast<std::size_t>(TlsHandshake::count);
inline constexpr std::size_t k_tls_send_paths = static_cast<std::size_t>(TlsSendPath::count);
inline constexpr std::size_t k_h2_data_paths = static_cast<std::size_t>(H2DataPath::count);
// Worker slots: enough for 256 workers in each of a few overlapping generations (reloads).
inline constexpr std::size_t k_metric_slots = 1024;

// A plain word in the shared region, always read and written through
// std::atomic_ref: the region is never constructed, so the supervisor does
// not touch (and make resident) the pages of slots no worker uses.
using Counter = std::uint64_t;

// One worker's counters. Gauges (open, cgi_running) are zeroed by the
// supervisor when the worker is gone; totals stay, so a respawned worker's
// slot goes on counting up.
struct alignas(64) WorkerCounters {
  Counter requests[k_methods][k_status_classes];
  Counter body_bytes;
  Counter accepted;
  Counter open;
  Counter cgi_spawned;
  Counter cgi_running;
  Counter cgi_failed;
  Counter cgi_timeouts;
  Counter rejections[k_rejections];
  Counter accept_errors[k_accept_errors];
  Counter tls_handshakes[k_tls_handshakes];
  Counter tls_connections[k_tls_send_paths];
  Counter h2_data_bytes[k_h2_data_paths];
  Counter log_dropped;  // this process's dropped log lines, published
  // Compression cache: hits are written by the event loop, fills and
  // evictions by the worker's compressor thread (each word has one writer).
  Counter compress_hits;
  Counter compress_fills;
  Counter compress_evictions;
  Counter auth_failures;    // 401s for malformed or wrong credentials
  Counter auth_limited;     // 429s: too many failures from one address
  Counter auth_offloop;     // password verifications handed to the crypt threads
  Counter auth_cache_hits;  // credentials accepted from the success cache
  Counter access_denied;    // 403s from [[access]]
};

// The shared region: the supervisor's own numbers, then the workers' slots.
struct SharedMetrics {
  Counter start_unix;     // wall-clock start, seconds
  Counter start_mono_ns;  // CLOCK_MONOTONIC at start (the same clock in every process)
  Counter respawns;
  Counter reloads;
  Counter supervisor_log_dropped;
  Counter slots_seen;  // slots below this have been given to a worker at some time
  WorkerCounters slots[k_metric_slots];
};

// Returns a counter's value (any process may read any counter).
inline std::uint64_t counter_value(const Counter& c) {
  return std::atomic_ref<Counter>(const_cast<Counter&>(c)).load(std::memory_order_relaxed);
}
// Sets a counter this process alone writes.
inline void counter_set(Counter& c, std::uint64_t v) {
  std::atomic_ref<Counter>(c).store(v, std::memory_order_relaxed);
}
// Adds n to a counter this process alone writes.
inline void bump(Counter& c, std::uint64_t n = 1) {
  counter_set(c, counter_value(c) + n);
}
// Subtracts one from a gauge this process alone writes.
inline void drop(Counter& c) {
  counter_set(c, counter_value(c) - 1);
}

// Maps the shared region (once, in the supervisor, before any fork) and
// records the start time. Returns "" or an error.
std::string metrics_map();
// Returns the region, or nullptr before metrics_map().
SharedMetrics* metrics_region();
// In the supervisor: takes a slot no live worker holds, for the next one
// (k_metric_slots when none is free).
std::size_t metrics_take_slot();
// In the supervisor: the slot's worker is gone; its gauges drop to zero and
// the slot may serve another (its totals stay).
void metrics_release_slot(std::size_t slot);
// In a worker: from now on this process counts in slot (k_metric_slots: nowhere).
void metrics_use_slot(std::size_t slot);
// Returns this process's counters; a scratch slot when it has none.
WorkerCounters& my_counters();

// Returns the label counted for an llhttp method number.
MethodLabel method_label(int llhttp_method);

// Everything the exposition shows, summed over the workers.
struct MetricsSnapshot {
  std::uint64_t requests[k_methods][k_status_classes] = {};
  std::uint64_t body_bytes = 0;
  std::uint64_t accepted = 0;
  std::uint64_t open = 0;
  std::uint64_t cgi_spawned = 0;
  std::uint64_t cgi_running = 0;
  std::uint64_t cgi_failed = 0;
  std::uint64_t cgi_timeouts = 0;
  std::uint64_t rejections[k_rejections] = {};
  std::uint64_t accept_errors[k_accept_errors] = {};
  std::uint64_t tls_handshakes[k_tls_handshakes] = {};
  std::uint64_t tls_connections[k_tls_send_paths] = {};
  std::uint64_t h2_data_bytes[k_h2_data_paths] = {};
  std::uint64_t respawns = 0;
  std::uint64_t reloads = 0;
  std::uint64_t log_dropped = 0;
  std::uint64_t compress_hits = 0;
  std::uint64_t compress_fills = 0;
  std::uint64_t compress_evictions = 0;
  std::uint64_t auth_failures = 0;
  std::uint64_t auth_limited = 0;
  std::uint64_t auth_offloop = 0;
  std::uint64_t auth_cache_hits = 0;
  std::uint64_t access_denied = 0;
  std::uint64_t start_unix = 0;
  double uptime_seconds = 0;
  std::string_view version;
};

// Sums the region's slots and supervisor numbers into a snapshot.
MetricsSnapshot metrics_snapshot(const SharedMetrics& m, std::uint64_t now_mono_ns, std::string_view version);

// The snapshot of the mapped region now (all zero but the version before metrics_map()).
MetricsSnapshot metrics_snapshot_now(std::string_view version);

// Writes the snapshot in the Prometheus text exposition format, version 0.0.4.
void render_metrics(const MetricsSnapshot& s, std::string& out);

}  // namespace filehttpd
