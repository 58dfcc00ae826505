#!/usr/bin/env bash
# Checks the MCP server with real third-party clients:
#   - the official conformance suite (@modelcontextprotocol/conformance), the
#     five server scenarios that fit a server with its own tools;
#   - the MCP Inspector CLI, listing the tools and calling one over
#     Streamable HTTP (/mcp) and legacy HTTP+SSE (/sse).
# It starts `target/debug/conductor-gateway serve --demo` on free loopback
# ports (building it when missing), installs the pinned Node tooling from
# tools/package-lock.json when needed, prints one summary line of its own
# (the suite's own totals stay in the log files) and exits non-zero on any
# failure.
#
# Usage: tools/mcp-conformance.sh        (from anywhere; needs cargo, npm, python3)
# Env:   MCP_CONFORMANCE_LOGS=<dir>  keep the logs there (default: a temp dir)

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
logs="${MCP_CONFORMANCE_LOGS:-$(mktemp -d -t mcp-conformance-XXXXXX)}"
mkdir -p "$logs"
scenarios=(server-initialize ping tools-list dns-rebinding-protection server-sse-multiple-streams)

binary="$root/target/debug/conductor-gateway"
if [[ ! -x "$binary" ]]; then
    (cd "$root" && cargo build --quiet)
fi

# npm ci only when the tools are missing or the lockfile changed since the last install.
if [[ ! -x "$tools/node_modules/.bin/conformance" || ! -x "$tools/node_modules/.bin/mcp-inspector-cli" \
    || "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]]; then
    npm ci --prefix "$tools" --no-audit --no-fund >"$logs/npm-ci.log" 2>&1 || {
        echo "MCP conformance: npm ci failed, see $logs/npm-ci.log" >&2
        exit 1
    }
fi
node="$tools/node_modules/.bin/node"
if ! "$node" --version | grep -q '^v22\.'; then
    echo "MCP conformance: the pinned Node 22 is missing from tools/node_modules" >&2
    exit 1
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
http_port="$(free_port)"
mcp_port="$(free_port)"
work="$(mktemp -d -t mcp-conformance-run-XXXXXX)"
printf 'server:\n  host: 127.0.0.1\n' >"$work/config.yaml"

server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The gateway reads HOST/PORT/MCP_PORT; a clean config keeps a stray ./config.yaml out.
(cd "$work" && HOST=127.0.0.1 PORT="$http_port" MCP_PORT="$mcp_port" \
    exec "$binary" serve --demo --config "$work/config.yaml") >"$logs/gateway.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$mcp_port") 2>/dev/null; then
        ready=yes
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [[ -z "$ready" ]]; then
    echo "MCP conformance: the gateway did not start, see $logs/gateway.log" >&2
    tail -n 20 "$logs/gateway.log" >&2 || true
    exit 1
fi

base="http://127.0.0.1:$mcp_port"
failed=()

for scenario in "${scenarios[@]}"; do
    log="$logs/conformance-$scenario.log"
    if timeout 120 npm exec --prefix "$tools" -- conformance server \
        --url "$base/mcp" --scenario "$scenario" >"$log" 2>&1 \
        && grep -Eq 'Passed: [0-9]+/[0-9]+, 0 failed' "$log"; then
        :
    else
        failed+=("conformance $scenario ($log)")
    fi
done

# The Inspector CLI reads its own package.json relative to the working directory.
inspector_dir="$tools/node_modules/@modelcontextprotocol/inspector-cli/build"
inspector() {
    (cd "$inspector_dir" && timeout 120 "$node" "$tools/node_modules/.bin/mcp-inspector-cli" --cli "$@")
}
# It exits 0 even when a tool returns isError, so its JSON is checked.
check_json() {
    "$node" -e '
        const out = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const check = process.argv[1];
        const ok = check === "list"
            ? Array.isArray(out.tools) && out.tools.length === 13
            : out.isError === false && out.content[0].text.includes("CodeReviewer_Agent")
              && out.structuredContent.status === "success";
        process.exit(ok ? 0 : 1);
    ' "$1"
}
inspector_checks=0
for transport in http sse; do
    path=/mcp
    [[ "$transport" == sse ]] && path=/sse
    log="$logs/inspector-$transport-list.json"
    inspector_checks=$((inspector_checks + 1))
    if ! { inspector "$base$path" --transport "$transport" --method tools/list >"$log" 2>"$log.err" \
        && check_json list <"$log"; }; then
        failed+=("inspector tools/list over $transport ($log)")
    fi
    log="$logs/inspector-$transport-call.json"
    inspector_checks=$((inspector_checks + 1))
    if ! { inspector "$base$path" --transport "$transport" --method tools/call \
        --tool-name get_agent_info --tool-arg agent_id=CodeReviewer_Agent >"$log" 2>"$log.err" \
        && check_json call <"$log"; }; then
        failed+=("inspector tools/call over $transport ($log)")
    fi
done

if ((${#failed[@]} == 0)); then
    echo "MCP conformance: OK: ${#scenarios[@]} conformance scenarios and $inspector_checks Inspector checks (logs: $logs)"
    exit 0
fi
echo "MCP conformance: FAILED: ${#failed[@]} check(s) (logs: $logs)" >&2
for f in "${failed[@]}"; do
    echo "  - $f" >&2
done
exit 1
