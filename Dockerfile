# Multi-stage build on Debian 12. Every RUN step below is also run by .ci/run.
#   docker build -t filehttpd .
#   docker run --rm -p 8080:8080 -v "$PWD/site:/srv/www:ro" filehttpd

FROM debian:bookworm-slim AS build
WORKDIR /src
COPY . .
RUN sh scripts/install-deps.sh
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
RUN cmake --build build -j2

FROM debian:bookworm-slim
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN sh scripts/install-deps.sh --runtime
COPY --from=build /src/build/filehttpd /usr/local/bin/filehttpd
COPY config/filehttpd.toml /etc/filehttpd/filehttpd.toml
COPY www/ /srv/www/
WORKDIR /
USER nobody:nogroup
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=2s CMD curl -fsS -o /dev/null http://127.0.0.1:8080/ || exit 1
ENTRYPOINT ["/usr/local/bin/filehttpd"]
CMD ["-c", "/etc/filehttpd/filehttpd.toml"]
