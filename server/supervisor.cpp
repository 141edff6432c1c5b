#include "supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "listener.hpp"
#include "log.hpp"
#include "mime.hpp"
#include "unique_fd.hpp"
#include "worker.hpp"

namespace filehttpd {

namespace {

struct Root {
  unique_fd fd;
  std::string path;
};

// Opens the document root. Returns "" or an error naming the path.
std::string open_root(const std::string& dir, Root& out) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return "cannot use root '" + dir + "': " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "cannot use root '" + dir + "': Not a directory";
  char real[PATH_MAX];
  if (!realpath(dir.c_str(), real)) return "cannot use root '" + dir + "': " + std::strerror(errno);
  int fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return "cannot use root '" + dir + "': " + std::strerror(errno);
  out.fd.reset(fd);
  out.path = real;
  if (out.path == "/") out.path.clear();  // so root_path + "/x" stays "/x"
  return "";
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

int run_supervisor(Config cfg) {
  std::string err = setup_logging(cfg.log, cfg.daemon);
  if (!err.empty()) {
    std::fprintf(stderr, "filehttpd: %s\n", err.c_str());
    return 1;
  }
  load_mime_types();

  Root root;
  err = open_root(cfg.root, root);
  if (err.empty()) {
    std::vector<ListenSocket> listeners;
    for (std::size_t i = 0; i < cfg.listen.size() && err.empty(); ++i) {
      bool optional = cfg.optional_v6_loopback && cfg.listen[i].rfind("[::1]", 0) == 0;
      err = bind_listen_spec(cfg.listen[i], optional, listeners);
    }
    if (err.empty() && listeners.empty()) err = "no listening socket could be bound";
    if (err.empty()) {
      for (const auto& l : listeners) spdlog::info("listening on {}", l.name);
      int stop_pipe[2];
      if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
        std::fprintf(stderr, "filehttpd: pipe: %s\n", std::strerror(errno));
        return 1;
      }
      unique_fd stop_r(stop_pipe[0]), stop_w(stop_pipe[1]);
      std::vector<pid_t> workers;
      for (unsigned i = 0; i < cfg.workers; ++i) {
        pid_t pid = fork();
        if (pid < 0) {
          std::fprintf(stderr, "filehttpd: fork: %s\n", std::strerror(errno));
          return 1;
        }
        if (pid == 0) {
          stop_w.reset();
          std::vector<int> fds;
          for (const auto& l : listeners) fds.push_back(l.fd.get());
          int rc = run_worker(cfg, fds, stop_r.get(), root.fd.get(), root.path);
          spdlog::shutdown();
          _exit(rc);
        }
        workers.push_back(pid);
      }
      stop_r.reset();
      spdlog::info("filehttpd {} serving {} with {} worker(s)", FILEHTTPD_VERSION, root.path.empty() ? "/" : root.path,
                   workers.size());

      sigset_t all;
      sigfillset(&all);
      bool stopping = false;
      int exit_code = 0;
      while (!workers.empty()) {
        siginfo_t info{};
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0) continue;
        switch (sig) {
          case SIGTERM:
          case SIGINT:
            if (!stopping) {
              spdlog::info("received {}; stopping", strsignal(sig));
              stopping = true;
              listeners.clear();  // the workers close theirs after draining the backlog
              stop_w.reset();     // EOF on the stop pipe tells every worker
            }
            break;
          case SIGCHLD: {
            int status = 0;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
              auto it = std::find(workers.begin(), workers.end(), pid);
              if (it == workers.end()) continue;
              workers.erase(it);
              bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
              if (!stopping || !clean) {
                spdlog::error("worker {} ended unexpectedly ({})", pid, describe_status(status));
                exit_code = 1;
                if (!stopping) {
                  stopping = true;
                  listeners.clear();
                  stop_w.reset();
                }
              }
            }
            break;
          }
          case SIGUSR1: {
            std::string e = reopen_logs();
            if (!e.empty()) spdlog::error("{}", e);
            break;
          }
          default: spdlog::info("ignoring signal {}", strsignal(sig)); break;
        }
      }
      spdlog::info("stopped");
      return exit_code;
    }
  }
  std::fprintf(stderr, "filehttpd: %s\n", err.c_str());
  return 1;
}

}  // namespace filehttpd
