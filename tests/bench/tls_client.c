/* The TLS handshake client of the benchmark: for SECONDS seconds, one
 * connection after another to 127.0.0.1:PORT, each a TLS handshake (SNI
 * localhost, ALPN http/1.1, no certificate check: the bench's certificate is
 * self-signed), one GET of PATH with Connection: close, read to the end, and
 * close. With "resume", each connection after the first offers the session
 * ticket the previous one received; with "tls1.2", TLS 1.2 at most (whose
 * resumption skips the key exchange, which TLS 1.3's keeps). Prints one line:
 *   connections N resumed R failed F
 * where a failed connection is one whose handshake or response was not a 200.
 * Usage: tls_client PORT PATH SECONDS [resume] [tls1.2] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A TCP connection to 127.0.0.1:port with Nagle off, or -1. */
static int dial(unsigned short port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* One connection: handshake, GET, read to the end. Returns 1 on a 200, 0
 * otherwise; *session takes the newest resumable session (the caller frees
 * the one it replaces); *reused says whether the handshake resumed. */
static int one_connection(SSL_CTX *ctx, unsigned short port, const char *req, SSL_SESSION **session, int *reused) {
  int fd = dial(port);
  if (fd < 0) return 0;
  SSL *ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, "localhost");
  if (*session) SSL_set_session(ssl, *session);
  int ok = 0;
  if (SSL_connect(ssl) == 1 && SSL_write(ssl, req, (int)strlen(req)) == (int)strlen(req)) {
    char buf[16384];
    char head[13] = {0};
    size_t got = 0;
    int n;
    while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) {
      for (int i = 0; i < n && got < 12; i++) head[got++] = buf[i];
    }
    ok = got >= 12 && strncmp(head, "HTTP/1.1 200", 12) == 0;
    *reused = SSL_session_reused(ssl);
    SSL_SESSION *s = SSL_get1_session(ssl);
    if (s && SSL_SESSION_is_resumable(s)) {
      if (*session) SSL_SESSION_free(*session);
      *session = s;
    } else if (s) {
      SSL_SESSION_free(s);
    }
  }
  ERR_clear_error();
  /* Marks the connection as shut down without sending anything: SSL_free of
   * a connection not shut down would mark its session as not resumable. */
  SSL_set_quiet_shutdown(ssl, 1);
  SSL_shutdown(ssl);
  SSL_free(ssl);
  close(fd);
  return ok;
}

int main(int argc, char **argv) {
  int resume = 0, tls12 = 0, bad = argc < 4;
  for (int i = 4; i < argc; i++) {
    if (strcmp(argv[i], "resume") == 0)
      resume = 1;
    else if (strcmp(argv[i], "tls1.2") == 0)
      tls12 = 1;
    else
      bad = 1;
  }
  if (bad) {
    fprintf(stderr, "usage: tls_client PORT PATH SECONDS [resume] [tls1.2]\n");
    return 2;
  }
  unsigned short port = (unsigned short)atoi(argv[1]);
  double seconds = atof(argv[3]);
  char req[1024];
  snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", argv[2]);
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (tls12) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
  long connections = 0, resumed = 0, failed = 0;
  SSL_SESSION *session = NULL;
  double end = now_s() + seconds;
  while (now_s() < end) {
    int reused = 0;
    int ok = one_connection(ctx, port, req, &session, &reused);
    connections++;
    resumed += reused;
    failed += !ok;
    if (!resume && session) {
      SSL_SESSION_free(session);
      session = NULL;
    }
  }
  if (session) SSL_SESSION_free(session);
  SSL_CTX_free(ctx);
  printf("connections %ld resumed %ld failed %ld\n", connections, resumed, failed);
  return 0;
}
