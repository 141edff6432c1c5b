#pragma once
// Daemon mode (fork, setsid, fork, with a lifeline pipe to the launcher) and the pidfile.
#include <string>

#include "unique_fd.hpp"

namespace filehttpd {

// Detaches the APUE way. In the launching process it never returns: it
// waits on the lifeline and exits 0 once the daemon reports it is serving,
// or prints the daemon's start-up error and exits 1. In the daemon it
// returns the lifeline's write end. keep_fd (if >= 0) survives the closing
// of inherited fds. Returns an empty fd (and err) on failure.
unique_fd daemonize(std::string& err, int keep_fd = -1);

// Tells the launcher that start-up finished: ok, or the error to print.
void release_launcher(unique_fd& lifeline, bool ok, const std::string& message = "");

class Pidfile {
 public:
  Pidfile() = default;
  Pidfile(const Pidfile&) = delete;
  Pidfile& operator=(const Pidfile&) = delete;
  ~Pidfile();
  // Opens and locks path. Returns "" or an error (another instance holds it).
  std::string lock(const std::string& path);
  // Writes the current pid. Returns "" or an error.
  std::string write_pid();
  // Removes the file (on a clean exit).
  void remove();
  // The fd, to be closed in children.
  int fd() const { return fd_.get(); }

 private:
  std::string path_;
  unique_fd fd_;
};

}  // namespace filehttpd
