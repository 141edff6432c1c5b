#!/usr/bin/env bash
# Benchmarks filehttpd against nginx and lighttpd on this machine, in one run.
# Usage: tests/bench/run.sh [BUILD_DIR]   (needs: scripts/install-deps.sh --bench)
# Every server is pinned to CPU 0 and wrk to CPU 1; all traffic stays on loopback.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
for tool in wrk nginx lighttpd strace taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing; run scripts/install-deps.sh --bench" >&2; exit 1; }
done
[ -x "$build/filehttpd" ] || { echo "bench: $build/filehttpd not built" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"
exec python3 "$here/bench.py" --filehttpd "$build/filehttpd" --cgi-probe "$build/tests/bench_cgi" \
  --cgi-reader "$build/tests/bench_read_cgi"
