#!/bin/sh
# Installs every Debian 12 package filehttpd needs to build, test and benchmark.
# Used by the README, .ci/run and the Dockerfile build stage.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also wrk, nginx-light and lighttpd
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

BUILD_PKGS="build-essential cmake pkg-config node-llhttp libspdlog-dev libfmt-dev \
libtomlplusplus-dev libgtest-dev libsystemd-dev"
TEST_PKGS="curl systemd util-linux busybox procps python3"
BENCH_PKGS="wrk nginx-light lighttpd strace"

PKGS="$BUILD_PKGS $TEST_PKGS"
if [ "${1:-}" = "--bench" ]; then PKGS="$PKGS $BENCH_PKGS"; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
echo "install-deps: installed: $PKGS"
