#pragma once
// systemd integration: readiness notifications and socket activation.
#include <string>
#include <vector>

#include "listener.hpp"

namespace filehttpd {

// Sends a notification (e.g. "READY=1") when NOTIFY_SOCKET is set; a no-op otherwise.
void notify(const std::string& state);

// Returns the sockets passed by socket activation (LISTEN_PID, LISTEN_FDS,
// LISTEN_FDNAMES), or an empty list when there are none.
std::vector<ListenSocket> inherited_listeners();

// Returns the CLOCK_MONOTONIC time in microseconds (for MONOTONIC_USEC=, and the status uptime).
unsigned long long monotonic_usec();

}  // namespace filehttpd
