#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and black-box tests
# (cargo nextest, once per job store: memory, SQLite, Redis), the MCP
# conformance suite and the browser tests of the web console. Installs what a
# fresh machine lacks (npm packages, Chromium, redis-server).
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check || failed+=("cargo fmt")

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings || failed+=("clippy")

step "build"
cargo build --workspace --locked --all-targets || { echo "build failed"; exit 1; }

for extra in scripts/test-*.sh; do
  [ -e "$extra" ] || continue
  step "$extra"
  bash "$extra" || failed+=("$extra")
done

# The Redis store's tests need a real redis-server: the replica tests start
# their own, the Redis pass below shares one.
step "redis-server"
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing Debian's redis-server package"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; } \
    </dev/null >/tmp/conductor-gateway-apt-redis.log 2>&1 \
    || { tail -n 20 /tmp/conductor-gateway-apt-redis.log; failed+=("redis-server install"); }
fi
command -v redis-server

step "cargo nextest"
profile=default
[ "${CI:-}" = "true" ] && profile=ci
cargo nextest run --workspace --locked --profile "$profile" --no-fail-fast
status=$?
[ $status -eq 0 ] || failed+=("nextest")

# The black-box suites again, with jobs kept in the SQLite store.
step "cargo nextest (store: sqlite)"
TEST_STORE_BACKEND=sqlite cargo nextest run --workspace --locked --profile "$profile" \
  --no-fail-fast -E 'binary(api) | binary(agent) | binary(mcp) | binary(client)' \
  || failed+=("nextest (sqlite)")

# And with jobs kept in a real Redis, on a free port, stopped afterwards.
step "cargo nextest (store: redis)"
redis_dir=$(mktemp -d)
redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" \
  >"$redis_dir/redis.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; rm -rf "$redis_dir"' EXIT
for _ in $(seq 100); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  TEST_STORE_BACKEND=redis TEST_REDIS_URL="redis://127.0.0.1:$redis_port" \
    cargo nextest run --workspace --locked --profile "$profile" --no-fail-fast \
    -E 'binary(api) | binary(agent) | binary(mcp) | binary(client)' \
    || failed+=("nextest (redis)")
else
  cat "$redis_dir/redis.log"
  failed+=("redis-server did not start")
fi
kill "$redis_pid" 2>/dev/null
wait "$redis_pid" 2>/dev/null

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
exit 0
