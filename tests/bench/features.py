"""What a server under test can do, asked of it before a case runs: the
ALPN answer of its TLS port, its answer to an h2c preface, the send path
filehttpd's status endpoint reports, and the instance of filehttpd with
compression, and the one with a protected path (issue S), with the checks that say
whether those features answered. Each check returns a reason when the
feature is missing, which the report prints as the cell's n/a."""
import base64
import os
import random
import re
import socket
import ssl
import string
import subprocess
import time
import urllib.request

from peers import filehttpd_argv
from procs import Server, free_port

# The h2c connection preface and an empty SETTINGS frame.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
JS_BYTES = 200 * 1024
AUTH_USER, AUTH_PASSWORD = "bench", "bench-password"
AUTH_HEADER = "Authorization: Basic " + base64.b64encode(f"{AUTH_USER}:{AUTH_PASSWORD}".encode()).decode()


def first_line(text):
    """The first non-empty line of a command's stderr."""
    return next((x.strip() for x in text.splitlines() if x.strip()), "no message")


def tls_answer(port, max_version=None):
    """(ALPN protocol picked from h2 and http/1.1 or None, TLS version,
    cipher) of one handshake with 127.0.0.1:port."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    if max_version:
        ctx.maximum_version = max_version
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            return s.selected_alpn_protocol(), s.version(), s.cipher()[0]


def alpn_answer(port):
    """The protocol 127.0.0.1:port picks by ALPN from h2 and http/1.1 (None if it picks none)."""
    return tls_answer(port)[0]


def tls_summary(port):
    """What 127.0.0.1:port negotiates: ALPN answer, then version and cipher
    by default and with TLS 1.2 at most."""
    alpn, v13, c13 = tls_answer(port)
    _, v12, c12 = tls_answer(port, ssl.TLSVersion.TLSv1_2)
    return f"ALPN {alpn or 'none'}, {v13} {c13}, {v12} {c12}"


def h2_na(srv):
    """Why srv's TLS port gives no h2, or "" when it answers ALPN h2."""
    got = alpn_answer(srv.tls_port)
    return "" if got == "h2" else f"its TLS port answers ALPN {got or 'nothing'} to h2, http/1.1"


