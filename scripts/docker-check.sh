#!/usr/bin/env bash
# Builds the Docker image without a Docker engine and runs it, as CI does:
#  1. a base made with mmdebstrap (minbase bookworm), committed with buildah
#     as debian:bookworm-slim (once; kept in buildah's vfs storage);
#  2. the Dockerfile built with buildah bud (chroot isolation, no pulls);
#  3. the image's own entrypoint and command run in a container on a free
#     loopback port: the demo page, the CGI and the health path must answer
#     as expected, the server must run as nobody, and SIGTERM must end it
#     with exit status 0;
#  4. the image's size over the base is printed, and checked against 25 MB.
# Needs root, buildah and mmdebstrap (scripts/install-deps.sh --deploy).
set -euo pipefail
cd "$(dirname "$0")/.."
export STORAGE_DRIVER=vfs
work="${DOCKER_CHECK_DIR:-$PWD/build/docker-check}"
mkdir -p "$work"
max_extra_mb="${DOCKER_CHECK_MAX_MB:-25}"

say() { echo "docker-check: $*"; }
fail() {
  echo "docker-check: FAILED: $*" >&2
  exit 1
}

# 1. The base image.
if ! buildah inspect --type image debian:bookworm-slim >/dev/null 2>&1; then
  say "making debian:bookworm-slim with mmdebstrap --variant=minbase bookworm"
  [ -s "$work/base.tar" ] || mmdebstrap --quiet --variant=minbase bookworm "$work/base.tar"
  base_ctr=$(buildah from scratch)
  buildah add --quiet "$base_ctr" "$work/base.tar" / >/dev/null
  buildah commit --quiet "$base_ctr" debian:bookworm-slim >/dev/null
  buildah rm "$base_ctr" >/dev/null
fi

# 2. The image.
say "building the image (buildah bud --isolation chroot)"
start=$(date +%s)
buildah bud --quiet --isolation chroot --pull=never --format docker -t filehttpd . > "$work/bud.log" 2>&1 ||
  { tail -n 40 "$work/bud.log" >&2; fail "buildah bud"; }
say "built in $(($(date +%s) - start)) s"
buildah rmi --prune >/dev/null 2>&1 || true  # earlier builds' images, now untagged

# 3. Run the image's entrypoint and command, on a free port instead of 8080.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The image's config: user, HEALTHCHECK command, then entrypoint and command, one per line.
mapfile -t conf < <(buildah inspect --type image filehttpd | python3 -c '
import json, sys
c = json.load(sys.stdin)["Docker"]["config"]
test = (c.get("Healthcheck") or {}).get("Test") or ["", ""]
print(c.get("User") or "root")
print(test[1] if test[0] == "CMD-SHELL" else " ".join(test[1:]))
for a in (c.get("Entrypoint") or []) + (c.get("Cmd") or []):
    print(a)')
user=${conf[0]}
check_cmd=${conf[1]}
argv=("${conf[@]:2}")
[ "${#argv[@]}" -ge 1 ] || fail "the image has no entrypoint"
say "entrypoint and command: ${argv[*]}; user $user; HEALTHCHECK $check_cmd"
case "$check_cmd" in *"/-/health"*) ;; *) fail "HEALTHCHECK does not use the health path" ;; esac

ctr=$(buildah from --pull=never filehttpd)
cleanup() {
  [ -n "${run_pid:-}" ] && kill "$run_pid" 2>/dev/null || true
  buildah rm "$ctr" >/dev/null 2>&1 || true
}
trap cleanup EXIT
buildah run --isolation chroot --user "$user" "$ctr" -- "${argv[@]}" --listen "127.0.0.1:$port" > "$work/run.log" 2>&1 &
run_pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  kill -0 "$run_pid" 2>/dev/null || { cat "$work/run.log" >&2; fail "the container exited at start"; }
  sleep 0.1
done

page=$(curl -fsS "http://127.0.0.1:$port/") || fail "GET / failed"
case "$page" in *"<title>filehttpd demo"*) ;; *) fail "GET / is not the demo page" ;; esac
cgi=$(curl -fsS "http://127.0.0.1:$port/cgi-bin/hello.sh/x?y=1") || fail "the CGI failed"
[ "$(printf '%s\n' "$cgi" | head -n 1)" = "Hello from a CGI script." ] || fail "the CGI said: $cgi"
printf '%s\n' "$cgi" | grep -qx 'QUERY_STRING=y=1' || fail "the CGI saw no QUERY_STRING: $cgi"
# The image's own HEALTHCHECK command, pointed at this port.
sh -c "${check_cmd//:8080/:$port}" || fail "the HEALTHCHECK command failed: $check_cmd"
say "GET / (the demo page), the CGI and the health check answer"

server=$(pgrep -o -f -- "^${argv[0]} .*--listen 127.0.0.1:$port\$") || fail "no server process"
uid=$(awk '/^Uid:/ {print $2}' "/proc/$server/status")
[ "$uid" = "$(id -u nobody)" ] || fail "the server runs as uid $uid, not nobody"
kill -TERM "$server"
status=0
wait "$run_pid" || status=$?
run_pid=""
[ "$status" -eq 0 ] || { cat "$work/run.log" >&2; fail "exit status $status after SIGTERM"; }
say "SIGTERM: exit status 0"

# 4. Size: the bytes of the image's file tree over the base's.
tree_bytes() {
  local c m b
  c=$(buildah from --pull=never "$1")
  m=$(buildah mount "$c")
  b=$(du -sb "$m" | cut -f1)
  buildah umount "$c" >/dev/null
  buildah rm "$c" >/dev/null
  echo "$b"
}
bytes=$(tree_bytes filehttpd)
base_bytes=$(tree_bytes debian:bookworm-slim)
extra=$((bytes - base_bytes))
say "image $((bytes / 1000000)) MB, debian:bookworm-slim $((base_bytes / 1000000)) MB: the image adds $((extra / 1000)) kB (goal: at most $max_extra_mb MB)"
[ "$extra" -le $((max_extra_mb * 1000000)) ] || fail "the image adds more than $max_extra_mb MB"
say "ok"
