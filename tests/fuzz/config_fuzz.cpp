// Fuzz target: the TOML config loader and validator. Any file either loads
// or gives one error line naming the file; nothing crashes or overflows.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli.hpp"
#include "config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static int fd = memfd_create("filehttpd-fuzz.toml", 0);
  if (fd < 0) return 0;
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  filehttpd::Config cfg;
  std::string err = filehttpd::load_config_file(path, cfg);
  if (!err.empty()) {
    if (err.rfind(path, 0) != 0) std::abort();  // every error names the file
    return 0;
  }
  (void)filehttpd::validate_config(cfg);
  return 0;
}
