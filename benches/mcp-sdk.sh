#!/usr/bin/env bash
# The MCP section of the gateway bench, with the official MCP Python SDK too:
# creates a venv in target/bench-venv with a pinned `mcp`, then runs
# `cargo bench --bench gateway mcp` with MCP_SDK_PYTHON pointing at it.
# Without Python 3, the SDK part is skipped with a message; the rest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_SDK_VERSION=2.3.0
venv=target/bench-venv

if command -v python3 >/dev/null 2>&1; then
  if ! "$venv/bin/python" -c "import mcp" 2>/dev/null \
    || [ "$("$venv/bin/pip" show mcp 2>/dev/null | sed -n 's/^Version: //p')" != "$MCP_SDK_VERSION" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "mcp==$MCP_SDK_VERSION"
  fi
  export MCP_SDK_PYTHON="$PWD/$venv/bin/python"
else
  echo "python3 not found: the Python SDK measurements are skipped" >&2
fi
exec cargo bench --bench gateway mcp
