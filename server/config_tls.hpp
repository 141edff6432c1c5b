#pragma once
// The [tls] table of the config file.
#include <toml++/toml.h>

#include <string>

#include "config.hpp"

namespace filehttpd {

// Reads [tls] (listen, certificates, min_version, hsts, redirect_http) into
// out. Returns "" or "FILE:LINE:COL: message" naming the key.
std::string load_tls_section(const std::string& file, const toml::node& node, TlsConfig& out);

}  // namespace filehttpd
