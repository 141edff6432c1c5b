"""Load for the benchmark: wrk runs (throughput), h2load runs on one
connection (per-request latency), idle connections for RSS, and a keep-alive
client under strace for syscalls per request."""
import os
import re
import selectors
import signal
import socket
import statistics
import subprocess
import tempfile
import time

from procs import CLK_TCK, cpu_ticks, rss_by_name, tree

UNITS = {"B": 1 / 1e6, "KB": 1024 / 1e6, "MB": 1024 * 1024 / 1e6, "GB": 1024 ** 3 / 1e6}


# h2load asks for gzip by default, wrk for no coding. Every h2load run asks
# for none, so that every server sends the same bytes: filehttpd compresses
# text on the fly by default, the peers as configured here do not.
IDENTITY = ("-H", "accept-encoding: identity")


def run_wrk(port, path, connections, seconds, extra=(), scheme="http"):
    """One wrk run on CPU 1: a dict of reqs, rps, mbps, non2xx, sock (socket errors)."""
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", *extra,
           f"{scheme}://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"(\d+) requests in", out)
    t = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock_err = re.search(r"Socket errors: (.*)", out)
    return {"reqs": int(m.group(1)) if m else 0,
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "mbps": float(t.group(1)) * UNITS[t.group(2)],
            "non2xx": int(errors.group(1)) if errors else 0, "sock": sock_err.group(1) if sock_err else ""}


