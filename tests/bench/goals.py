"""The goal tables of issues O (TLS), P (HTTP/2) and S (compression, auth):
each goal a ratio of two results of one run against a bound."""
# issue, what, numerator (case, server, metric), denominator, "<=" / ">=" / "<", bound.
# per_cpu_s is 1e6 / cpu_us: connections (handshakes) per CPU-second.
GOALS = [
    ("O", "keep-alive 1 KiB over TLS, CPU/request vs lighttpd",
     ("tls_keepalive_1k", "filehttpd", "cpu_us"), ("tls_keepalive_1k", "lighttpd", "cpu_us"), "<=", 0.85),
    ("O", "keep-alive 1 KiB over TLS, CPU/request vs nginx",
     ("tls_keepalive_1k", "filehttpd", "cpu_us"), ("tls_keepalive_1k", "nginx", "cpu_us"), "<=", 0.75),
    ("O", "full ECDSA handshakes per CPU-second vs nginx",
     ("tls_handshake_full", "filehttpd", "per_cpu_s"), ("tls_handshake_full", "nginx", "per_cpu_s"), ">=", 1.1),
    ("O", "64 MiB over TLS, MB/s vs nginx",
     ("tls_file_64m", "filehttpd", "mbps"), ("tls_file_64m", "nginx", "mbps"), ">=", 1.0),
    ("O", "resumed handshake, CPU/connection vs a full one (TLS 1.3: both do ECDHE)",
     ("tls_handshake_resumed", "filehttpd", "cpu_us"), ("tls_handshake_full", "filehttpd", "cpu_us"), "<=", 0.3),
    ("O", "resumed handshake, CPU/connection vs a full one (TLS 1.2)",
     ("tls12_handshake_resumed", "filehttpd", "cpu_us"), ("tls12_handshake_full", "filehttpd", "cpu_us"), "<=", 0.3),
    ("P", "h2 1 KiB (8x10), CPU/request vs h2o", ("h2_1k", "filehttpd", "cpu_us"), ("h2_1k", "h2o", "cpu_us"),
     "<=", 0.9),
    ("P", "h2 1 KiB (8x10), CPU/request vs nginx", ("h2_1k", "filehttpd", "cpu_us"), ("h2_1k", "nginx", "cpu_us"),
     "<=", 0.7),
    ("P", "h2c 1 KiB (8x10), CPU/request vs h2o", ("h2c_1k", "filehttpd", "cpu_us"), ("h2c_1k", "h2o", "cpu_us"),
     "<=", 0.9),
    ("P", "h2c 1 KiB (8x10), CPU/request vs nginx", ("h2c_1k", "filehttpd", "cpu_us"),
     ("h2c_1k", "nginx", "cpu_us"), "<=", 0.7),
    ("P", "64 MiB over h2c, MB/s vs nginx", ("h2c_file_64m", "filehttpd", "mbps"), ("h2c_file_64m", "nginx", "mbps"),
     ">=", 1.0),
    ("P", "page of 40 assets, one h2 connection vs six HTTP/1.1 (mean wall time)",
     ("page40_h2", "filehttpd", "mean_us"), ("page40_h1x6", "filehttpd", "mean_us"), "<", 1.0),
    ("S", "gzip 200 KiB JS from the cache, CPU/request vs nginx gzip on",
     ("gzip_js_200k", "filehttpd", "cpu_us"), ("gzip_js_200k", "nginx", "cpu_us"), "<=", 0.5),
    ("S", "gzip 200 KiB JS from the cache, CPU/request vs our identity file",
     ("gzip_js_200k", "filehttpd", "cpu_us"), ("identity_js_200k", "filehttpd", "cpu_us"), "<=", 1.1),
    ("S", "basic auth (cached), CPU/request vs the same file without auth",
     ("auth_1k", "filehttpd", "cpu_us"), ("noauth_1k", "filehttpd", "cpu_us"), "<=", 1.15),
]
TESTS = {"<=": lambda r, b: r <= b, ">=": lambda r, b: r >= b, "<": lambda r, b: r < b}


def value(results, key):
    case, server, metric = key
    r = results.get((case, server), {})
    if metric == "per_cpu_s":
        return 1e6 / r["cpu_us"] if r.get("cpu_us") else None
    return r.get(metric)


def print_goals(results, skipped):
    """One table of the goals whose cases ran; a goal missing a figure says
    n/a with the reason the case was skipped for that server."""
    why = {(c, s): r for c, s, r in skipped}
    ran = {c for c, _ in results} | {c for c, _, _ in skipped}
    goals = [g for g in GOALS if g[2][0] in ran or g[3][0] in ran]
    if not goals:
        return
    print("\n| issue | goal | filehttpd | against | ratio | bound | |")
    print("|---|---|---|---|---|---|---|")
    for issue, what, num, den, op, bound in goals:
        a, b = value(results, num), value(results, den)
        if a is None or not b:
            gone = num if a is None else den
            reason = why.get(gone[:2], "not run")
            print(f"| {issue} | {what} | {fmt(a)} | {fmt(b)} | n/a | {op} {bound} | "
                  f"n/a: {gone[1]} {gone[0]}: {reason} |")
            continue
        met = "met" if TESTS[op](a / b, bound) else "missed"
        print(f"| {issue} | {what} | {fmt(a)} | {fmt(b)} | {a / b:.2f}x | {op} {bound} | {met} |")


def fmt(v):
    return "n/a" if v is None else f"{v:.2f}" if v < 100 else f"{v:.0f}"
