"""Basic authentication's CPU cost when the verification is cached: filehttpd
serves the same 1 KiB file at an open path and behind [[auth]] (a bcrypt
entry, cost 12), keep-alive, and this prints the CPU per request of each and
their ratio (issue S's target: at most 1.15). Only filehttpd: the peers'
basic auth verifies bcrypt on every request, which is a different test.

Usage: python3 tests/bench/auth_bench.py BUILD_DIR [--seconds S] [--rounds N]
The server is pinned to CPU 0 and wrk to CPU 1, as in run.sh."""
import argparse
import base64
import crypt
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load import one_round, run_wrk  # noqa: E402
from procs import free_port, wait_port  # noqa: E402


class Srv:
    """The minimum one_round() needs: the process and its port."""

    def __init__(self, proc, port):
        self.proc, self.port = proc, port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=50)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        root = os.path.join(work, "www")
        os.makedirs(os.path.join(root, "p"))
        for rel in ("1k.bin", "p/1k.bin"):
            with open(os.path.join(root, rel), "wb") as f:
                f.write(b"a" * 1024)
        users = os.path.join(work, "htpasswd")
        with open(users, "w") as f:
            f.write("alice:" + crypt.crypt("secret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 12)) + "\n")
        port = free_port()
        conf = os.path.join(work, "f.toml")
        with open(conf, "w") as f:
            f.write(f'profile = "http"\nroot = "{root}"\nlisten = ["127.0.0.1:{port}"]\n[log]\naccess = "off"\n'
                    f'[[auth]]\npath = "/p/"\nrealm = "bench"\nusers = "{users}"\n')
        proc = subprocess.Popen(["taskset", "-c", "0", os.path.join(a.build, "filehttpd"), "-c", conf],
                                stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            srv = Srv(proc, port)
            cred = ("-H", "Authorization: Basic " + base64.b64encode(b"alice:secret").decode())
            # The first request pays the bcrypt once; every later one is a cache hit.
            subprocess.run(["curl", "-sf", "-o", "/dev/null", "-u", "alice:secret", f"http://127.0.0.1:{port}/p/1k.bin"],
                           check=True)
            results = {"open": [], "auth": []}
            for _ in range(a.rounds):  # interleaved, so drift in the machine's load hits both alike
                results["open"].append(one_round(srv, lambda s: run_wrk(s.port, "/1k.bin", a.connections, a.seconds)))
                results["auth"].append(one_round(srv, lambda s: run_wrk(s.port, "/p/1k.bin", a.connections, a.seconds,
                                                                        cred)))
        finally:
            proc.terminate()
            proc.wait(10)
    med = {k: statistics.median(r["cpu_us"] for r in v) for k, v in results.items()}
    rps = {k: statistics.median(r["rps"] for r in v) for k, v in results.items()}
    bad = sum(r["non2xx"] for v in results.values() for r in v)
    print("| case | req/s | CPU us/req |\n|---|---|---|")
    for k in ("open", "auth"):
        print(f"| {k} | {rps[k]:.0f} | {med[k]:.2f} |")
    ratio = med["auth"] / med["open"]
    print(f"\ncached Basic auth / open: {ratio:.3f}x CPU per request (target <= 1.15); non-2xx: {bad}")
    return 0 if ratio <= 1.15 and bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
