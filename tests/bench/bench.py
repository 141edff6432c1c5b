#!/usr/bin/env python3
"""filehttpd vs nginx, lighttpd, h2o and caddy: requests/s, CPU per request,
throughput, one-connection latency, RSS, syscalls.

Started by tests/bench/run.sh. Each case runs ROUNDS rounds of SECONDS seconds
against each server, the servers taking turns within each round, and reports
medians. CPU time is utime+stime of the server's whole process tree (all
threads, children included) over the run, divided by the requests completed.
The latency cases are one keep-alive connection sending requests one after
another (h2load -c1 -m1), with mean, p99 and max over every request.
"""
import argparse
import datetime
import os
import platform
import resource
import shutil
import sys
import tempfile

from load import idle_rss, one_round, run_h2load, run_wrk, summarize, syscalls_per_request
from peers import POST_BYTES, limit_probe, make_site, servers, verify, verify_probe
from report import print_report, write_csv


class Plan:
    """Durations and counts; quick: a short pass that checks the machinery."""

    def __init__(self, quick):
        self.rounds = 1 if quick else 5
        self.seconds = 1 if quick else 5
        self.latency_rounds = 1 if quick else 3
        self.latency_seconds = 1 if quick else 3
        self.idle_connections = 1000 if quick else 10000
        self.idle_settle = 1 if quick else 3
        self.strace_requests = 400 if quick else 4000
        self.strace_connections = 16
        self.connections = 32


LOAD_CASES = [  # name, path, connections (None: Plan.connections), wrk arguments
    ("keepalive_1k", "/1k.html", None, ()),
    ("keepalive_1k_logged", "/1k.html", None, ()),
    ("close_1k", "/1k.html", None, ("-H", "Connection: close")),
    ("cgi_tiny", "/cgi/tiny.cgi", 8, ()),
    ("cgi_sh", "/cgi/sh.cgi", 8, ()),
    ("cgi_post_64k", "/cgi/read.cgi", 8, ("-s", "post_64k.lua")),
    ("file_64m", "/64m.bin", 4, ()),  # a MB/s case: not in the CSV or chart
]
# The case the limit probe also serves (it has no other response).
PROBE_CASE = "keepalive_1k"
LATENCY_CASES = [("latency_1k", "/1k.html"), ("latency_200k", "/200k.bin"), ("latency_1m", "/1m.bin")]


def measure(name, case_srvs, rounds, run):
    """Runs one case, run(port), rounds times against every server that can
    serve it, the servers taking turns within each round; returns
    {server: summary}, and [(server, reason)] for those skipped."""
    runnable = [s for s in case_srvs if not (name.startswith("cgi") and s.cgi_na)]
    got = {s.name: [] for s in runnable}
    for _ in range(rounds):
        for srv in runnable:
            got[srv.name].append(one_round(srv, run))
    return ({n: summarize(r) for n, r in got.items()},
            [(s.name, s.cgi_na) for s in case_srvs if s not in runnable])


def cases(plan, work):
    """(name, rounds, run(port)) for every request case, load then latency."""
    out = []
    for name, path, conns, extra in LOAD_CASES:
        extra = tuple(os.path.join(work, x) if x.endswith(".lua") else x for x in extra)
        out.append((name, plan.rounds, lambda port, p=path, c=conns or plan.connections, e=extra:
                    run_wrk(port, p, c, plan.seconds, e)))
    log = os.path.join(work, "h2load.log")
    for name, path in LATENCY_CASES:
        out.append((name, plan.latency_rounds, lambda port, p=path: run_h2load(port, p, plan.latency_seconds, log)))
    return out


