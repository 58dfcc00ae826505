#!/usr/bin/env bash
# Browser tests of the web console: Debian's Chromium driven by playwright-core
# against the real gateway (demo engine), with a mock OpenAI-compatible LLM.
#
# Installs what is missing (the chromium package, web/node_modules via npm ci),
# builds nothing (it uses target/debug/conductor-gateway, which scripts/test.sh
# builds first), starts three gateways on free ports (one with the mock LLM, one
# whose CLI double is slow, one with API keys) and the mock, runs `node --test` on web/tests/, and
# stops everything it started. Node's own report goes to test-output/web/; the
# last line printed is "web console tests: ok", or the end of that report.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

out="$root/test-output/web"
shots="$root/test-output/screenshots"
mkdir -p "$out" "$shots"
rm -f "$shots"/*.png
work=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Shows the end of a log, then one line saying what failed (always the last line).
fail() {
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "---- end of ${2#"$root"/} ----"
    tail -n "${3:-40}" "$2"
    echo "----"
  fi
  echo "web console tests: FAILED: $1"
  exit 1
}

# --- tools -------------------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium package"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } \
    </dev/null >"$out/apt.log" 2>&1 || fail "could not install chromium" "$out/apt.log"
fi
command -v node >/dev/null || fail "node is not installed"
(cd web && npm ci --no-audit --no-fund) </dev/null >"$out/npm.log" 2>&1 \
  || fail "npm ci in web/ failed" "$out/npm.log"

bin="$root/target/debug/conductor-gateway"
[ -x "$bin" ] || fail "$bin is missing: run cargo build first"
# The console is embedded in the binary: a binary older than web/ would test old assets.
newer=$(find web/index.html web/app.css web/favicon.svg web/js src/http/console.rs -newer "$bin" -print -quit)
[ -z "$newer" ] || fail "$newer is newer than $bin: run cargo build first"

# --- servers -----------------------------------------------------------------
free_ports() {
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]);
    const servers = [];
    let done = 0;
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      s.listen(0, "127.0.0.1", () => {
        if (++done === n) {
          console.log(servers.map((x) => x.address().port).join(" "));
          servers.forEach((x) => x.close());
        }
      });
    }' "$1"
}

# Waits until a URL answers, for at most ~20 s; names the log on failure.
wait_up() {
  local url=$1 log=$2 pid=$3
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "the process serving $url exited" "$log"
    sleep 0.1
  done
  fail "$url did not answer" "$log"
}

read -r llm_port http_a mcp_a http_b mcp_b http_c mcp_c <<<"$(free_ports 7)"
[ -n "$mcp_c" ] || fail "could not find free ports"

node web/tests/mock-llm.mjs --port "$llm_port" >"$out/mock-llm.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$llm_port/__control/requests" "$out/mock-llm.log" "${pids[-1]}"

cat >"$work/main.yaml" <<EOF
server:
  host: 127.0.0.1
llm:
  api_key: test-key-for-the-mock
  base_url: http://127.0.0.1:$llm_port/v1
  model: mock-model
  max_retries: 0
EOF
# The double's environment reaches it only through conductor.env.
cat >"$work/slow.yaml" <<EOF
server:
  host: 127.0.0.1
conductor:
  env:
    CONDUCTOR_DOUBLE_MODE: "slow,drip"
    CONDUCTOR_DOUBLE_DELAY_MS: "700"
    CONDUCTOR_DOUBLE_DRIP_LINES: "8"
EOF
# Keys the auth tests use (web/tests/auth.test.mjs).
cat >"$work/secured.yaml" <<EOF
server:
  host: 127.0.0.1
auth:
  api_keys:
    - {key: web-console-full-key-0001, name: web-full}
    - {key: web-console-read-key-0002, name: web-read, scopes: [read]}
EOF

PORT=$http_a MCP_PORT=$mcp_a RUST_LOG=info "$bin" serve --demo --config "$work/main.yaml" \
  >"$out/gateway.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$http_a/health" "$out/gateway.log" "${pids[-1]}"
PORT=$http_b MCP_PORT=$mcp_b RUST_LOG=info "$bin" serve --demo --config "$work/slow.yaml" \
  >"$out/gateway-slow.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$http_b/health" "$out/gateway-slow.log" "${pids[-1]}"
PORT=$http_c MCP_PORT=$mcp_c RUST_LOG=info "$bin" serve --demo --config "$work/secured.yaml" \
  >"$out/gateway-secured.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$http_c/health" "$out/gateway-secured.log" "${pids[-1]}"

# --- tests -------------------------------------------------------------------
report="$out/node-test.log"
GATEWAY_URL="http://127.0.0.1:$http_a" \
SLOW_GATEWAY_URL="http://127.0.0.1:$http_b" \
SECURED_GATEWAY_URL="http://127.0.0.1:$http_c" \
MOCK_LLM_URL="http://127.0.0.1:$llm_port" \
SCREENSHOT_DIR="$shots" \
  node --test --test-concurrency=1 --test-timeout=120000 --test-reporter=spec web/tests/ \
  </dev/null >"$report" 2>&1
status=$?

shots_taken=$(find "$shots" -name '*.png' | wc -l)
if [ $status -ne 0 ]; then
  # The spec reporter repeats the failures, with their errors, after its counts:
  # show that part only, so no test-runner summary ends this script's output.
  failures="$out/failures.log"
  sed -n '/^✖ failing tests:/,$p' "$report" >"$failures"
  [ -s "$failures" ] || cp "$report" "$failures"
  fail "node --test exited with $status (full report: ${report#"$root"/}; gateway logs beside it)" "$failures" 80
fi
# The spec reporter marks a skipped test with "﹣"; say so rather than hide it.
if grep -qE '^\s*﹣' "$report"; then
  echo "note: some web console tests were skipped (${report#"$root"/}):"
  grep -E '^\s*﹣' "$report" | sed 's/^ */  /'
fi
echo "screenshots: $shots_taken in ${shots#"$root"/}/"
echo "web console tests: ok"
