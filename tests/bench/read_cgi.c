/* A compiled CGI that reads its whole request body, for the benchmark's
 * upload case: it answers with the number of bytes it read. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  static char buf[65536];
  unsigned long long total = 0;
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n <= 0) break;
    total += (unsigned long long)n;
  }
  char out[96];
  int len = snprintf(out, sizeof out, "Content-Type: text/plain\r\n\r\n%llu\n", total);
  return write(1, out, (size_t)len) == len ? 0 : 1;
}
