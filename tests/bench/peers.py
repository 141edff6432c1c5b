"""The servers under test and their files: filehttpd and the peers nginx,
lighttpd, h2o and caddy, each given a config written into the run's temp dir,
one worker (or thread, or GOMAXPROCS=1), listening on 127.0.0.1 only, on the
same document root; and a check that each serves the right bytes."""
import filecmp
import os
import shutil
import subprocess

from procs import Server, free_port

NAMES = ("filehttpd", "nginx", "lighttpd", "h2o", "caddy")
# The Combined Log Format, for the peers whose log format is configurable.
COMBINED = '%h %l %u %t "%r" %s %b "%{Referer}i" "%{User-agent}i"'
# Static files: name -> size. The latency cases fetch the first three.
FILES = {"1k.html": 1024, "200k.bin": 200 * 1024, "1m.bin": 1 << 20, "64m.bin": 64 << 20}
POST_BYTES = 65536
# What each CGI responds (cgi_post_64k POSTs POST_BYTES to read.cgi).
CGI_BODIES = {"tiny.cgi": b"hello\n", "sh.cgi": b"hello\n", "read.cgi": b"%d\n" % POST_BYTES}


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


def nginx(d, root, port, logged):
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
  types {{ text/html html; application/octet-stream bin; }}
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
""")
    return Server("nginx", ["nginx", "-c", conf], port, cgi_na="nginx has no CGI")


def lighttpd(d, root, port, logged):
    # lighttpd's default accesslog.format is the Combined Log Format.
    conf = write(os.path.join(d, "lighttpd.conf"), f"""
server.modules = ( "mod_cgi"{', "mod_accesslog"' if logged else ''} )
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
""" + (f'accesslog.filename = "{d}/access.log"\n' if logged else ""))
    return Server("lighttpd", ["lighttpd", "-D", "-f", conf], port)


def h2o(d, root, port, logged):
    # h2o has no CGI of its own: its fastcgi-cgi wrapper, spawned at start,
    # runs each .cgi under /cgi/ (a perl process, in h2o's process tree).
    log = f"access-log:\n  path: {d}/access.log\n  format: '{COMBINED}'\n" if logged else ""
    conf = write(os.path.join(d, "h2o.conf"), f"""
user: root
num-threads: 1
pid-file: {d}/h2o.pid
error-log: {d}/error.log
max-connections: 19000
http1-request-timeout: 120
http1-upgrade-to-http2: OFF
compress: OFF
file.send-gzip: OFF
listen:
  host: 127.0.0.1
  port: {port}
hosts:
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


def caddy(d, root, port, logged):
    # Debian's caddy logs access only as JSON (Combined needs a plugin it lacks).
    log = f"\tlog {{\n\t\toutput file {d}/access.log\n\t\tformat json\n\t}}\n" if logged else ""
    conf = write(os.path.join(d, "Caddyfile"), f"""{{
\tadmin off
\tauto_https off
\tservers {{
\t\tprotocols h1
\t}}
}}
http://:{port} {{
\tbind 127.0.0.1
\troot * {root}
\tfile_server
{log}}}
""")
    env = {"GOMAXPROCS": "1", "HOME": d, "XDG_CONFIG_HOME": d, "XDG_DATA_HOME": d}
    return Server("caddy", ["caddy", "run", "--config", conf, "--adapter", "caddyfile"], port, env=env,
                  cgi_na="Debian's caddy has no CGI module")


def servers(work, root, filehttpd, logged=False):
    """The five servers; with logged, each writes an access log to a file in
    work (Combined, but caddy's JSON)."""
    suffix = "-logged" if logged else ""
    out = []
    for name, config in (("nginx", nginx), ("lighttpd", lighttpd), ("h2o", h2o), ("caddy", caddy)):
        d = os.path.join(work, name + suffix)
        os.makedirs(d, exist_ok=True)
        out.append(config(d, root, free_port(), logged))
    port = free_port()
    access = os.path.join(work, "filehttpd" + suffix + "-access.log") if logged else "off"
    out.insert(0, Server("filehttpd", [filehttpd, "--root", root, "--listen", f"127.0.0.1:{port}",
                                       "--access-log", access, "--log-level", "warn",
                                       "--max-connections", "19000", "--keepalive-timeout", "120s"], port))
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
    for path, extra, want in checks:
        r = subprocess.run(["curl", "-sS", "--fail", "-o", got, *extra, f"http://127.0.0.1:{srv.port}{path}"],
                           capture_output=True, text=True, timeout=60)
        same = r.returncode == 0 and (filecmp.cmp(got, want, shallow=False) if isinstance(want, str)
                                      else open(got, "rb").read() == want)
        if not same:
            raise RuntimeError(f"{srv.name} served the wrong bytes for {path} {r.stderr.strip()}")
    os.unlink(got)
