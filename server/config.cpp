#include "config.hpp"

#include <toml++/toml.h>

namespace filehttpd {

std::string load_config_file(const std::string& path, Config& cfg) {
  (void)cfg;
  return path + ": configuration files are not implemented yet";
}

}  // namespace filehttpd
