/* The smallest useful CGI, for the benchmark's compiled-CGI case. */
#include <unistd.h>

int main(void) {
  static const char out[] = "Content-Type: text/plain\r\n\r\nhello\n";
  return write(1, out, sizeof out - 1) == (ssize_t)(sizeof out - 1) ? 0 : 1;
}
