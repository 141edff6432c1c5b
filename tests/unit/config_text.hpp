#pragma once
// Loads config text through a temporary file, for tables of config rows.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "config.hpp"

namespace unit_support {

// Loads text as a config file over cfg and returns load_config_file's message.
inline std::string load_config_text(const std::string& text, filehttpd::Config& cfg) {
  char path[] = "/tmp/filehttpd-config-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return "mkstemp failed";
  close(fd);
  std::ofstream(path) << text;
  std::string err = filehttpd::load_config_file(path, cfg);
  std::remove(path);
  return err;
}

}  // namespace unit_support
