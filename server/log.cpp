#include "log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

namespace filehttpd {

namespace {

std::shared_ptr<spdlog::logger> g_access;
LogConfig g_cfg;
bool g_daemon = false;

std::shared_ptr<spdlog::sinks::sink> make_sink(const std::string& target, bool daemon, std::string& err) {
  try {
    if (target == "syslog" || (daemon && target == "stderr"))
      return std::make_shared<spdlog::sinks::syslog_sink_mt>("filehttpd", LOG_PID, LOG_DAEMON, false);
    if (target == "stderr") return std::make_shared<spdlog::sinks::stderr_sink_mt>();
    return std::make_shared<spdlog::sinks::basic_file_sink_mt>(target, false);
  } catch (const spdlog::spdlog_ex& e) {
    err = "cannot open log target '" + target + "': " + e.what();
    return nullptr;
  }
}

}  // namespace

std::string setup_logging(const LogConfig& cfg, bool daemon) {
  g_cfg = cfg;
  g_daemon = daemon;
  std::string err;
  auto sink = make_sink(cfg.target, daemon, err);
  if (!sink) return err;
  auto logger = std::make_shared<spdlog::logger>("filehttpd", sink);
  if (cfg.target == "syslog" || daemon)
    logger->set_pattern("%v");
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] [%P] %v");
  auto level = spdlog::level::from_str(cfg.level);
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);

  g_access.reset();
  if (cfg.access != "off") {
    auto asink = (cfg.access == cfg.target) ? sink : make_sink(cfg.access, daemon, err);
    if (!asink) return err;
    g_access = std::make_shared<spdlog::logger>("access", asink);
    g_access->set_pattern("%v");
    g_access->flush_on(spdlog::level::trace);
  }
  return "";
}

spdlog::logger* access_log() {
  return g_access.get();
}

std::string reopen_logs() {
  return setup_logging(g_cfg, g_daemon);
}

}  // namespace filehttpd
