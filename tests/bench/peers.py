"""The servers under test and their files: filehttpd and the peers nginx,
lighttpd, h2o and caddy, each given a config written into the run's temp dir,
one worker (or thread, or GOMAXPROCS=1), listening on 127.0.0.1 only, on the
same document root; and a check that each serves the right bytes."""
import filecmp
import os
import shutil
import subprocess
from collections import namedtuple

from procs import Server, free_port

NAMES = ("filehttpd", "nginx", "lighttpd", "h2o", "caddy")
# The Combined Log Format, for the peers whose log format is configurable.
COMBINED = '%h %l %u %t "%r" %s %b "%{Referer}i" "%{User-agent}i"'
# Static files: name -> size. The latency cases fetch the first three.
FILES = {"1k.html": 1024, "200k.bin": 200 * 1024, "1m.bin": 1 << 20, "64m.bin": 64 << 20}
POST_BYTES = 65536
# What each CGI responds (cgi_post_64k POSTs POST_BYTES to read.cgi).
CGI_BODIES = {"tiny.cgi": b"hello\n", "sh.cgi": b"hello\n", "read.cgi": b"%d\n" % POST_BYTES}
# The page of the h2 page-load cases: this many small assets of 4 KiB each
# (one size: h2load's six HTTP/1.1 clients each fetch the first URLs only).
PAGE_ASSETS = 40
# The TLS 1.2 suites every server gets (filehttpd's own list, ECDSA first;
# with the ECDSA certificate only the ECDSA ones apply). TLS 1.3 keeps each
# library's default suites. Caddy takes Go's names for the same suites.
TLS12_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                 "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305")
GO_CIPHERS = ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 "
              "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")
# A TLS instance's extra listeners: the certificate and key files, the TLS
# port, and the port that speaks h2c with prior knowledge (or None).
Tls = namedtuple("Tls", "cert key port h2c_port")


