// filehttpd: command line to Config, then the supervisor.
#include <linux/close_range.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "signals.hpp"
#include "startup.hpp"
#include "supervisor.hpp"

namespace {

bool test_only(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-t" || a == "--test-config") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // Block every signal before anything else exists; the supervisor sees them
  // only through sigwaitinfo, and children inherit a fully blocked mask.
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  // Undo a launcher's SIG_IGN (nohup, trap ''): it would pass to workers and CGIs.
  filehttpd::reset_all_signals();
  // No inherited fd may leak into CGI children.
  syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);

  filehttpd::Config cfg;
  filehttpd::CliOutcome out = filehttpd::parse_cli(argc, argv, cfg);
  switch (out.action) {
    case filehttpd::CliAction::help: std::fputs(filehttpd::help_text().c_str(), stdout); return 0;
    case filehttpd::CliAction::version: std::puts("filehttpd " FILEHTTPD_VERSION); return 0;
    case filehttpd::CliAction::usage_error: std::fprintf(stderr, "%s\n", out.message.c_str()); return 2;
    case filehttpd::CliAction::config_error:
      std::fprintf(stderr, "filehttpd: %s\n", out.message.c_str());
      if (test_only(argc, argv))
        std::fprintf(stderr, "filehttpd: %sconfiguration test failed\n", cfg.config_file.empty() ? "command-line " : "");
      return 1;
    case filehttpd::CliAction::check_config: {
      std::vector<std::string> warnings, notes;
      std::string err = filehttpd::check_config(cfg, warnings, notes);
      for (const std::string& w : warnings) std::fprintf(stderr, "filehttpd: warning: %s\n", w.c_str());
      for (const std::string& n : notes) std::fprintf(stderr, "filehttpd: %s\n", n.c_str());
      // Without a file, the command line alone made the configuration.
      std::string what = cfg.config_file.empty() ? "command-line configuration" : "configuration file " + cfg.config_file;
      if (!err.empty()) {
        // An error that names its place in the file (FILE:LINE:COL) needs no second file name.
        bool placed = cfg.config_file.empty() || err.rfind(cfg.config_file + ":", 0) == 0;
        std::fprintf(stderr, "filehttpd: %s%s%s\nfilehttpd: %s test failed\n", placed ? "" : cfg.config_file.c_str(),
                     placed ? "" : ": ", err.c_str(), what.c_str());
        return 1;
      }
      std::printf("filehttpd: %s test is successful\n", what.c_str());
      return 0;
    }
    case filehttpd::CliAction::run: break;
  }
  return filehttpd::run_supervisor(std::move(cfg), std::vector<std::string>(argv, argv + argc));
}
