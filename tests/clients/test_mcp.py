"""`orbit mcp` as a real stdio subprocess, driven by the `mcp` SDK's ClientSession: every tool is
listed with its schema and called against the real `orbit serve` of tests/clients/conftest.py."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.clients.conftest import Live, new_key, orbit

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]
TOOLS = {"search_topics", "topic_trend", "topic_movers", "analyze_site", "filter_catalogue", "preview_audience",
         "create_audience", "activate_audience", "list_audiences", "start_run_and_wait", "results_page",
         "run_changes", "export_link"}


def _session(live: Live, key: str, check: Callable[[ClientSession], Awaitable[None]]) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "orbit", "mcp"],
                                   env={"ORBIT_BASE_URL": live.base, "ORBIT_API_KEY": key, "ORBIT_LOG_LEVEL": "warning"})

    async def run() -> None:
        with anyio.fail_after(120):
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                await check(session)

    anyio.run(run)


async def _call(session: ClientSession, name: str, /, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, result.content
    data = result.structured_content
    assert isinstance(data, dict), result
    text = json.dumps(data)
    assert len(text) < 20_000, (name, len(text))  # trimmed for a model's context
    return data


async def _error(session: ClientSession, name: str, /, **arguments: Any) -> str:
    result = await session.call_tool(name, arguments)
    assert result.is_error
    return " ".join(getattr(c, "text", "") for c in result.content)


def test_tools_are_listed_with_schemas_and_descriptions(live: Live) -> None:
    async def check(session: ClientSession) -> None:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert set(tools) == TOOLS
        for tool in tools.values():
            assert tool.description and len(tool.description) > 30
            props = tool.input_schema["properties"]
            for name, prop in props.items():
                assert prop.get("description") or name in ("type",), (tool.name, name)
        assert tools["results_page"].input_schema["properties"]["limit"]["maximum"] == 50
        assert tools["preview_audience"].input_schema["required"] == ["topic_ids"]

    _session(live, live.key, check)


def test_every_tool_end_to_end(live: Live) -> None:
    async def check(session: ClientSession) -> None:
        found = await _call(session, "search_topics", query="software", limit=3)
        assert 0 < found["count"] <= 3 and found["topics"][0]["topicId"]
        movers = await _call(session, "topic_movers", direction="up", limit=5)
        topics = [m["topicId"] for m in movers["movers"]]
        trend = await _call(session, "topic_trend", topic_id=topics[0], days=2)
        assert [p["date"] for p in trend["points"]] == ["2026-11-19", "2026-11-20"]
        refused = await _error(session, "analyze_site", url="http://127.0.0.1/")  # refused before any fetch
        assert "SITE_BLOCKED" in refused or "VALIDATION_ERROR" in refused
        catalogue = await _call(session, "filter_catalogue")
        assert catalogue["count"] > 0 and all(len(f.get("values", [])) <= 10 for f in catalogue["filters"])
        key = catalogue["filters"][0]["key"]
        one = await _call(session, "filter_catalogue", key=key)
        assert one["key"] == key
        preview = await _call(session, "preview_audience", topic_ids=topics, min_score=50, sample_rows=3)
        assert preview["totalCount"] > 0 and len(preview["sample"]) <= 3 and preview["sampleMasked"]
        assert all(len(v) <= 5 for v in preview["breakdowns"].values())
        made = await _call(session, "create_audience", name="mcp audience", topic_ids=topics, min_score=50)
        audience = made["audienceId"]
        assert made["status"] == "draft"
        listed = await _call(session, "list_audiences", status="draft")
        assert audience in [a["audienceId"] for a in listed["audiences"]]
        active = await _call(session, "activate_audience", audience_id=audience)
        assert active["status"] == "active"  # activation queues the first run
        run = await _call(session, "start_run_and_wait", audience_id=audience, wait_seconds=60)
        assert run["status"] == "completed" and run["resultCount"] > 0
        second = await _call(session, "start_run_and_wait", audience_id=audience, wait_seconds=60)
        assert second["status"] == "completed" and second["runId"] != run["runId"]
        page = await _call(session, "results_page", audience_id=audience, run_id=second["runId"], limit=3)
        assert [r["rank"] for r in page["rows"]] == [1, 2, 3] and page["total"] == second["resultCount"]
        if page["total"] > 3:
            assert page["nextOffset"] == 3 and "offset=3" in page["note"]
        assert page["rows"][0]["score"] >= 50 and page["rows"][0]["company"]
        changes = await _call(session, "run_changes", audience_id=audience, run_id=second["runId"], kind="new")
        assert changes["previousRunId"] in (run["runId"], None) and changes["total"] >= 0
        link = await _call(session, "export_link", audience_id=audience, run_id=second["runId"])
        assert link["downloadUrl"] and link["rowCount"] == second["resultCount"]
        missing = await _error(session, "results_page", audience_id=audience, run_id="00000000-0000-4000-8000-000000000000")
        assert "NOT_FOUND" in missing and "request" in missing

    _session(live, live.key, check)


def test_rows_follow_what_the_api_allows_the_key(live: Live) -> None:
    """An organization without an audience plan (0 slots) gets no people rows through the tools:
    the API answers 403 and the tool says so; previews stay masked."""
    key = new_key(live.env, "No plan")
    orbit(live.env, "orgs", "set-slots", "No plan", "0", timeout=60)

    async def check(session: ClientSession) -> None:
        preview = await _call(session, "preview_audience", topic_ids=live.topics, min_score=50, sample_rows=2)
        assert preview["sampleMasked"] and all("email" not in row or not row["email"] for row in preview["sample"])
        made = await _call(session, "create_audience", name="no plan", topic_ids=live.topics, min_score=50)
        run = await _call(session, "start_run_and_wait", audience_id=made["audienceId"], wait_seconds=60)
        refused = await _error(session, "results_page", audience_id=made["audienceId"], run_id=run["runId"])
        assert "FORBIDDEN" in refused

    _session(live, key, check)


def test_without_credentials_only_public_tools_work(live: Live) -> None:
    async def check(session: ClientSession) -> None:
        assert (await _call(session, "search_topics", query="crm", limit=1))["count"] == 1
        assert "UNAUTHORIZED" in await _error(session, "list_audiences")

    _session(live, "", check)


def test_streamable_http_transport(live: Live) -> None:
    """`orbit mcp --transport streamable-http` serves the same tools at http://host:port/mcp."""
    import os
    import socket
    import subprocess
    import time

    from mcp.client.streamable_http import streamable_http_client

    from tests.e2e.test_serve import _free_port

    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORBIT_")},
           "ORBIT_BASE_URL": live.base, "ORBIT_API_KEY": live.key}
    proc = subprocess.Popen([sys.executable, "-m", "orbit", "mcp", "--transport", "streamable-http", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:  # poll until it listens
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "orbit mcp did not listen"
            time.sleep(0.1)

        async def run() -> None:
            with anyio.fail_after(60):
                async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write), \
                        ClientSession(read, write) as session:
                    await session.initialize()
                    assert {t.name for t in (await session.list_tools()).tools} == TOOLS
                    listed = await _call(session, "list_audiences")
                    assert live.audience in [a["audienceId"] for a in listed["audiences"]]

        anyio.run(run)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