def h2c_na(port):
    """Why 127.0.0.1:port does not speak h2c with prior knowledge, or "" when
    it answers the preface with a SETTINGS frame."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(H2_PREFACE)
        got = b""
        end = time.time() + 5
        while len(got) < 9 and time.time() < end:
            part = s.recv(4096)
            if not part:
                break
            got += part
    if len(got) >= 9 and got[3] == 4:
        return ""
    line = got.split(b"\r\n", 1)[0].decode("latin-1") if got else "nothing"
    return f"its answer to the h2c preface is '{line}'"


def filehttpd_h2c(filehttpd, root, work):
    """A filehttpd on its own port with --h2c, or (None, why it cannot have one)."""
    port = free_port()
    argv = filehttpd_argv(filehttpd, root, port) + ["--h2c"]
    # -t checks a config file only; the flags are checked by a start that exits at once.
    r = subprocess.run(argv + ["--version"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        return None, "filehttpd has no h2c: " + first_line(r.stderr)
    srv = Server("filehttpd", argv, port)
    srv.h2c_port = port
    return srv, ""


def send_path(srv):
    """Which path filehttpd's TLS file bodies took, from its status endpoint's
    filehttpd_tls_connections_total{send_path=...}; else what the kernel allows."""
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/-/metrics", timeout=10).read().decode()
    except OSError as e:
        return f"unknown: the status endpoint did not answer ({e})"
    counts = re.findall(r'filehttpd_tls_connections_total\{[^}]*send_path="(\w+)"[^}]*\}\s+(\d+)', text)
    used = [f"{path} {n}" for path, n in counts if int(n)]
    if used:
        return "filehttpd_tls_connections_total by send_path: " + ", ".join(used)
    try:
        ulp = open("/proc/sys/net/ipv4/tcp_available_ulp").read().split()
    except OSError:
        ulp = []
    return ("userspace: the status endpoint has no send_path counter"
            + ("" if "tls" in ulp else "; this kernel has no tls ULP, so no kTLS"))


def make_s_site(root):
    """The files of the issue S cases: js/app.js (200 KiB of JavaScript text)
    and auth/1k.html, a copy of 1k.html under the protected path."""
    os.makedirs(os.path.join(root, "js"), exist_ok=True)
    # Statements of random names and numbers (a fixed seed), which gzip
    # shrinks about as much as real minified code (about 3 times).
    rnd = random.Random(1)
    words = ["".join(rnd.choice(string.ascii_letters) for _ in range(rnd.randint(2, 9))) for _ in range(400)]
    parts, size = [], 0
    while size < JS_BYTES:
        a, b, c = rnd.choice(words), rnd.choice(words), rnd.choice(words)
        part = f"function {a}({b},{c}){{return {b}.{rnd.choice(words)}({c}+{rnd.randint(0, 99999)})}};".encode()
        parts.append(part)
        size += len(part)
    text = b"".join(parts)[:JS_BYTES]
    with open(os.path.join(root, "js", "app.js"), "wb") as f:
        f.write(text)
    os.makedirs(os.path.join(root, "auth"), exist_ok=True)
    with open(os.path.join(root, "1k.html"), "rb") as src, open(os.path.join(root, "auth", "1k.html"), "wb") as f:
        f.write(src.read())


def filehttpd_with(filehttpd, root, work, feature, toml):
    """A filehttpd whose config file (in work) holds toml, or (None, why it
    cannot start one: -t's first line); feature names it in that reason."""
    conf = os.path.join(work, f"filehttpd-{feature}.toml")
    with open(conf, "w") as f:
        f.write(toml)
    port = free_port()
    argv = filehttpd_argv(filehttpd, root, port) + ["-c", conf]
    r = subprocess.run(argv + ["-t"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        return None, f"filehttpd has no {feature}: " + first_line(r.stderr).replace(conf, f"its {feature} config")
    return Server("filehttpd", argv, port), ""


def filehttpd_compress(filehttpd, root, work):
    """A filehttpd with [compress], its cache in work; or (None, why not)."""
    cache = os.path.join(work, "compress-cache")
    os.makedirs(cache, exist_ok=True)
    return filehttpd_with(filehttpd, root, work, "[compress]",
                          f'[compress]\ncodings = ["zstd", "br", "gzip"]\ncache_dir = "{cache}"\n')


def filehttpd_auth(filehttpd, root, work):
    """A filehttpd guarding /auth/ with [[auth]] (a sha512-crypt htpasswd in
    work); or (None, why not)."""
    hashed = subprocess.run(["openssl", "passwd", "-6", AUTH_PASSWORD], capture_output=True, text=True,
                            check=True).stdout.strip()
    users = os.path.join(work, "htpasswd")
    with open(users, "w") as f:
        f.write(f"{AUTH_USER}:{hashed}\n")
    return filehttpd_with(filehttpd, root, work, "[[auth]]",
                          f'[[auth]]\npath = "/auth/"\nrealm = "bench"\nusers = "{users}"\n')


def head(port, path, headers=()):
    """(status, {lowercase header: value}) of a GET over plain HTTP/1.1."""
    args = ["curl", "-sS", "-o", "/dev/null", "-D", "-", f"http://127.0.0.1:{port}{path}"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout
    lines = out.splitlines()
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    return status, {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if ":" in x)}


def gzip_na(port, path="/js/app.js", wait=10):
    """Why port does not answer gzip for path, or "": asks until it does
    (a compression cache fills after the first request), at most wait s."""
    end = time.time() + wait
    while True:
        status, h = head(port, path, ("Accept-Encoding: gzip",))
        if status == 200 and h.get("content-encoding") == "gzip":
            return ""
        if time.time() > end:
            return f"{path} with Accept-Encoding: gzip got {status} with Content-Encoding {h.get('content-encoding')}"
        time.sleep(0.2)


def auth_na(port, path="/auth/1k.html"):
    """Why port does not guard path with basic auth, or "": 401 without the
    credentials, 200 with them."""
    bare, _ = head(port, path)
    good, _ = head(port, path, (AUTH_HEADER,))
    return "" if (bare, good) == (401, 200) else f"{path} got {bare} without credentials and {good} with them"
