#pragma once
// Supervisor: binds, forks the workers, then handles signals with sigwaitinfo:
// SIGTERM/SIGINT stop, SIGHUP reloads, SIGUSR1 reopens logs, SIGCHLD respawns.
#include <string>
#include <vector>

#include "config.hpp"

namespace filehttpd {

// Exit status of a worker that could not drop privileges; fatal for the server.
inline constexpr int k_exit_privileges = 3;
// Least time between two respawns of crashed workers.
inline constexpr millis k_respawn_interval{1000};

// Runs the server described by cfg. argv is kept to re-read the
// configuration on SIGHUP. Every signal must already be blocked. Returns the
// process exit status: 0 after a clean stop, 1 on a start-up error (printed
// as one line on stderr, or handed to the launcher in daemon mode).
int run_supervisor(Config cfg, std::vector<std::string> argv);

}  // namespace filehttpd
