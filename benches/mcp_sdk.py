"""MCP tool-call latency through the official MCP Python SDK (`mcp`, pinned by
benches/mcp-sdk.sh), on each transport, with and without a progress token.

Run by the `mcp` section of benches/gateway.rs, which starts the gateway and
passes: the Streamable HTTP URL, the legacy SSE URL, the gateway binary (for
stdio, `mcp --stdio --demo`) and the number of calls. Prints one JSON object
per transport: {"transport", "without_token_ms", "with_token_ms", "ping_ms",
"runs"}: medians of wall-clock time per `call_tool`, and per `ping` (the
SDK's own round trip through the transport, with no tool), in milliseconds.
"""

import asyncio
import json
import statistics
import sys
import time

from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

TOOL = "list_available_agents"


async def on_progress(progress, total, message):
    pass


async def measure(session: ClientSession, runs: int) -> tuple[float, float, float]:
    await session.initialize()
    for _ in range(10):
        await session.call_tool(TOOL, {})
    pings = []
    for _ in range(runs):
        start = time.perf_counter()
        await session.send_ping()
        pings.append(time.perf_counter() - start)
    without, with_token = [], []
    for _ in range(runs):
        start = time.perf_counter()
        result = await session.call_tool(TOOL, {})
        without.append(time.perf_counter() - start)
        assert not result.is_error, result
        start = time.perf_counter()
        result = await session.call_tool(TOOL, {}, progress_callback=on_progress)
        with_token.append(time.perf_counter() - start)
        assert not result.is_error, result
    return (
        statistics.median(without) * 1000,
        statistics.median(with_token) * 1000,
        statistics.median(pings) * 1000,
    )


def report(transport: str, runs: int, figures: tuple[float, float, float]) -> None:
    print(
        json.dumps(
            {
                "transport": transport,
                "without_token_ms": round(figures[0], 3),
                "with_token_ms": round(figures[1], 3),
                "ping_ms": round(figures[2], 3),
                "runs": runs,
            }
        ),
        flush=True,
    )


async def main() -> None:
    mcp_url, sse_url, exe, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    async with streamable_http_client(mcp_url) as (read, write):
        async with ClientSession(read, write) as session:
            report("streamable-http", runs, await measure(session, runs))

    async with sse_client(sse_url) as (read, write):
        async with ClientSession(read, write) as session:
            report("legacy-sse", runs, await measure(session, runs))

    server = StdioServerParameters(command=exe, args=["mcp", "--stdio", "--demo"])
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            report("stdio", runs, await measure(session, runs))


if __name__ == "__main__":
    asyncio.run(main())
