#!/usr/bin/env bash
# The MCP server against real third-party clients: the official conformance
# suite and the MCP Inspector CLI (tools/mcp-conformance.sh does the work).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash tools/mcp-conformance.sh
