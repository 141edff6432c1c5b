"""The case groups of issues O, P and S: tls (keep-alive, handshakes full
and resumed, 64 MiB, all over TLS), h2 (h2load over h2 and h2c, 64 MiB over
h2c, a page of small assets over one h2 connection and over six HTTP/1.1
ones) and s (compression from filehttpd's cache against nginx's gzip on,
basic auth against none), with the servers they need.

A case is (name, group, kind, servers, run(srv), na(srv)): kind is "load"
(requests/s and CPU per request), "mbps" (MB/s) or "latency" (a page load's
wall time); na gives why a server cannot run it ("" when it can), checked
once before the rounds."""
import os

from features import (AUTH_HEADER, auth_na, filehttpd_auth, filehttpd_compress, filehttpd_h2c, gzip_na,
                      h2_na, h2c_na, make_s_site, send_path, tls_summary)
from load import run_h2, run_page, run_tls_client, run_wrk
from peers import PAGE_ASSETS, make_cert, servers

GROUPS = ("h1", "tls", "h2", "s")
# lighttpd's TLS module, a Debian package of its own.
LIGHTTPD_TLS = "/usr/lib/lighttpd/mod_openssl.so"
H2C_SERVERS = ("filehttpd", "nginx", "h2o")


class Missing:
    """A server that could not be started for a case, and why."""

    def __init__(self, name, why):
        self.name, self.why = name, why


class Extra:
    """The servers of the new groups, made for the groups selected: five TLS
    instances (tls, h2), filehttpd with --h2c (h2), filehttpd with
    [compress] and filehttpd with [[auth]] (s); all() lists those made.
    wanted: the groups to make servers for."""

    def __init__(self, wanted, work, root, filehttpd):
        self.tls, self.h2c, self.gz, self.auth = [], None, None, None
        self.h2c_why = self.gz_why = self.auth_why = ""
        if "tls" in wanted or "h2" in wanted:
            self.tls = servers(work, root, filehttpd, cert=make_cert(work))
            if not os.path.exists(LIGHTTPD_TLS):
                self.tls = [Missing(s.name, f"no {LIGHTTPD_TLS} (Debian's lighttpd-mod-openssl)")
                            if s.name == "lighttpd" else s for s in self.tls]
        if "h2" in wanted:
            self.h2c, self.h2c_why = filehttpd_h2c(filehttpd, root, work)
        if "s" in wanted:
            make_s_site(root)
            self.gz, self.gz_why = filehttpd_compress(filehttpd, root, work)
            self.auth, self.auth_why = filehttpd_auth(filehttpd, root, work)

    def all(self):
        return [s for s in self.tls + [self.h2c, self.gz, self.auth] if s and not isinstance(s, Missing)]

    def tls_summary(self):
        """{server: what its TLS port negotiates (features.tls_summary)}, for the report."""
        return {s.name: tls_summary(s.tls_port) for s in self.all() if s.tls_port}

    def send_path(self):
        """filehttpd's send path of TLS file bodies (after tls_file_64m)."""
        return send_path(self.tls[0]) if self.tls else ""


def no_na(_srv):
    return ""


def cases(plan, tls_client, extra, plain):
    """The new cases; plain: the plain servers (nginx's /js/ has gzip on)."""
    secs, conns = plan.seconds, plan.connections
    tls, h2c_srvs = extra.tls, []
    if tls:
        h2c_srvs = [extra.h2c or Missing("filehttpd", extra.h2c_why)] + [s for s in tls if s.name in H2C_SERVERS[1:]]
    gz = extra.gz or Missing("filehttpd", extra.gz_why)
    auth = extra.auth or Missing("filehttpd", extra.auth_why)
    nginx = [s for s in plain if s.name == "nginx"]
    page = [f"/page/a{i}.bin" for i in range(PAGE_ASSETS)]

    def tls_url(srv, path):
        return f"https://127.0.0.1:{srv.tls_port}{path}"

    accept_gzip = ("-H", "Accept-Encoding: gzip")
    return [
        ("tls_keepalive_1k", "tls", "load", tls,
         lambda s: run_wrk(s.tls_port, "/1k.html", conns, secs, (), "https"), no_na),
        ("tls_handshake_full", "tls", "load", tls,
         lambda s: run_tls_client(tls_client, s.tls_port, "/1k.html", secs, False), no_na),
        ("tls_handshake_resumed", "tls", "load", tls,
         lambda s: run_tls_client(tls_client, s.tls_port, "/1k.html", secs, True), no_na),
        ("tls12_handshake_full", "tls", "load", tls,
         lambda s: run_tls_client(tls_client, s.tls_port, "/1k.html", secs, False, True), no_na),
        ("tls12_handshake_resumed", "tls", "load", tls,
         lambda s: run_tls_client(tls_client, s.tls_port, "/1k.html", secs, True, True), no_na),
        ("tls_file_64m", "tls", "mbps", tls, lambda s: run_wrk(s.tls_port, "/64m.bin", 4, secs, (), "https"), no_na),
        ("h2_1k", "h2", "load", tls, lambda s: run_h2(tls_url(s, "/1k.html"), 8, 10, secs), h2_na),
        ("h2c_1k", "h2", "load", h2c_srvs,
         lambda s: run_h2(f"http://127.0.0.1:{s.h2c_port}/1k.html", 8, 10, secs), lambda s: h2c_na(s.h2c_port)),
        ("h2c_file_64m", "h2", "mbps", h2c_srvs,
         lambda s: run_h2(f"http://127.0.0.1:{s.h2c_port}/64m.bin", 1, 1, secs), lambda s: h2c_na(s.h2c_port)),
        ("page40_h2", "h2", "latency", tls,
         lambda s: run_page([tls_url(s, p) for p in page], True, plan.page_loads), h2_na),
        ("page40_h1x6", "h2", "latency", tls,
         lambda s: run_page([tls_url(s, p) for p in page], False, plan.page_loads), no_na),
        ("gzip_js_200k", "s", "load", [gz] + nginx,
         lambda s: run_wrk(s.port, "/js/app.js", conns, secs, accept_gzip), lambda s: gzip_na(s.port)),
        ("identity_js_200k", "s", "load", [gz], lambda s: run_wrk(s.port, "/js/app.js", conns, secs), no_na),
        ("auth_1k", "s", "load", [auth],
         lambda s: run_wrk(s.port, "/auth/1k.html", conns, secs, ("-H", AUTH_HEADER)), lambda s: auth_na(s.port)),
        ("noauth_1k", "s", "load", [auth], lambda s: run_wrk(s.port, "/1k.html", conns, secs), no_na),
    ]
