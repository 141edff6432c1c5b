/* CGI probe: prints its signal mask, ignored signals, process group and open fds. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  printf("Content-Type: text/plain\r\n\r\n");
  FILE* f = fopen("/proc/self/status", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0) fputs(line, stdout);
  }
  if (f) fclose(f);
  printf("pgid_is_pid: %d\n", getpgrp() == getpid());
  DIR* d = opendir("/proc/self/fd");
  int dfd = d ? dirfd(d) : -1;
  printf("fds:");
  struct dirent* e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    int fd = 0;
    sscanf(e->d_name, "%d", &fd);
    if (fd != dfd) printf(" %d", fd);
  }
  printf("\n");
  if (d) closedir(d);
  return 0;
}
