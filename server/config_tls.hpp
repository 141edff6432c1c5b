#pragma once
// The [tls] table of the config file.
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config.hpp"

namespace filehttpd {

// Reads [tls] (listen, certificates, min_version, hsts, redirect_http,
// watch, watch_interval) into out. Returns "" or "FILE:LINE:COL: message" naming the key.
std::string load_tls_section(const std::string& file, const toml::node& node, TlsConfig& out);

// Returns the files tls.watch looks at: every certificate and key file,
// or none when there is no TLS listener or the watch is off.
std::vector<std::string> tls_watched_files(const TlsConfig& tls);

// Returns the -t line about the watch: "tls.watch: ... every 60s ..." or off.
std::string tls_watch_note(const TlsConfig& tls);

}  // namespace filehttpd
