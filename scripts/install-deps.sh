#!/bin/sh
# Installs the Debian 12 packages filehttpd needs. The README, .ci/run and the
# Dockerfile all use this script.
#   scripts/install-deps.sh            what building and serving need (compilers,
#                                      libraries, GoogleTest for the default build)
#   scripts/install-deps.sh --test     also the tools the test suite runs (curl, php-cgi,
#                                      git, busybox, systemd, mandoc, python3, ...)
#   scripts/install-deps.sh --bench    also the test tools, wrk, h2load, nginx-light, lighttpd, h2o, caddy and strace
#   scripts/install-deps.sh --runtime  only what the built binary needs to run
#   scripts/install-deps.sh --fuzz     also clang and libFuzzer for tests/fuzz
#   scripts/install-deps.sh --browser  also chromium for the demo-site browser test
#   scripts/install-deps.sh --deploy   also haproxy (rolling-restart test), buildah and
#                                      mmdebstrap (scripts/docker-check.sh), and the npm
#                                      packages that validate deploy/kubernetes offline
#   scripts/install-deps.sh --image-build
#                                      the Dockerfile's build stage: compilers and
#                                      libraries, and llhttp's C sources without nodejs
#   scripts/install-deps.sh --list [GROUP...]
#                                      prints the packages the groups would install, installs nothing
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

RUNTIME_PKGS="libspdlog1.10 libfmt9 libtomlplusplus3 libsystemd0 libssl3 libnghttp2-14 zlib1g libzstd1 libbrotli1 libcrypt1 media-types curl"
# media-types: /etc/mime.types, which the server reads for content types beyond its built-in table.
BUILD_PKGS="build-essential cmake pkg-config node-llhttp libspdlog-dev libfmt-dev libtomlplusplus-dev libgtest-dev libsystemd-dev libssl-dev libnghttp2-dev zlib1g-dev libzstd-dev libbrotli-dev libcrypt-dev media-types"
# ccache lets .ci/run reuse compiled objects between runs; libseccomp-dev builds
# tests/support/seccomp_run; the rest are programs the tests run.
TEST_PKGS="ccache libseccomp-dev curl openssl systemd util-linux busybox procps python3 python3-prometheus-client php8.2-cgi git mandoc nghttp2-client python3-h2 sslscan testssl.sh pebble certbot gzip zstd brotli"
BENCH_PKGS="wrk nginx-light lighttpd lighttpd-mod-openssl h2o caddy nghttp2-client strace gnuplot-nox"
FUZZ_PKGS="clang-14 libfuzzer-14-dev"
BROWSER_PKGS="chromium"
DEPLOY_PKGS="haproxy buildah mmdebstrap"
# node-llhttp is left out: it depends on nodejs, and only its C sources are needed.
IMAGE_BUILD_PKGS="build-essential cmake pkg-config libspdlog-dev libfmt-dev libtomlplusplus-dev libsystemd-dev libssl-dev libnghttp2-dev zlib1g-dev libzstd-dev libbrotli-dev libcrypt-dev"
# npm packages for the manifest validation, pinned, in their own prefix
# (kubernetes-models 4.x: CommonJS, for the Node.js 18-20 of Debian 12 and this machine).
NPM_PREFIX="${FILEHTTPD_NPM_PREFIX:-/opt/filehttpd-npm}"
NPM_PKGS="kubernetes-models@4.5.1 js-yaml@4.1.0"

# Options add groups; several may be given (--browser --deploy).
PKGS=""
EXTRA=""
LIST=""
for opt in "$@"; do
  case "$opt" in
    --list) LIST=1 ;;
    --test) PKGS="$PKGS $BUILD_PKGS $TEST_PKGS" ;;
    --runtime) PKGS="$PKGS $RUNTIME_PKGS" ;;
    --bench) PKGS="$PKGS $BUILD_PKGS $TEST_PKGS $BENCH_PKGS" ;;
    --fuzz) PKGS="$PKGS $BUILD_PKGS $TEST_PKGS $FUZZ_PKGS" ;;
    --browser) PKGS="$PKGS $BUILD_PKGS $TEST_PKGS $BROWSER_PKGS" ;;
    --deploy) PKGS="$PKGS $BUILD_PKGS $TEST_PKGS $DEPLOY_PKGS" EXTRA="$EXTRA npm" ;;
    --image-build) PKGS="$PKGS $IMAGE_BUILD_PKGS" EXTRA="$EXTRA llhttp" ;;
    *) echo "usage: $0 [--list] [--test|--runtime|--bench|--fuzz|--browser|--deploy|--image-build]..." >&2; exit 2 ;;
  esac
done
# No group named: what building and serving need.
[ -z "$PKGS" ] && PKGS="$BUILD_PKGS"
# Each package once, in order.
PKGS=$(echo $PKGS | tr ' ' '\n' | awk '!seen[$0]++' | tr '\n' ' ')
if [ -n "$LIST" ]; then
  echo "$PKGS"
  case "$EXTRA" in *npm*) echo "npm: $NPM_PKGS" ;; esac
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
echo "install-deps: installed: $PKGS"

case "$EXTRA" in
  *llhttp*)
    # The llhttp C sources, unpacked from node-llhttp without installing it (or nodejs).
    tmp=$(mktemp -d)
    (cd "$tmp" && $SUDO apt-get download -qq node-llhttp && $SUDO dpkg -x node-llhttp_*.deb /)
    rm -rf "$tmp"
    echo "install-deps: unpacked node-llhttp's C sources into /usr/share/llhttp and /usr/share/include/llhttp"
    ;;
esac
case "$EXTRA" in
  *npm*)
    if ! command -v npm >/dev/null 2>&1; then
      $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    fi
    $SUDO mkdir -p "$NPM_PREFIX"
    # shellcheck disable=SC2086
    $SUDO npm install --silent --no-audit --no-fund --prefix "$NPM_PREFIX" $NPM_PKGS
    echo "install-deps: npm packages in $NPM_PREFIX: $NPM_PKGS"
    ;;
esac
