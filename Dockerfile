# Multi-stage build on Debian 12.
#   docker build -t filehttpd .
#   docker run --rm -p 8080:8080 -v "$PWD/site:/srv/www:ro" filehttpd
# scripts/docker-check.sh builds and runs this file without a Docker engine
# (buildah, chroot isolation), as CI does.

FROM debian:bookworm-slim AS build
WORKDIR /src
# Compilers and libraries; llhttp's C sources come out of node-llhttp's
# package file without nodejs.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN sh scripts/install-deps.sh --image-build
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DFILEHTTPD_TESTS=OFF && cmake --build build -j2 --target filehttpd

FROM debian:bookworm-slim
# The runtime libraries and curl (for HEALTHCHECK); apt's lists and caches go
# in the same layer, so the image keeps none of them.
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN sh /tmp/install-deps.sh --runtime && rm -rf /tmp/install-deps.sh /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
COPY --from=build /src/build/filehttpd /usr/local/bin/filehttpd
COPY config/filehttpd.toml /etc/filehttpd/filehttpd.toml
COPY www/ /srv/www/
WORKDIR /
USER nobody:nogroup
# 8443 for HTTPS once the config has a [tls] table. Mount the certificate and
# key read-only and point tls.certificates at them, e.g.
#   -v /srv/tls:/etc/filehttpd/tls:ro
# The server runs as nobody: the key must be readable by uid 65534 (or run
# the container as root with user = "nobody" in the config, so only the
# supervisor reads it). tls.watch reloads them when the mounted files change.
EXPOSE 8080 8443
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=2s CMD curl -fsS -o /dev/null http://127.0.0.1:8080/-/health || exit 1
ENTRYPOINT ["/usr/local/bin/filehttpd"]
CMD ["-c", "/etc/filehttpd/filehttpd.toml", "--health-path", "/-/health"]
