#!/usr/bin/env bash
# Benchmarks filehttpd against nginx, lighttpd, h2o and caddy on this machine, in one run.
# Usage: tests/bench/run.sh [BUILD_DIR [--only CASES]]   (needs: scripts/install-deps.sh --bench,
#        and for lighttpd's TLS cases Debian's lighttpd-mod-openssl)
#   BENCH_QUICK=1 tests/bench/run.sh   one 1 s round per case and server (about 2 minutes):
#                                      checks the machinery end to end; its figures mean little
#   BENCH_ONLY=tls,h2,s tests/bench/run.sh   only these groups or cases (groups: h1, the
#                                      HTTP/1.1 cases before this round; tls; h2; s)
# keepalive_1k also runs the limit probe (limit_probe.c: one recv and one send
# per request, nothing else), and filehttpd's CPU per request over it is reported.
# Prints a Markdown table; writes BUILD_DIR/bench.csv and the chart BUILD_DIR/bench.png.
# Every server is pinned to CPU 0 and wrk to CPU 1; all traffic stays on loopback.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
shift || true
for tool in wrk h2load nginx lighttpd h2o caddy curl openssl strace taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing; run scripts/install-deps.sh --bench" >&2; exit 1; }
done
[ -x "$build/filehttpd" ] || { echo "bench: $build/filehttpd not built" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"
opts=()
[ "${BENCH_QUICK:-0}" = 1 ] && opts=(--quick)
[ -n "${BENCH_ONLY:-}" ] && opts+=(--only "$BENCH_ONLY")
python3 "$here/bench.py" --filehttpd "$build/filehttpd" --cgi-probe "$build/tests/bench_cgi" \
  --cgi-reader "$build/tests/bench_read_cgi" --limit-probe "$build/tests/bench_limit_probe" \
  --tls-client "$build/tests/bench_tls_client" --csv "$build/bench.csv" "${opts[@]}" "$@"
# The chart: grouped bars of CPU per request, requests/s written on each bar;
# below them the latency cases, bars of mean latency up to p99.
if command -v gnuplot >/dev/null; then
  rm -f "$build/bench.png"
  gnuplot -e "csv='$build/bench.csv'; png='$build/bench.png'" "$here/chart.gp"
  [ -f "$build/bench.png" ] && echo "bench: chart in $build/bench.png" >&2
  echo "bench: data in $build/bench.csv" >&2
else
  echo "bench: gnuplot is missing (install-deps.sh --bench installs gnuplot-nox); no chart" >&2
fi
