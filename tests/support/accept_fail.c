/* An LD_PRELOAD shim for tests: while the file named by
 * FILEHTTPD_TEST_ACCEPT_FAIL exists, accept4() fails with EPERM and leaves
 * the connection queued, as a seccomp or LSM filter refusing it would. The
 * name is read at load time, so a process that clears its environment later
 * still sees it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char flag_path[4096];

__attribute__((constructor)) static void read_flag_path(void) {
  const char* p = getenv("FILEHTTPD_TEST_ACCEPT_FAIL");
  if (p && strlen(p) < sizeof flag_path) strcpy(flag_path, p);
}

int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (flag_path[0] && access(flag_path, F_OK) == 0) {
    errno = EPERM;
    return -1;
  }
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
  return real(fd, addr, len, flags);
}
