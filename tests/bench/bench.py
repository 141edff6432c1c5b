#!/usr/bin/env python3
"""filehttpd vs nginx vs lighttpd: requests/s, CPU per request, throughput, RSS, syscalls.

Started by tests/bench/run.sh. Each case runs ROUNDS rounds of SECONDS seconds
against each server, the servers taking turns within each round, and reports
medians. CPU time is utime+stime of the
server's whole process tree (children included) over the run, divided by the
requests completed.
"""
import argparse
import datetime
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = 5
SECONDS = 5
CONNECTIONS = 32
IDLE_CONNECTIONS = 10000
STRACE_REQUESTS = 4000
STRACE_CONNECTIONS = 16
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tree(pid):
    """pid and all its descendants."""
    out = [pid]
    i = 0
    while i < len(out):
        try:
            kids = open(f"/proc/{out[i]}/task/{out[i]}/children").read().split()
        except OSError:
            kids = []
        out += [int(k) for k in kids]
        i += 1
    return out


def cpu_ticks(pid):
    total = 0
    for p in tree(pid):
        try:
            stat = open(f"/proc/{p}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        # utime stime cutime cstime are fields 14-17 (1-based), i.e. 11..14 here.
        total += sum(int(x) for x in fields[11:15])
    return total


def rss_kib(pid):
    total = 0
    for p in tree(pid):
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Server:
    def __init__(self, name, argv, port, cwd=None):
        self.name, self.argv, self.port, self.cwd = name, argv, port, cwd
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["taskset", "-c", "0"] + self.argv, cwd=self.cwd,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        if not wait_port(self.port):
            raise RuntimeError(f"{self.name} did not start: {' '.join(self.argv)}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def make_site(root, cgi_probe, cgi_reader=""):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "1k.html"), "wb") as f:
        f.write((b"<p>filehttpd benchmark page</p>\n" * 40)[:1024])
    with open(os.path.join(root, "64m.bin"), "wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(64):
            f.write(block)
    cgi = os.path.join(root, "cgi")
    os.makedirs(cgi, exist_ok=True)
    if cgi_probe and os.path.exists(cgi_probe):
        shutil.copy(cgi_probe, os.path.join(cgi, "tiny.cgi"))
        os.chmod(os.path.join(cgi, "tiny.cgi"), 0o755)
    if cgi_reader and os.path.exists(cgi_reader):
        shutil.copy(cgi_reader, os.path.join(cgi, "read.cgi"))
        os.chmod(os.path.join(cgi, "read.cgi"), 0o755)
    with open(os.path.join(cgi, "sh.cgi"), "w") as f:
        f.write("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nhello\\n'\n")
    os.chmod(os.path.join(cgi, "sh.cgi"), 0o755)
    os.chmod(root, 0o755)


def servers(work, root, filehttpd, logged=False):
    """The three servers; with logged, each writes a Combined access log to a file in work."""
    suffix = "-logged" if logged else ""
    ports = {n: free_port() for n in ("filehttpd", "nginx", "lighttpd")}
    ngx = os.path.join(work, "nginx" + suffix)
    os.makedirs(ngx, exist_ok=True)
    with open(os.path.join(ngx, "nginx.conf"), "w") as f:
        f.write(f"""
user root;
worker_processes 1;
daemon off;
pid {ngx}/nginx.pid;
error_log {ngx}/error.log;
worker_rlimit_nofile 20000;
events {{ worker_connections 19000; }}
http {{
  {f"access_log {ngx}/access.log combined;" if logged else "access_log off;"}
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 120;
  client_body_temp_path {ngx}/body;
  proxy_temp_path {ngx}/proxy;
  fastcgi_temp_path {ngx}/fastcgi;
  uwsgi_temp_path {ngx}/uwsgi;
  scgi_temp_path {ngx}/scgi;
  types {{ text/html html; application/octet-stream bin; }}
  server {{ listen 127.0.0.1:{ports['nginx']}; root {root}; }}
}}
""")
    lig = os.path.join(work, "lighttpd" + suffix)
    os.makedirs(lig, exist_ok=True)
    with open(os.path.join(lig, "lighttpd.conf"), "w") as f:
        f.write(f"""
server.modules = ( "mod_cgi"{', "mod_accesslog"' if logged else ''} )
server.document-root = "{root}"
server.bind = "127.0.0.1"
server.port = {ports['lighttpd']}
server.errorlog = "{lig}/error.log"
server.max-fds = 20000
server.max-connections = 19000
server.max-keep-alive-requests = 100000000
server.max-keep-alive-idle = 120
mimetype.assign = ( ".html" => "text/html", ".bin" => "application/octet-stream" )
$HTTP["url"] =~ "^/cgi/" {{ cgi.assign = ( ".cgi" => "" ) }}
""")
        if logged:
            # lighttpd's default accesslog.format is the Combined Log Format.
            f.write(f'accesslog.filename = "{lig}/access.log"\n')
    access = os.path.join(work, "filehttpd" + suffix + "-access.log") if logged else "off"
    return [
        Server("filehttpd", [filehttpd, "--root", root, "--listen", f"127.0.0.1:{ports['filehttpd']}",
                             "--access-log", access, "--log-level", "warn", "--max-connections", "19000",
                             "--keepalive-timeout", "120s"], ports["filehttpd"]),
        Server("nginx", ["nginx", "-c", os.path.join(ngx, "nginx.conf")], ports["nginx"]),
        Server("lighttpd", ["lighttpd", "-D", "-f", os.path.join(lig, "lighttpd.conf")], ports["lighttpd"]),
    ]


def run_wrk(port, path, connections, extra=()):
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", *extra,
           f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS + 60).stdout
    m = re.search(r"(\d+) requests in", out)
    reqs = int(m.group(1)) if m else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    t = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    mult = {"B": 1 / 1e6, "KB": 1024 / 1e6, "MB": 1024 * 1024 / 1e6, "GB": 1024 ** 3 / 1e6}[t.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock_err = re.search(r"Socket errors: (.*)", out)
    return reqs, rps, float(t.group(1)) * mult, (int(errors.group(1)) if errors else 0), sock_err.group(1) if sock_err else ""


def one_round(srv, path, connections, extra=()):
    """One wrk run: (requests/s, CPU us per request, MB/s, non-2xx, socket errors)."""
    before = cpu_ticks(srv.proc.pid)
    reqs, rps, mbps, non2xx, serr = run_wrk(srv.port, path, connections, extra)
    used = cpu_ticks(srv.proc.pid) - before
    cpu_us = used / CLK_TCK * 1e6 / reqs if reqs else float("nan")
    return rps, cpu_us, mbps, non2xx, serr


def summarize(results):
    return {"rps": statistics.median(r[0] for r in results),
            "cpu_us": statistics.median(r[1] for r in results),
            "mbps": statistics.median(r[2] for r in results),
            "non2xx": sum(r[3] for r in results),
            "sock": results[-1][4]}


def idle_rss(srv, count):
    sel = selectors.DefaultSelector()
    socks = []
    req = b"GET /1k.html HTTP/1.1\r\nHost: bench\r\n\r\n"
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", srv.port))
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, "connect")
    pending = len(socks)
    got = {}
    deadline = time.time() + 60
    while pending and time.time() < deadline:
        for key, ev in sel.select(timeout=1):
            s = key.fileobj
            if key.data == "connect":
                try:
                    s.send(req)
                except OSError:
                    sel.unregister(s)
                    pending -= 1
                    continue
                sel.modify(s, selectors.EVENT_READ, "read")
            else:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                got[s.fileno()] = got.get(s.fileno(), 0) + len(data)
                if not data or got[s.fileno()] >= 1024:
                    sel.unregister(s)
                    pending -= 1
    time.sleep(1)
    rss = rss_kib(srv.proc.pid)
    for s in socks:
        s.close()
    time.sleep(3)  # let the server finish closing them before the next case
    return rss, count - pending


def keepalive_client(port, total, conns):
    """Sends total requests for /1k.html over conns keep-alive connections,
    one request in flight per connection, and waits for every response."""
    req = b"GET /1k.html HTTP/1.1\r\nHost: bench\r\n\r\n"
    sel = selectors.DefaultSelector()
    state = {}
    sent = 0
    for _ in range(conns):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        s.send(req)
        sent += 1
        state[s] = b""
        sel.register(s, selectors.EVENT_READ)
    done = 0
    while done < total:
        for key, _ in sel.select(timeout=5):
            s = key.fileobj
            buf = state[s] + s.recv(65536)
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                m = re.search(rb"Content-Length: (\d+)", buf[:end], re.I)
                size = end + 4 + int(m.group(1))
                if len(buf) < size:
                    break
                buf = buf[size:]
                done += 1
                if sent < total:
                    s.send(req)
                    sent += 1
            state[s] = buf
    for s in state:
        s.close()


def syscalls_per_request(srv, n):
    """strace -c -f over n keep-alive requests from STRACE_CONNECTIONS clients."""
    pids = tree(srv.proc.pid)
    out = os.path.join(tempfile.mkdtemp(), "strace.txt")
    args = ["strace", "-c", "-f", "-o", out]
    for p in pids:
        args += ["-p", str(p)]
    st = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    keepalive_client(srv.port, n, STRACE_CONNECTIONS)
    time.sleep(0.5)
    st.send_signal(signal.SIGINT)
    st.wait(30)
    total = 0
    for line in open(out):
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", line)
        if m and m.group(2) != "total":
            total += int(m.group(1))
    return total / n


def write_csv(path, title, results):
    """One row per request case: requests/s and CPU us/request per server (empty when not run)."""
    names = ("filehttpd", "nginx", "lighttpd")
    cases = []
    for (case, _srv), r in results.items():
        if "rps" in r and case != "file_64m" and case not in cases:  # file_64m is a MB/s case
            cases.append(case)
    with open(path, "w") as f:
        f.write(f"# {title}\n")
        f.write("case," + ",".join(f"{n}_rps,{n}_cpu_us" for n in names) + "\n")
        for case in cases:
            cells = []
            for n in names:
                r = results.get((case, n))
                cells += [f"{r['rps']:.0f}", f"{r['cpu_us']:.2f}"] if r else ["", ""]
            f.write(case + "," + ",".join(cells) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--filehttpd", required=True)
    ap.add_argument("--cgi-probe", default="")
    ap.add_argument("--cgi-reader", default="", help="a compiled CGI that reads its body (cgi_post_64k)")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--csv", default="", help="also write the results here as CSV (for chart.gp)")
    a = ap.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="filehttpd-bench-")
    root = os.path.join(work, "www")
    make_site(root, a.cgi_probe, a.cgi_reader)
    post_64k = os.path.join(work, "post_64k.lua")
    with open(post_64k, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = string.rep("x", 65536)\n'
                'wrk.headers["Content-Type"] = "application/octet-stream"\n')
    srvs = servers(work, root, os.path.abspath(a.filehttpd))
    only = set(a.only.split(",")) if a.only else None
    # The same three servers again, each writing a Combined access log to a file.
    logged_srvs = servers(work, root, os.path.abspath(a.filehttpd), logged=True)
    if only and "keepalive_1k_logged" not in only:
        logged_srvs = []
    cases = [
        ("keepalive_1k", "/1k.html", CONNECTIONS, ()),
        ("keepalive_1k_logged", "/1k.html", CONNECTIONS, ()),
        ("close_1k", "/1k.html", CONNECTIONS, ("-H", "Connection: close")),
        ("file_64m", "/64m.bin", 4, ()),
        ("cgi_tiny", "/cgi/tiny.cgi", 8, ()),
        ("cgi_sh", "/cgi/sh.cgi", 8, ()),
        ("cgi_post_64k", "/cgi/read.cgi", 8, ("-s", post_64k)),
    ]
    results = {}
    try:
        # All servers run at once (idle ones cost nothing) and the rounds
        # interleave them, so drift in the machine's speed hits all alike.
        for srv in srvs + logged_srvs:
            srv.start()
        for name, path, conns, extra in cases:
            if only and name not in only:
                continue
            case_srvs = logged_srvs if name.endswith("_logged") else srvs
            rounds = {srv.name: [] for srv in case_srvs}
            for _ in range(ROUNDS):
                for srv in case_srvs:
                    if name.startswith("cgi") and srv.name == "nginx":
                        continue  # nginx has no CGI
                    rounds[srv.name].append(one_round(srv, path, conns, extra))
            for srv in case_srvs:
                if not rounds[srv.name]:
                    continue
                r = results[(name, srv.name)] = summarize(rounds[srv.name])
                print(f"  {srv.name:9} {name:13} {r['rps']:10.0f} req/s {r['cpu_us']:7.2f} us/req "
                      f"{r['mbps']:9.1f} MB/s  non-2xx {r['non2xx']} {r['sock']}", file=sys.stderr, flush=True)
        for srv in srvs:
            if not only or "idle_rss" in only:
                rss, ok = idle_rss(srv, IDLE_CONNECTIONS)
                results[("idle_rss", srv.name)] = {"rss": rss, "ok": ok}
                print(f"  {srv.name:9} idle_rss      {rss} KiB with {ok} connections", file=sys.stderr, flush=True)
            if not only or "syscalls" in only:
                results[("syscalls", srv.name)] = {"per_req": syscalls_per_request(srv, STRACE_REQUESTS)}
                print(f"  {srv.name:9} syscalls      {results[('syscalls', srv.name)]['per_req']:.2f} per request",
                      file=sys.stderr, flush=True)
    finally:
        for srv in srvs + logged_srvs:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    title = (f"filehttpd benchmark, {datetime.date.today()}, {cpu}, {os.cpu_count()} CPUs, "
             f"kernel {platform.release()}; server on CPU 0, wrk on CPU 1; median of {ROUNDS} x {SECONDS} s")
    print(f"\n{title}\n")
    if a.csv:
        write_csv(a.csv, title, results)
    print("| case | metric | filehttpd | nginx | lighttpd | vs nginx | vs lighttpd |")
    print("|---|---|---|---|---|---|---|")

    def row(case, metric, key, fmt, higher_better=True):
        vals = {s: results.get((case, s), {}).get(key) for s in ("filehttpd", "nginx", "lighttpd")}
        if vals["filehttpd"] is None:
            return
        cells = [fmt.format(v) if v is not None else "n/a" for v in vals.values()]
        ratios = []
        for peer in ("nginx", "lighttpd"):
            v = vals[peer]
            ratios.append(f"{vals['filehttpd'] / v:.2f}x" if v else "n/a")
        print(f"| {case} | {metric} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")

    for case in ("keepalive_1k", "keepalive_1k_logged", "close_1k", "cgi_tiny", "cgi_sh", "cgi_post_64k"):
        row(case, "requests/s", "rps", "{:.0f}")
        row(case, "CPU us/request", "cpu_us", "{:.2f}", False)
    row("file_64m", "MB/s", "mbps", "{:.0f}")
    row("idle_rss", f"RSS KiB, {IDLE_CONNECTIONS} idle", "rss", "{}", False)
    row("syscalls", "syscalls/request", "per_req", "{:.2f}", False)


if __name__ == "__main__":
    main()