def latency_stats(micros):
    """(mean, p99, max) of per-request latencies; p99 by nearest rank."""
    v = sorted(micros)
    if not v:
        return None
    return statistics.fmean(v), v[max(0, -(-99 * len(v) // 100) - 1)], v[-1]


def run_h2load(port, path, seconds, log):
    """One h2load run on CPU 1, one HTTP/1.1 keep-alive connection, one
    request at a time, for seconds: run_wrk's dict plus lat, the (mean, p99,
    max) us of every request, read from h2load's per-request log."""
    cmd = ["taskset", "-c", "1", "h2load", *IDENTITY, "--h1", "-t1", "-c1", "-m1", f"-D{seconds}", f"--log-file={log}",
           f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    micros = []
    with open(log) as f:
        for line in f:
            cols = line.split("\t")
            if len(cols) >= 3 and cols[1].startswith("2"):
                micros.append(int(cols[2]))
    os.unlink(log)
    return dict(h2load_result(out), lat=latency_stats(micros))


def h2load_result(out):
    """run_wrk's dict from h2load's output."""
    fin = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s, ([\d.]+)(\w+)/s", out)
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored",
                     out)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    failed = int(done.group(3)) + int(done.group(4)) if done else 0
    return {"reqs": int(done.group(1)) if done else 0, "rps": float(fin.group(1)) if fin else 0.0,
            "mbps": float(fin.group(2)) * UNITS[fin.group(3)] if fin else 0.0,
            "non2xx": sum(int(x) for x in codes.groups()[1:]) if codes else 0,
            "sock": f"{failed} failed or errored" if failed else ""}


def run_h2(url, connections, streams, seconds):
    """One h2load run on CPU 1 over HTTP/2 (h2 by ALPN for https, h2c with
    prior knowledge for http): connections x streams for seconds; run_wrk's dict."""
    cmd = ["taskset", "-c", "1", "h2load", *IDENTITY, "-t1", f"-c{connections}", f"-m{streams}", f"-D{seconds}", url]
    return h2load_result(subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout)


def run_page(urls, h2, loads):
    """loads page loads, one after another, each fetching every URL once
    (one h2load run each, on CPU 1): with h2, over one h2 connection with all
    streams at once, else over six HTTP/1.1 connections. run_wrk's dict plus
    lat, the (mean, p99, max) wall time in us of a page load."""
    conns = ["-c1", f"-m{len(urls)}"] if h2 else ["--h1", "-c6", "-m1"]
    cmd = ["taskset", "-c", "1", "h2load", *IDENTITY, "-t1", *conns, f"-n{len(urls)}", *urls]
    walls, total = [], None
    for _ in range(loads):
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
        r = h2load_result(out)
        took = re.search(r"finished in ([\d.]+)(us|ms|s),", out)
        if took:
            walls.append(float(took.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[took.group(2)])
        if total is None:
            total = r
        else:
            for k in ("reqs", "non2xx"):
                total[k] += r[k]
            total["sock"] = total["sock"] or r["sock"]
    total["lat"] = latency_stats(walls)
    total["rps"] = len(walls) / (sum(walls) / 1e6) if walls else 0.0  # page loads per second of wall time
    return total


def run_tls_client(binary, port, path, seconds, resume, tls12=False):
    """One tls_client run on CPU 1 (a new TLS connection per request,
    resuming with the last ticket when resume; TLS 1.2 at most with tls12):
    run_wrk's dict, reqs and rps counting the connections that got a 200,
    plus resumed (a fraction)."""
    cmd = (["taskset", "-c", "1", binary, str(port), path, str(seconds)] + (["resume"] if resume else [])
           + (["tls1.2"] if tls12 else []))
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"connections (\d+) resumed (\d+) failed (\d+)", out)
    conns, resumed, failed = (int(x) for x in m.groups()) if m else (0, 0, 0)
    ok = conns - failed
    return {"reqs": ok, "rps": ok / seconds, "mbps": 0.0, "non2xx": failed,
            "sock": "" if m else "tls_client printed nothing", "resumed": resumed / conns if conns else 0.0}


def one_round(srv, run):
    """run(srv) against srv with srv's CPU time counted over it: run's dict
    plus cpu_us, CPU time per request."""
    before = cpu_ticks(srv.proc.pid)
    r = run(srv)
    used = cpu_ticks(srv.proc.pid) - before
    r["cpu_us"] = used / CLK_TCK * 1e6 / r["reqs"] if r["reqs"] else float("nan")
    return r


def summarize(rounds):
    """Medians over the rounds; latency: median mean and p99, largest max."""
    out = {k: statistics.median(r[k] for r in rounds) for k in ("rps", "cpu_us", "mbps")}
    out["non2xx"] = sum(r["non2xx"] for r in rounds)
    out["sock"] = rounds[-1]["sock"]
    if "resumed" in rounds[0]:
        out["resumed"] = min(r["resumed"] for r in rounds)
    lats = [r["lat"] for r in rounds if r.get("lat")]
    if lats:
        out["mean_us"] = statistics.median(x[0] for x in lats)
        out["p99_us"] = statistics.median(x[1] for x in lats)
        out["max_us"] = max(x[2] for x in lats)
    return out


def idle_rss(srv, count, settle):
    """RSS of srv's tree with count keep-alive connections open and idle
    after one request each; returns ({process name: KiB}, connections that
    got a response)."""
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
    rss = rss_by_name(srv.proc.pid)
    for s in socks:
        s.close()
    time.sleep(settle)  # let the server finish closing them before the next case
    return rss, count - pending


def keepalive_client(port, total, conns):
    """Sends total requests for /1k.html over conns keep-alive connections,
    one request in flight per connection, and waits for every response
    (at most 60 s)."""
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
    deadline = time.time() + 60
    while done < total and time.time() < deadline:
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


def syscalls_per_request(srv, n, conns):
    """strace -c -f on every process (all threads) of srv's tree over n
    keep-alive requests from conns clients."""
    pids = tree(srv.proc.pid)
    out = os.path.join(tempfile.mkdtemp(), "strace.txt")
    args = ["strace", "-c", "-f", "-o", out]
    for p in pids:
        args += ["-p", str(p)]
    st = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    keepalive_client(srv.port, n, conns)
    time.sleep(0.5)
    st.send_signal(signal.SIGINT)
    st.wait(30)
    total = 0
    for line in open(out):
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", line)
        if m and m.group(2) != "total":
            total += int(m.group(1))
    os.unlink(out)
    os.rmdir(os.path.dirname(out))
    return total / n
