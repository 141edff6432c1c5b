"""The benchmark's output: a CSV for chart.gp and Markdown tables, from the
results dict {(case, server): {metric: value}}."""
from goals import print_goals
from peers import NAMES

# Cases whose figure is MB/s; cases whose request is a whole TLS connection.
MBPS_CASES = ("file_64m", "tls_file_64m", "h2c_file_64m")
PER_CONNECTION = ("tls_handshake_full", "tls_handshake_resumed", "tls12_handshake_full", "tls12_handshake_resumed")

PEERS = NAMES[1:]
CSV_METRICS = ("rps", "cpu_us", "mean_us", "p99_us", "max_us")
CSV_FORMATS = {"rps": "{:.0f}", "cpu_us": "{:.2f}", "mean_us": "{:.1f}", "p99_us": "{:.0f}", "max_us": "{:.0f}"}


def write_csv(path, title, results, load_cases, latency_cases):
    """One row per request case that ran: case, kind (load or latency), then
    for each server requests/s, CPU us/request and, on latency rows, mean,
    p99 and max latency in us (empty where not run). Load rows come first."""
    with open(path, "w") as f:
        f.write(f"# {title}\n")
        f.write("case,kind," + ",".join(f"{n}_{m}" for n in NAMES for m in CSV_METRICS) + "\n")
        for kind, cases in (("load", load_cases), ("latency", latency_cases)):
            for case in cases:
                if not any((case, n) in results for n in NAMES):
                    continue
                cells = []
                for n in NAMES:
                    r = results.get((case, n), {})
                    cells += [CSV_FORMATS[m].format(r[m]) if m in r else "" for m in CSV_METRICS]
                f.write(f"{case},{kind}," + ",".join(cells) + "\n")


def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "n/a"


def print_table(results, rows):
    """rows: (case, metric label, key, format). A row is printed when any
    server has the value; ratios are filehttpd's over each peer's.
    Nothing is printed when no row has a value."""
    rows = [r for r in rows if any(results.get((r[0], s), {}).get(r[2]) is not None for s in NAMES)]
    if not rows:
        return
    print("\n| case | metric | " + " | ".join(NAMES) + " | " + " | ".join(f"vs {p}" for p in PEERS) + " |")
    print("|---|---|" + "---|" * (len(NAMES) + len(PEERS)))
    for case, metric, key, fmt in rows:
        vals = [results.get((case, s), {}).get(key) for s in NAMES]
        cells = [fmt.format(v) if v is not None else "n/a" for v in vals]
        print(f"| {case} | {metric} | " + " | ".join(cells) + " | "
              + " | ".join(ratio(vals[0], v) for v in vals[1:]) + " |")


def print_goal(results, latency_cases):
    """filehttpd's latency over nginx's; the goal is mean and p99 at most 1.0x."""
    latency_cases = [c for c in latency_cases if all("mean_us" in results.get((c, s), {})
                                                     for s in ("filehttpd", "nginx"))]
    if not latency_cases:
        return
    print("\n| case | mean vs nginx | p99 vs nginx | goal: both at most 1.0x |")
    print("|---|---|---|---|")
    for case in latency_cases:
        f, n = results[(case, "filehttpd")], results[(case, "nginx")]
        met = f["mean_us"] <= n["mean_us"] and f["p99_us"] <= n["p99_us"]
        print(f"| {case} | {ratio(f['mean_us'], n['mean_us'])} | {ratio(f['p99_us'], n['p99_us'])} | "
              f"{'met' if met else 'missed'} |")


# filehttpd's CPU per request over the limit probe's, keep-alive 1 KiB: the goal.
PROBE_GOAL = 1.05


def print_probe(results, case="keepalive_1k"):
    """filehttpd's CPU per request over the limit probe's (one recv and one
    send per request, nothing else), when both ran."""
    f, p = results.get((case, "filehttpd"), {}), results.get((case, "probe"), {})
    if "cpu_us" not in f or "cpu_us" not in p:
        return
    met = f["cpu_us"] <= PROBE_GOAL * p["cpu_us"]
    print(f"\n| case | filehttpd CPU us/request | limit probe | filehttpd vs probe | goal: at most {PROBE_GOAL:.2f}x |")
    print("|---|---|---|---|---|")
    print(f"| {case} | {f['cpu_us']:.2f} | {p['cpu_us']:.2f} | {ratio(f['cpu_us'], p['cpu_us'])} | "
          f"{'met' if met else 'missed'} |")


def print_report(title, results, load_cases, latency_cases, skipped, idle_connections, notes=()):
    """The whole Markdown report on stdout; skipped: (case, server, reason);
    notes: lines printed under the tables."""
    print(f"\n{title}")
    rows = []
    for case in load_cases:
        unit = "connection" if case in PER_CONNECTION else "request"
        if case in MBPS_CASES:
            rows.append((case, "MB/s", "mbps", "{:.0f}"))
        else:
            rows += [(case, f"{unit}s/s", "rps", "{:.0f}"), (case, f"CPU us/{unit}", "cpu_us", "{:.2f}")]
    rows += [("idle_rss", f"RSS KiB, {idle_connections} idle", "rss", "{}"),
             ("syscalls", "syscalls/request", "per_req", "{:.2f}")]
    print_table(results, rows)
    rows = []
    for case in latency_cases:
        rate = "page loads/s" if case.startswith("page") else "requests/s"
        rows += [(case, "mean us", "mean_us", "{:.1f}"), (case, "p99 us", "p99_us", "{:.0f}"),
                 (case, "max us", "max_us", "{:.0f}"), (case, rate, "rps", "{:.0f}")]
    print_table(results, rows)
    print_probe(results)
    print_goal(results, [c for c in latency_cases if not c.startswith("page")])
    print_goals(results, skipped)
    notes = list(notes) + [f"idle_rss of {s}'s processes, KiB: {results[('idle_rss', s)]['parts']}" for s in NAMES
             if " + " in results.get(("idle_rss", s), {}).get("parts", "")]
    if skipped or notes:
        print()
    for note in notes:
        print(note)
    for server, reason in dict.fromkeys((s, r) for _, s, r in skipped):
        cases = ", ".join(c for c, s, r in skipped if s == server and r == reason)
        print(f"n/a: {server} in {cases}: {reason}")
