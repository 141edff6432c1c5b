#include "log.hpp"

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <memory>

#include "log_dest.hpp"

namespace filehttpd {

namespace {

// syslog severity for an spdlog level.
int severity_of(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return 7;
    case spdlog::level::info: return 6;
    case spdlog::level::warn: return 4;
    case spdlog::level::err: return 3;
    case spdlog::level::critical: return 2;
    default: return 6;
  }
}

// An spdlog sink that hands each formatted line to a LogDest and writes it at once.
class DestSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit DestSink(std::shared_ptr<LogDest> dest) : dest_(std::move(dest)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string_view line(buf.data(), buf.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    dest_->add(line, severity_of(msg.level));
    dest_->flush();
  }
  void flush_() override { dest_->flush(); }

 private:
  std::shared_ptr<LogDest> dest_;
};

std::shared_ptr<LogDest> g_error;
std::shared_ptr<LogDest> g_access;
std::string g_line;  // reused for formatting access lines

std::string resolve(const std::string& target, bool daemon) {
  return daemon && target == "stderr" ? "syslog" : target;
}

}  // namespace

std::string setup_logging(const LogConfig& cfg, bool daemon) {
  std::string err;
  std::string target = resolve(cfg.target, daemon);
  std::shared_ptr<LogDest> error = LogDest::open(target, err);
  if (!error) return err;
  std::shared_ptr<LogDest> access;
  if (cfg.access != "off") {
    std::string atarget = resolve(cfg.access, daemon);
    access = atarget == target ? error : std::shared_ptr<LogDest>(LogDest::open(atarget, err));
    if (!access) return err;
  }
  if (g_error) g_error->flush();
  if (g_access) g_access->flush();
  error->on_recovered(
      [](std::uint64_t n) { spdlog::warn("{} log lines dropped while the log destination was not taking them", n); });
  if (access && access != error) {
    access->on_recovered([](std::uint64_t n) {
      spdlog::warn("{} access log lines dropped while the access log was not taking them", n);
    });
  }
  auto logger = std::make_shared<spdlog::logger>("filehttpd", std::make_shared<DestSink>(error));
  if (target == "syslog")
    logger->set_pattern("%v");
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] [%P] %v");
  logger->set_level(spdlog::level::from_str(cfg.level));
  logger->flush_on(spdlog::level::off);  // the sink writes each line itself
  spdlog::set_default_logger(logger);
  g_error = std::move(error);
  g_access = std::move(access);
  return "";
}

bool access_log_on() {
  return g_access != nullptr;
}

void write_access(const AccessEntry& e) {
  if (!g_access) return;
  g_line.clear();
  format_access_line(g_line, e);
  g_access->add(g_line, 6, true);  // format_access_line escaped every field
  if (g_access->queued() >= k_access_flush_bytes) g_access->flush();
}

bool flush_logs() {
  bool empty = true;
  if (g_access) empty = g_access->flush() && empty;
  if (g_error && g_error != g_access) empty = g_error->flush() && empty;
  return empty;
}

std::string reopen_logs() {
  std::string err;
  for (LogDest* d : {g_error.get(), g_access.get()}) {
    if (!d || (d == g_access.get() && g_access == g_error)) continue;
    std::string e = d->reopen();
    if (!e.empty()) err = e;
  }
  return err;
}

void log_after_fork() {
  if (g_error) g_error->after_fork();
  if (g_access && g_access != g_error) g_access->after_fork();
}

void watch_log_writability(std::function<void(int fd, void* tag, bool want)> want) {
  for (LogDest* d : {g_error.get(), g_access.get()}) {
    if (!d) continue;
    if (!want) {
      d->watch(nullptr);
      continue;
    }
    d->watch([want, d](int fd, bool on) { want(fd, d, on); });
  }
}

void on_log_writable(void* tag) {
  for (LogDest* d : {g_error.get(), g_access.get()})
    if (d == tag) d->flush();
}

std::uint64_t log_lines_dropped() {
  std::uint64_t n = g_error ? g_error->dropped() : 0;
  if (g_access && g_access != g_error) n += g_access->dropped();
  return n;
}

}  // namespace filehttpd
