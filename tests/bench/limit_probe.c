/* The limit probe of the benchmark: a minimal single-threaded epoll HTTP/1.1
 * server whose only work per request head read from a keep-alive connection
 * is one recv and one send of a canned 200 with a 1 KiB body, its headers
 * like filehttpd's (Date, Content-Length, Content-Type, Last-Modified, ETag,
 * Accept-Ranges). Its CPU per request is the floor of that syscall pattern.
 * Usage: limit_probe PORT   (listens on 127.0.0.1 only; ends on SIGTERM). */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY_BYTES 1024
#define MAX_EVENTS 256
#define IN_BYTES 16384
#define MAX_PIPELINED 16

static char response[1024 + BODY_BYTES];
static size_t response_len;
static char out[MAX_PIPELINED * sizeof response];
static char in[IN_BYTES];

/* Rewrites the canned response with the Date of now (called once a second). */
static void build_response(time_t now) {
  char date[64];
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&now));
  int n = snprintf(response, sizeof response - BODY_BYTES,
                   "HTTP/1.1 200 OK\r\nDate: %s\r\nContent-Type: text/html\r\n"
                   "Content-Length: %d\r\nLast-Modified: Mon, 30 Nov 2026 12:00:00 GMT\r\n"
                   "ETag: \"6933a0c0-400\"\r\nAccept-Ranges: bytes\r\n\r\n",
                   date, BODY_BYTES);
  memset(response + n, 'x', BODY_BYTES);
  response_len = (size_t)n + BODY_BYTES;
}

/* Counts the request heads (blank-line ends) in buf[0, len). A head split
 * across two reads is not handled: the bench sends small whole requests. */
static int count_heads(const char *buf, size_t len) {
  int heads = 0;
  for (size_t i = 3; i < len; i++)
    if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') heads++;
  return heads;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: limit_probe PORT\n");
    return 2;
  }
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) {
    perror("limit_probe: bind/listen");
    return 1;
  }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  time_t built = time(NULL);
  build_response(built);
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    time_t now = time(NULL); /* the vDSO: no syscall */
    if (now != built) build_response(built = now);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      ssize_t got = recv(fd, in, sizeof in, 0);
      if (got <= 0) {
        close(fd); /* also leaves the epoll set */
        continue;
      }
      int heads = count_heads(in, (size_t)got);
      if (heads > MAX_PIPELINED) heads = MAX_PIPELINED;
      size_t len = 0;
      for (int h = 0; h < heads; h++, len += response_len) memcpy(out + len, response, response_len);
      if (len && send(fd, out, len, MSG_NOSIGNAL) != (ssize_t)len) close(fd);
    }
  }
}