def log_result(server, case, r):
    lat = f"  mean {r['mean_us']:.0f} p99 {r['p99_us']:.0f} max {r['max_us']:.0f} us" if "mean_us" in r else ""
    print(f"  {server:9} {case:19} {r['rps']:10.0f} req/s {r['cpu_us']:8.2f} us/req "
          f"{r['mbps']:9.1f} MB/s  non-2xx {r['non2xx']} {r['sock']}{lat}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--filehttpd", required=True)
    ap.add_argument("--cgi-probe", default="")
    ap.add_argument("--cgi-reader", default="", help="a compiled CGI that reads its body (cgi_post_64k)")
    ap.add_argument("--limit-probe", default="", help="the compiled limit probe, a server row in keepalive_1k")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--csv", default="", help="also write the results here as CSV (for chart.gp)")
    ap.add_argument("--quick", action="store_true", help="1 s rounds, once each: checks the machinery")
    a = ap.parse_args()
    plan = Plan(a.quick)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="filehttpd-bench-")
    root = os.path.join(work, "www")
    make_site(root, a.cgi_probe, a.cgi_reader)
    with open(os.path.join(work, "post_64k.lua"), "w") as f:
        f.write(f'wrk.method = "POST"\nwrk.body = string.rep("x", {POST_BYTES})\n'
                'wrk.headers["Content-Type"] = "application/octet-stream"\n')
    only = set(a.only.split(",")) if a.only else None
    srvs = servers(work, root, os.path.abspath(a.filehttpd))
    # The same servers again, each writing an access log to a file.
    logged_srvs = servers(work, root, os.path.abspath(a.filehttpd), logged=True)
    if only and "keepalive_1k_logged" not in only:
        logged_srvs = []
    probes = [limit_probe(a.limit_probe)] if a.limit_probe and (not only or PROBE_CASE in only) else []
    results, skipped = {}, []
    try:
        # All servers run at once (idle ones cost nothing) and the rounds
        # interleave them, so drift in the machine's speed hits all alike.
        for srv in srvs + logged_srvs:
            srv.start()
            verify(srv, root, work)
        for srv in probes:
            srv.start()
            verify_probe(srv, work)
        for name, rounds, run in cases(plan, work):
            if only and name not in only:
                continue
            case_srvs = logged_srvs if name.endswith("_logged") else srvs + (probes if name == PROBE_CASE else [])
            summaries, skips = measure(name, case_srvs, rounds, run)
            for server, r in summaries.items():
                results[(name, server)] = r
                log_result(server, name, r)
            for server, reason in skips:
                skipped.append((name, server, reason))
                print(f"  {server:9} {name:19} n/a: {reason}", file=sys.stderr, flush=True)
        for srv in srvs:
            if not only or "idle_rss" in only:
                rss, ok = idle_rss(srv, plan.idle_connections, plan.idle_settle)
                parts = " + ".join(f"{n} {k}" for n, k in rss.items())
                results[("idle_rss", srv.name)] = {"rss": sum(rss.values()), "ok": ok, "parts": parts}
                print(f"  {srv.name:9} idle_rss      {sum(rss.values())} KiB ({parts}) with {ok} connections",
                      file=sys.stderr, flush=True)
            if not only or "syscalls" in only:
                per_req = syscalls_per_request(srv, plan.strace_requests, plan.strace_connections)
                results[("syscalls", srv.name)] = {"per_req": per_req}
                print(f"  {srv.name:9} syscalls      {per_req:.2f} per request", file=sys.stderr, flush=True)
    finally:
        for srv in srvs + logged_srvs + probes:
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
             f"kernel {platform.release()}; server on CPU 0, wrk on CPU 1; median of {plan.rounds} x "
             f"{plan.seconds} s, latency {plan.latency_rounds} x {plan.latency_seconds} s"
             + (" (quick: machinery check, not figures)" if a.quick else ""))
    load_names = [c[0] for c in LOAD_CASES]
    latency_names = [c[0] for c in LATENCY_CASES]
    if a.csv:
        write_csv(a.csv, title, results, [n for n in load_names if n != "file_64m"], latency_names)
    print_report(title, results, load_names, latency_names, skipped, plan.idle_connections)


if __name__ == "__main__":
    main()