def make_cert(work):
    """An ECDSA P-256 certificate for localhost and 127.0.0.1, self-signed,
    made now in work; returns (cert, key) paths."""
    cert, key = os.path.join(work, "bench-cert.pem"), os.path.join(work, "bench-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    os.chmod(key, 0o644)
    return cert, key


def make_site(root, cgi_probe, cgi_reader=""):
    """Writes FILES (random bytes, but for the HTML page) and cgi/ under root."""
    os.makedirs(root, exist_ok=True)
    block = os.urandom(1 << 20)
    for name, size in FILES.items():
        with open(os.path.join(root, name), "wb") as f:
            if name.endswith(".html"):
                f.write((b"<p>filehttpd benchmark page</p>\n" * (size // 32 + 1))[:size])
                continue
            for off in range(0, size, len(block)):
                f.write(block[:min(len(block), size - off)])
    page = os.path.join(root, "page")
    os.makedirs(page, exist_ok=True)
    for i in range(PAGE_ASSETS):
        with open(os.path.join(page, f"a{i}.bin"), "wb") as f:
            f.write(block[i * 4096:(i + 1) * 4096])
    cgi = os.path.join(root, "cgi")
    os.makedirs(cgi, exist_ok=True)
    for src, name in ((cgi_probe, "tiny.cgi"), (cgi_reader, "read.cgi")):
        if src and os.path.exists(src):
            shutil.copy(src, os.path.join(cgi, name))
            os.chmod(os.path.join(cgi, name), 0o755)
    with open(os.path.join(cgi, "sh.cgi"), "w") as f:
        f.write("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nhello\\n'\n")
    os.chmod(os.path.join(cgi, "sh.cgi"), 0o755)
    os.chmod(root, 0o755)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def nginx(d, root, port, logged, tls=None):
    # The TLS instance adds a TLS port (HTTP/2 by ALPN) and a port of its own
    # for h2c: nginx 1.22's plain http2 listener speaks h2c only.
    extra = "" if not tls else f"""
  server {{
    listen 127.0.0.1:{tls.port} ssl http2;
    root {root};
    ssl_certificate {tls.cert};
    ssl_certificate_key {tls.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers {TLS12_CIPHERS};
    ssl_prefer_server_ciphers on;
    ssl_session_tickets on;
  }}
  server {{ listen 127.0.0.1:{tls.h2c_port} http2; root {root}; }}"""
    conf = write(os.path.join(d, "nginx.conf"), f"""
user root;
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
worker_rlimit_nofile 20000;
events {{ worker_connections 19000; }}
http {{
  {f"access_log {d}/access.log combined;" if logged else "access_log off;"}
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 120;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  types {{ text/html html; application/octet-stream bin; application/javascript js; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location /js/ {{ gzip on; gzip_types application/javascript; }}
  }}{extra}
}}
""")
    return Server("nginx", ["nginx", "-c", conf], port, cgi_na="nginx has no CGI")


def lighttpd(d, root, port, logged, tls=None):
    # lighttpd's default accesslog.format is the Combined Log Format.
    # Its HTTP/2 is on by default (server.h2proto), over TLS by ALPN.
    extra = "" if not tls else f"""
$SERVER["socket"] == "127.0.0.1:{tls.port}" {{
  ssl.engine = "enable"
  ssl.pemfile = "{tls.cert}"
  ssl.privkey = "{tls.key}"
  ssl.openssl.ssl-conf-cmd = ( "MinProtocol" => "TLSv1.2", "MaxProtocol" => "TLSv1.3",
                               "CipherString" => "{TLS12_CIPHERS}", "Options" => "ServerPreference,SessionTicket" )
}}
"""
    conf = write(os.path.join(d, "lighttpd.conf"), f"""
server.modules = ( "mod_cgi"{', "mod_accesslog"' if logged else ''}{', "mod_openssl"' if tls else ''} )
server.document-root = "{root}"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{d}/error.log"
server.max-fds = 20000
server.max-connections = 19000
server.max-keep-alive-requests = 100000000
server.max-keep-alive-idle = 120
mimetype.assign = ( ".html" => "text/html", ".bin" => "application/octet-stream" )
$HTTP["url"] =~ "^/cgi/" {{ cgi.assign = ( ".cgi" => "" ) }}
""" + extra + (f'accesslog.filename = "{d}/access.log"\n' if logged else ""))
    return Server("lighttpd", ["lighttpd", "-D", "-f", conf], port)


def h2o(d, root, port, logged, tls=None):
    # h2o has no CGI of its own: its fastcgi-cgi wrapper, spawned at start,
    # runs each .cgi under /cgi/ (a perl process, in h2o's process tree).
    log = f"access-log:\n  path: {d}/access.log\n  format: '{COMBINED}'\n" if logged else ""
    # h2o speaks h2 by ALPN, and h2c with prior knowledge on its plain port
    # only with http1-upgrade-to-http2 on (2.2 ties the two together).
    # No OCSP fetcher: the certificate names no responder.
    extra = "" if not tls else f"""listen:
  host: 127.0.0.1
  port: {tls.port}
  ssl:
    certificate-file: {tls.cert}
    key-file: {tls.key}
    minimum-version: TLSv1.2
    cipher-suite: {TLS12_CIPHERS}
    cipher-preference: server
    ocsp-update-interval: 0
ssl-session-resumption:
  mode: ticket
"""
    conf = write(os.path.join(d, "h2o.conf"), f"""
user: root
num-threads: 1
pid-file: {d}/h2o.pid
error-log: {d}/error.log
max-connections: 19000
http1-request-timeout: 120
http1-upgrade-to-http2: {"ON" if tls else "OFF"}
compress: OFF
file.send-gzip: OFF
listen:
  host: 127.0.0.1
  port: {port}
{extra}hosts:
  default:
    paths:
      /:
        file.dir: {root}
      /cgi:
        file.dir: {root}/cgi
        file.custom-handler:
          extension: .cgi
          fastcgi.spawn:
            command: "exec /usr/share/h2o/fastcgi-cgi"
            user: root
""" + log)
    return Server("h2o", ["h2o", "-c", conf], port)


def caddy(d, root, port, logged, tls=None):
    # Debian's caddy logs access only as JSON (Combined needs a plugin it lacks).
    log = f"\tlog {{\n\t\toutput file {d}/access.log\n\t\tformat json\n\t}}\n" if logged else ""
    glob = site = ""
    if tls:
        glob = f"\tdefault_sni localhost\n\tservers 127.0.0.1:{tls.port} {{\n\t\tprotocols h1 h2\n\t}}\n"
        site = (f"https://:{tls.port} {{\n\tbind 127.0.0.1\n\ttls {tls.cert} {tls.key} {{\n"
                f"\t\tprotocols tls1.2 tls1.3\n\t\tciphers {GO_CIPHERS}\n\t}}\n\troot * {root}\n\tfile_server\n}}\n")
    conf = write(os.path.join(d, "Caddyfile"), f"""{{
\tadmin off
\tauto_https off
\tservers {{
\t\tprotocols h1
\t}}
{glob}}}
http://:{port} {{
\tbind 127.0.0.1
\troot * {root}
\tfile_server
{log}}}
{site}""")
    env = {"GOMAXPROCS": "1", "HOME": d, "XDG_CONFIG_HOME": d, "XDG_DATA_HOME": d}
    return Server("caddy", ["caddy", "run", "--config", conf, "--adapter", "caddyfile"], port, env=env,
                  cgi_na="Debian's caddy has no CGI module")


def filehttpd_argv(filehttpd, root, port, access="off"):
    """filehttpd's command line as the bench runs it, plain on port."""
    return [filehttpd, "--root", root, "--listen", f"127.0.0.1:{port}", "--access-log", access,
            "--log-level", "warn", "--max-connections", "19000", "--keepalive-timeout", "120s"]


def servers(work, root, filehttpd, logged=False, cert=None):
    """The five servers; with logged, each writes an access log to a file in
    work (Combined, but caddy's JSON); with cert, a (cert, key) pair, each
    also listens for TLS (srv.tls_port) and, where it can, h2c (srv.h2c_port)."""
    suffix = "-logged" if logged else "-tls" if cert else ""
    out = []
    for name, config in (("nginx", nginx), ("lighttpd", lighttpd), ("h2o", h2o), ("caddy", caddy)):
        d = os.path.join(work, name + suffix)
        os.makedirs(d, exist_ok=True)
        port = free_port()
        tls = Tls(cert[0], cert[1], free_port(), port if name == "h2o" else free_port()) if cert else None
        srv = config(d, root, port, logged, tls)
        if tls:
            srv.tls_port, srv.h2c_port = tls.port, tls.h2c_port if name in ("nginx", "h2o") else None
        out.append(srv)
    port = free_port()
    access = os.path.join(work, "filehttpd" + suffix + "-access.log") if logged else "off"
    argv = filehttpd_argv(filehttpd, root, port, access)
    tls_port = free_port() if cert else None
    if cert:
        argv += ["--tls-listen", f"127.0.0.1:{tls_port}", "--tls-cert", cert[0], "--tls-key", cert[1],
                 "--status-path", "/-/metrics"]
    srv = Server("filehttpd", argv, port)
    srv.tls_port, srv.h2c_port = tls_port, None
    out.insert(0, srv)
    return out


def limit_probe(binary):
    """The limit probe (limit_probe.c) on a free port: the floor of one recv
    and one send per keep-alive request, measured in keepalive_1k only."""
    port = free_port()
    return Server("probe", [binary, str(port)], port)


def verify_probe(srv, work):
    """Checks that the probe answers a GET with a 200 and a 1 KiB body."""
    got = os.path.join(work, "verify.out")
    r = subprocess.run(["curl", "-sS", "--fail", "-o", got, f"http://127.0.0.1:{srv.port}/1k.html"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or os.path.getsize(got) != FILES["1k.html"]:
        raise RuntimeError(f"the limit probe did not answer with a 1 KiB body {r.stderr.strip()}")
    os.unlink(got)


def verify(srv, root, work):
    """Fetches every file (and every CGI the server runs) with curl and
    compares the bytes; raises naming the server and path on a mismatch."""
    got = os.path.join(work, "verify.out")
    checks = [(f"/{name}", [], os.path.join(root, name)) for name in FILES]
    if not srv.cgi_na:
        body = os.path.join(work, "verify.post")
        with open(body, "wb") as f:
            f.write(b"x" * POST_BYTES)
        for name, want in CGI_BODIES.items():
            post = ["--data-binary", f"@{body}", "-H", "Content-Type: application/octet-stream"]
            checks.append((f"/cgi/{name}", post if name == "read.cgi" else [], want))
    if srv.tls_port:  # the files again over TLS (self-signed: -k)
        checks += [(f"https://127.0.0.1:{srv.tls_port}/{name}", ["-k"], os.path.join(root, name)) for name in FILES]
    for path, extra, want in checks:
        url = path if path.startswith("https:") else f"http://127.0.0.1:{srv.port}{path}"
        r = subprocess.run(["curl", "-sS", "--fail", "-o", got, *extra, url], capture_output=True, text=True,
                           timeout=60)
        same = r.returncode == 0 and (filecmp.cmp(got, want, shallow=False) if isinstance(want, str)
                                      else open(got, "rb").read() == want)
        if not same:
            raise RuntimeError(f"{srv.name} served the wrong bytes for {path} {r.stderr.strip()}")
    os.unlink(got)
