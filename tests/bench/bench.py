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

import groups
from load import idle_rss, one_round, run_h2load, run_wrk, summarize, syscalls_per_request
from peers import POST_BYTES, limit_probe, make_site, servers, verify, verify_probe
from report import MBPS_CASES, print_report, write_csv


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
        self.page_loads = 5 if quick else 20


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


def measure(name, case_srvs, rounds, run, na):
    """Runs one case, run(srv), rounds times against every server that can
    serve it (na(srv) is "", and it is not a groups.Missing), the servers
    taking turns within each round; returns {server: summary}, and
    [(server, reason)] for those skipped."""
    why = {s.name: s.why if isinstance(s, groups.Missing) else na(s) for s in case_srvs}
    runnable = [s for s in case_srvs if not why[s.name]]
    got = {s.name: [] for s in runnable}
    for _ in range(rounds):
        for srv in runnable:
            got[srv.name].append(one_round(srv, run))
    return ({n: summarize(r) for n, r in got.items()}, [(n, w) for n, w in why.items() if w])


def cgi_na(srv):
    return srv.cgi_na


def cases(plan, work):
    """(name, rounds, run(port)) for every request case, load then latency."""
    out = []
    for name, path, conns, extra in LOAD_CASES:
        extra = tuple(os.path.join(work, x) if x.endswith(".lua") else x for x in extra)
        out.append((name, plan.rounds, lambda srv, p=path, c=conns or plan.connections, e=extra:
                    run_wrk(srv.port, p, c, plan.seconds, e)))
    log = os.path.join(work, "h2load.log")
    for name, path in LATENCY_CASES:
        out.append((name, plan.latency_rounds,
                    lambda srv, p=path: run_h2load(srv.port, p, plan.latency_seconds, log)))
    return out


def resumption(results, case, server):
    """server's share of resumed connections in case, and its resumed
    handshake's CPU over its full one's (when both cases ran)."""
    r, full = results[(case, server)], results.get((case.replace("_resumed", "_full"), server), {})
    cost = f" at {r['cpu_us'] / full['cpu_us']:.2f}x" if full.get("cpu_us") else ""
    return f"{server} {r['resumed']:.0%}{cost}"


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
    ap.add_argument("--tls-client", default="", help="the compiled TLS client (tls_client.c) of the handshake cases")
    ap.add_argument("--only", default="", help="comma-separated case names or groups: " + ",".join(groups.GROUPS))
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

    def selected(name, group=None):
        """Whether the run includes a case (or, with only a name, a group)."""
        return not only or name in only or (group or "h1") in only

    filehttpd = os.path.abspath(a.filehttpd)
    srvs = servers(work, root, filehttpd)
    # The same servers again, each writing an access log to a file.
    logged_srvs = servers(work, root, filehttpd, logged=True) if selected("keepalive_1k_logged") else []
    probes = [limit_probe(a.limit_probe)] if a.limit_probe and selected(PROBE_CASE) else []
    # The groups of the new cases that the run selected (a case's name selects its group's servers).
    names = groups.cases(plan, a.tls_client, groups.Extra(set(), work, root, filehttpd), [])
    known = set(groups.GROUPS) | {c[0] for c in names} | {c[0] for c in cases(plan, work)} | {"idle_rss", "syscalls"}
    if only and only - known:
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(f"bench: no case or group {', '.join(sorted(only - known))}; "
                 f"groups: {', '.join(groups.GROUPS)}; cases: {', '.join(sorted(known - set(groups.GROUPS)))}")
    extra = groups.Extra({c[1] for c in names if selected(c[0], c[1])}, work, root, filehttpd)
    results, skipped, notes = {}, [], []
    try:
        # All servers run at once (idle ones cost nothing) and the rounds
        # interleave them, so drift in the machine's speed hits all alike.
        for srv in srvs + logged_srvs + extra.all():
            srv.start()
            verify(srv, root, work)
        for srv in probes:
            srv.start()
            verify_probe(srv, work)
        latency = [c[0] for c in LATENCY_CASES]
        todo = [(n, "h1", "latency" if n in latency else "mbps" if n in MBPS_CASES else "load", r,
                 logged_srvs if n.endswith("_logged") else srvs + (probes if n == PROBE_CASE else []), run,
                 cgi_na if n.startswith("cgi") else groups.no_na)
                for n, r, run in cases(plan, work)]
        rounds = {"load": plan.rounds, "mbps": plan.rounds, "latency": plan.latency_rounds}
        todo += [(n, g, k, rounds[k], case_srvs, run, na)
                 for n, g, k, case_srvs, run, na in groups.cases(plan, a.tls_client, extra, srvs)]
        if extra.tls:
            notes += [f"{n} over TLS (ALPN offered: h2, http/1.1): {t}" for n, t in extra.tls_summary().items()]
        for name, group, _, rounds_n, case_srvs, run, na in todo:
            if not selected(name, group):
                continue
            summaries, skips = measure(name, case_srvs, rounds_n, run, na)
            for server, r in summaries.items():
                results[(name, server)] = r
                log_result(server, name, r)
            for server, reason in skips:
                skipped.append((name, server, reason))
                print(f"  {server:9} {name:19} n/a: {reason}", file=sys.stderr, flush=True)
            if name == "tls_file_64m" and ("tls_file_64m", "filehttpd") in results:
                notes.append("filehttpd's send path in tls_file_64m: " + extra.send_path())
            if name.endswith("_handshake_resumed"):
                notes.append(f"{name}, connections resumed and CPU per connection over a full handshake's: "
                             + ", ".join(resumption(results, name, s) for c, s in results if c == name))
        for srv in srvs:
            if selected("idle_rss"):
                rss, ok = idle_rss(srv, plan.idle_connections, plan.idle_settle)
                parts = " + ".join(f"{n} {k}" for n, k in rss.items())
                results[("idle_rss", srv.name)] = {"rss": sum(rss.values()), "ok": ok, "parts": parts}
                print(f"  {srv.name:9} idle_rss      {sum(rss.values())} KiB ({parts}) with {ok} connections",
                      file=sys.stderr, flush=True)
            if selected("syscalls"):
                per_req = syscalls_per_request(srv, plan.strace_requests, plan.strace_connections)
                results[("syscalls", srv.name)] = {"per_req": per_req}
                print(f"  {srv.name:9} syscalls      {per_req:.2f} per request", file=sys.stderr, flush=True)
    finally:
        for srv in srvs + logged_srvs + probes + extra.all():
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
    load_names = [c[0] for c in todo if c[2] != "latency"]
    latency_names = [c[0] for c in todo if c[2] == "latency"]
    if a.csv:
        write_csv(a.csv, title, results, [n for n in load_names if n not in MBPS_CASES], latency_names)
    print_report(title, results, load_names, latency_names, skipped, plan.idle_connections, notes)


if __name__ == "__main__":
    main()
