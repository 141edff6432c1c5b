#!/bin/sh
# Installs the Debian 12 packages filehttpd needs. The README, .ci/run and the
# Dockerfile all use this script.
#   scripts/install-deps.sh            build and test dependencies
#   scripts/install-deps.sh --bench    also wrk, nginx-light, lighttpd and strace
#   scripts/install-deps.sh --runtime  only what the built binary needs to run
#   scripts/install-deps.sh --fuzz     also clang and libFuzzer for tests/fuzz
#   scripts/install-deps.sh --browser  also chromium for the demo-site browser test
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

RUNTIME_PKGS="libspdlog1.10 libfmt9 libtomlplusplus3 libsystemd0 curl ca-certificates"
BUILD_PKGS="build-essential cmake pkg-config node-llhttp libspdlog-dev libfmt-dev libtomlplusplus-dev libgtest-dev libsystemd-dev libseccomp-dev"
TEST_PKGS="curl systemd util-linux busybox procps python3 python3-prometheus-client media-types php8.2-cgi git mandoc"
BENCH_PKGS="wrk nginx-light lighttpd strace gnuplot-nox"
FUZZ_PKGS="clang-14 libfuzzer-14-dev"
BROWSER_PKGS="chromium"

case "${1:-}" in
  --runtime) PKGS="$RUNTIME_PKGS" ;;
  --bench) PKGS="$BUILD_PKGS $TEST_PKGS $BENCH_PKGS" ;;
  --fuzz) PKGS="$BUILD_PKGS $TEST_PKGS $FUZZ_PKGS" ;;
  --browser) PKGS="$BUILD_PKGS $TEST_PKGS $BROWSER_PKGS" ;;
  "") PKGS="$BUILD_PKGS $TEST_PKGS" ;;
  *) echo "usage: $0 [--runtime|--bench|--fuzz|--browser]" >&2; exit 2 ;;
esac

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
echo "install-deps: installed: $PKGS"
