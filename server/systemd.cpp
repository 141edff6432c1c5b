#include "systemd.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

namespace filehttpd {

void notify(const std::string& state) {
  sd_notify(0, state.c_str());
}

std::vector<ListenSocket> inherited_listeners() {
  std::vector<ListenSocket> out;
  char** names = nullptr;
  int n = sd_listen_fds_with_names(1, &names);
  for (int i = 0; i < n; ++i) {
    int fd = SD_LISTEN_FDS_START + i;
    std::string name = names && names[i] ? names[i] : "";
    std::string addr = socket_name(fd);
    set_inherited_options(fd);
    out.push_back({unique_fd(fd), "systemd:" + (name.empty() ? std::to_string(fd) : name), addr});
  }
  if (names) {
    for (int i = 0; i < n; ++i) free(names[i]);
    free(names);
  }
  return out;
}

unsigned long long monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<unsigned long long>(ts.tv_sec) * 1000000ull + static_cast<unsigned long long>(ts.tv_nsec) / 1000;
}

}  // namespace filehttpd
