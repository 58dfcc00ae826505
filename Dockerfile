# syntax=docker/dockerfile:1
#
# conductor-gateway: a Rust builder stage, then a small Debian runtime that
# holds the binary, tini and CA certificates, and runs as a non-root user.
#
#   docker build -t conductor-gateway .
#   docker run --rm -p 127.0.0.1:5006:5006 conductor-gateway serve --demo
#
# A real conductor CLI runs inside this container as a child process, so
# whatever it needs (Python >= 3.11 and its packages, the `claude` CLI) must
# be in the image too: see docs/deployment.md ("The conductor CLI inside the
# container"). RUNTIME_PACKAGES adds Debian packages for that.
#
# Written without a Docker engine at hand: docs/deployment.md says what was
# checked and how.

ARG RUST_IMAGE=rust:1.95-slim-trixie
ARG RUNTIME_IMAGE=debian:trixie-slim

FROM ${RUST_IMAGE} AS builder
WORKDIR /build
# .dockerignore lets through only the manifests, src/, crates/ (the CLI double),
# the embedded web/ assets and benches/ (named in Cargo.toml, not built), so this
# copies what cargo reads.
COPY . .
# The registry and target folders are BuildKit caches: a source change does not
# refetch or rebuild every dependency. The binary is copied out of the cache
# within the same step, since cache mounts are not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked \
 && install -D -m 0755 target/release/conductor-gateway /out/conductor-gateway

FROM ${RUNTIME_IMAGE} AS runtime
ARG RUNTIME_PACKAGES=""
# tini runs as PID 1: the conductor CLI's grandchildren (provider CLIs) that
# outlive a killed process group are re-parented to PID 1, and the gateway
# does not reap processes it did not start. ca-certificates: HTTPS to the LLM.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini ${RUNTIME_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --home-dir /home/gateway \
      --create-home --shell /usr/sbin/nologin gateway \
 && mkdir -p /app /data \
 && chown gateway:gateway /data
COPY --from=builder /out/conductor-gateway /usr/local/bin/conductor-gateway
# The gateway reads ./config.yaml when present (docker-compose.yml mounts one
# here); a missing default file is fine. Inside a container the gateway must
# listen on all interfaces to be reachable through a published port; publish
# it on the host's loopback or behind a proxy (docs/deployment.md). A gateway
# bound to all interfaces refuses to start without API keys (GATEWAY_API_KEYS
# or auth.api_keys), unless auth.allow_open says otherwise.
# Jobs, their events and idempotency keys live in SQLite under /data: mount
# a volume there so they survive the container.
WORKDIR /app
ENV HOST=0.0.0.0 \
    PORT=5006 \
    MCP_PORT=8006 \
    GATEWAY_STORE__PATH=/data/gateway.db
VOLUME ["/data"]
USER gateway:gateway
EXPOSE 5006 8006
# No curl or wget in a slim image: bash's /dev/tcp sends the request. /health
# is always open and answers 200 whenever the process serves (a "degraded"
# status is still 200: the body says why).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-5006} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/conductor-gateway"]
CMD ["serve"]
