/* Runs a command under a seccomp allow-list, as systemd's SystemCallFilter=
 * with SystemCallErrorNumber=EPERM does: every system call named in FILE (one
 * name per line) is allowed, any other fails with EPERM. The filter is
 * inherited by every child (workers, CGI scripts).
 *   seccomp_run FILE COMMAND [ARG]... */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: seccomp_run FILE COMMAND [ARG]...\n");
    return 2;
  }
  FILE* names = fopen(argv[1], "r");
  if (!names) {
    perror(argv[1]);
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) return 2;
  char line[128];
  int allowed = 0;
  while (fgets(line, sizeof line, names)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0]) continue;
    int nr = seccomp_syscall_resolve_name(line);
    if (nr == __NR_SCMP_ERROR) continue; /* not a call on this architecture */
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) == 0) ++allowed;
  }
  fclose(names);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(ctx) != 0) {
    perror("seccomp");
    return 2;
  }
  seccomp_release(ctx);
  fprintf(stderr, "seccomp_run: %d system calls allowed\n", allowed);
  execvp(argv[2], argv + 2);
  perror(argv[2]);
  return 127;
}
