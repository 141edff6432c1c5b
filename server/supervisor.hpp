#pragma once
// Supervisor: binds, forks the workers, then handles signals with sigwaitinfo.
#include "config.hpp"

namespace filehttpd {

// Runs the server described by cfg. Every signal must already be blocked.
// Returns the process exit status: 0 after a clean stop, 1 on a start-up
// error (printed as one line on stderr).
int run_supervisor(Config cfg);

}  // namespace filehttpd
