"""The MCP server's tools: each calls the Orbit API through the SDK (`orbit_client.AsyncClient`)
with the configured credentials, so the API's authentication, organization scoping, masking and
rate limits apply unchanged. Answers are trimmed for a model's context: a few rows and the most
useful fields, with counts and a note on how to get more. Opens no store; reads no environment
(its settings come from `orbit.settings.McpSettings`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from orbit.settings import McpSettings
from orbit_client import ApiError, AsyncClient, OrbitError, RetryPolicy
from orbit_client.models import ChangeRow, ResultRow, RunRead

INSTRUCTIONS = """Orbit finds people researching a subject right now (B2B intent data).
Typical flow: search_topics (or analyze_site) -> preview_audience with topic ids and filters from
filter_catalogue -> create_audience -> start_run_and_wait -> results_page / run_changes ->
export_link for the whole list as CSV. Ids come from earlier answers; never invent them."""

TopicId = Annotated[int, Field(ge=1, le=4_294_967_295, description="A topic id from search_topics, topic_movers or analyze_site")]
TopicIds = Annotated[list[TopicId], Field(min_length=1, max_length=250, description="1 to 250 distinct topic ids")]
TopicType = Annotated[Literal["b2b", "b2c", "both"] | None, Field(description="Only B2B or B2C topics; both or null: no filter")]
Score = Annotated[int | None, Field(ge=50, le=99, description="Intent score bound, 50..99 (default min 70, max 99)")]
Overlap = Annotated[int | None, Field(ge=1, le=250, description="How many of the topics a person must research (default 1)")]
Filters = Annotated[dict[str, Any] | None, Field(description=(
    "ICP filters by key from filter_catalogue, e.g. {\"role.seniority\": {\"values\": [\"Director\"]}, "
    "\"company.size\": {\"values\": [\"51-200\"]}}; keys are ANDed, values inside one key ORed"))]
AudienceId = Annotated[str, Field(min_length=1, max_length=64, description="An audience id (create_audience, list_audiences)")]
RunId = Annotated[str, Field(min_length=1, max_length=64, description="A run id (start_run_and_wait)")]
Limit = Annotated[int, Field(ge=1, le=50, description="Rows to return (1..50)")]
Offset = Annotated[int, Field(ge=0, le=300_000, description="Rows to skip: the `nextOffset` of the previous answer")]

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
BREAKDOWN_VALUES = 5  # per dimension in a preview: the head of each top-10 list is what a model uses
CATALOGUE_VALUES = 10  # values per filter key in the catalogue overview


def _row(row: ResultRow | ChangeRow) -> dict[str, Any]:
    """A person as a model needs it: who, where, how strong; contact fields only as the API sent them."""
    company = row.company
    out: dict[str, Any] = {
        "rank": row.rank,
        "hashedEmail": row.hashed_email,
        "name": row.full_name or " ".join(p for p in (row.first_name, row.last_name) if p) or None,
        "jobTitle": row.job_title,
        "seniority": row.seniority,
        "department": row.department,
        "company": {"name": company.name, "domain": company.domain, "industry": company.industry,
                    "size": company.size},
        "location": ", ".join(p for p in (row.city, row.state, row.country) if p) or None,
        "email": row.business_email or row.email,
        "linkedinUrl": row.linkedin_url,
        "score": row.intent.score,
        "topicOverlap": row.intent.topic_overlap,
        "matchedTopics": [t.topic_name for t in row.intent.matched_topics],
    }
    return {k: v for k, v in out.items() if v not in (None, [], "")}


def _filter(entry: dict[str, Any], *, values: int) -> dict[str, Any]:
    """A catalogue filter without its UI hints: key, type, how to write it, its commonest values."""
    listed = entry.get("values") or []
    out = {"key": entry.get("key"), "label": entry.get("label"), "group": entry.get("group"), "type": entry.get("type"),
           "operators": entry.get("operators") or None, "modes": entry.get("modes"), "range": entry.get("range"),
           "values": [{"value": v.get("value"), "count": v.get("count")} for v in listed[:values]] or None,
           "valueCount": len(listed) or None}
    return {k: v for k, v in out.items() if v is not None}


def _run(run: RunRead) -> dict[str, Any]:
    out = {"runId": run.id, "audienceId": run.audience_id, "status": run.status, "dataDate": str(run.data_date),
           "resultCount": run.result_count, "candidateCount": run.candidate_count,
           "errorMessage": run.error_message}
    return {k: v for k, v in out.items() if v is not None}


def _more(total: int, offset: int, shown: int) -> dict[str, Any]:
    """Paging fields and a note: how many rows exist and how to get the next ones."""
    nxt = offset + shown
    if nxt >= total:
        return {"total": total, "offset": offset, "returned": shown}
    return {"total": total, "offset": offset, "returned": shown, "nextOffset": nxt,
            "note": f"{total - nxt} more rows: call again with offset={nxt}, or export_link for all of them"}


def _config(topic_ids: list[int], min_score: int | None, max_score: int | None, min_topic_overlap: int | None,
            filters: dict[str, Any] | None) -> dict[str, Any]:
    config: dict[str, Any] = {"topicIds": topic_ids, "minScore": min_score, "maxScore": max_score,
                              "minTopicOverlap": min_topic_overlap, "filters": filters}
    return {k: v for k, v in config.items() if v is not None}


def _failure(exc: OrbitError) -> ToolError:
    """An API error in words a model can act on (code, message, details, request id)."""
    if isinstance(exc, ApiError):
        details = f" details={exc.details}" if exc.details else ""
        return ToolError(f"{exc.code}: {exc.message}{details} (HTTP {exc.status}, request {exc.request_id})")
    return ToolError(f"{type(exc).__name__}: {exc}")


def build_server(settings: McpSettings, *, log_level: LogLevel = "WARNING") -> MCPServer[Any]:
    """The server; its tools share one API client, closed when the server stops."""
    api = AsyncClient(
        settings.base_url,
        api_key=settings.api_key.get_secret_value() if settings.api_key else None,
        bearer_token=settings.bearer_token.get_secret_value() if settings.bearer_token else None,
        timeout=settings.mcp_timeout_seconds,
        retry=RetryPolicy(max_retries=3, max_retry_after=30.0),
    )
    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await api.aclose()  # in the server's event loop, which owns the client's connections

    server: MCPServer[Any] = MCPServer("orbit", instructions=INSTRUCTIONS, lifespan=lifespan, log_level=log_level)
    wait_cap = settings.mcp_wait_seconds

    @server.tool()
    async def search_topics(
        query: Annotated[str, Field(min_length=1, max_length=100, description="Words describing what people research, e.g. 'payroll software'")],
        type: TopicType = None,
        limit: Annotated[int, Field(ge=1, le=25, description="Topics to return (1..25)")] = 10,
    ) -> dict[str, Any]:
        """Find intent topics by keywords; returns topic ids with names and industry, best match first."""
        try:
            topics = await api.search_topics(query, type=type, limit=limit)
        except OrbitError as exc:
            raise _failure(exc) from exc
        return {"topics": [{"topicId": t.topic_id, "topicName": t.topic_name, "type": t.type, "industry": t.industry,
                            "category": t.category} for t in topics], "count": len(topics)}

    @server.tool()
    async def topic_trend(
        topic_id: TopicId,
        days: Annotated[int, Field(ge=1, le=90, description="Data dates to cover, newest last (1..90)")] = 30,
    ) -> dict[str, Any]:
        """How many people researched one topic on each of the last `days` data dates."""
        try:
            points = await api.topic_trend(topic_id, days=days)
        except OrbitError as exc:
            raise _failure(exc) from exc
        return {"topicId": topic_id, "points": [p.model_dump(mode="json", by_alias=True) for p in points]}

    @server.tool()
    async def topic_movers(
        direction: Annotated[Literal["up", "down"], Field(description="up: growing topics; down: shrinking")] = "up",
        type: TopicType = None,
        limit: Annotated[int, Field(ge=1, le=25, description="Topics to return (1..25)")] = 10,
    ) -> dict[str, Any]:
        """Topics whose audience changed most from the day before to the newest data date."""
        try:
            movers = await api.topic_movers(direction=direction, type=type, limit=limit)
        except OrbitError as exc:
            raise _failure(exc) from exc
        return {"movers": [{"topicId": m.topic_id, "topicName": m.topic_name, "industry": m.industry,
                            "todayAudience": m.today_audience, "yesterdayAudience": m.yesterday_audience,
                            "pctChange": m.pct_change} for m in movers], "count": len(movers)}

    @server.tool()
    async def analyze_site(
        url: Annotated[str, Field(min_length=10, max_length=2048, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://",
                                  description="A public http(s) website, e.g. https://example.com")],
    ) -> dict[str, Any]:
        """Read a website and return the intent topics that match what it sells (top 10)."""
        try:
            site = await api.analyze_site(url)
        except OrbitError as exc:
            raise _failure(exc) from exc
        topics = [t.model_dump(mode="json", by_alias=True) for t in site.topics]
        return {"company": site.company, "summary": site.summary, "confidence": site.confidence,
                "topics": topics[:10], "topicCount": len(topics)}

    @server.tool()
    async def filter_catalogue(
        key: Annotated[str | None, Field(max_length=100, description="One filter key for all its values; omit for the overview")] = None,
    ) -> dict[str, Any]:
        """ICP filter keys (company, role, geography, contactability, ...) with their type and values."""
        try:
            catalogue = await api.get_filters()
        except OrbitError as exc:
            raise _failure(exc) from exc
        entries = [{**f, "group": g.get("key")} for g in catalogue.get("groups") or [] for f in g.get("filters") or []]
        if key is not None:
            for entry in entries:
                if entry.get("key") == key:
                    return _filter(entry, values=100)
            raise ToolError(f"no filter key {key!r}; call filter_catalogue without a key for the list")
        overview = [_filter(entry, values=CATALOGUE_VALUES) for entry in entries]
        return {"filters": overview, "count": len(overview),
                "note": "values are listed most common first; call with key=... for up to 100 values of one filter"}

    @server.tool()
    async def preview_audience(
        topic_ids: TopicIds, min_score: Score = None, max_score: Score = None, min_topic_overlap: Overlap = None,
        filters: Filters = None,
        sample_rows: Annotated[int, Field(ge=0, le=20, description="Masked sample people to include (0..20)")] = 5,
    ) -> dict[str, Any]:
        """Size of an audience (how many people match now), its top industries, seniorities, ... and a
        few masked sample people. Saves nothing."""
        try:
            preview = await api.preview(_config(topic_ids, min_score, max_score, min_topic_overlap, filters))
        except OrbitError as exc:
            raise _failure(exc) from exc
        sample = [row.model_dump(mode="json", by_alias=True, exclude_none=True) for row in preview.sample[:sample_rows]]
        return {"totalCount": preview.total_count, "dataDate": str(preview.data_date),
                "breakdowns": {dim: [{"value": b.value, "count": b.count} for b in buckets[:BREAKDOWN_VALUES]]
                               for dim, buckets in preview.breakdowns.items()},
                "appliedFilters": preview.applied_filters, "sample": sample, "sampleMasked": True}

    @server.tool()
    async def create_audience(
        name: Annotated[str, Field(min_length=1, max_length=255, description="A name unique enough to find it again")],
        topic_ids: TopicIds, min_score: Score = None, max_score: Score = None, min_topic_overlap: Overlap = None,
        filters: Filters = None,
        activate: Annotated[bool, Field(description="true: active now (takes an audience slot, refreshed daily, first run queued)")] = False,
    ) -> dict[str, Any]:
        """Save an audience definition (a draft unless activate=true)."""
        try:
            audience = await api.create_audience(name, _config(topic_ids, min_score, max_score, min_topic_overlap,
                                                               filters), status="active" if activate else None)
        except OrbitError as exc:
            raise _failure(exc) from exc
        return {"audienceId": audience.id, "name": audience.name, "status": audience.status,
                "topics": [t.model_dump(mode="json", by_alias=True) for t in audience.topics][:20]}

    @server.tool()
    async def activate_audience(audience_id: AudienceId) -> dict[str, Any]:
        """Make an audience active: it takes a slot, is refreshed daily, and its first run is queued."""
        try:
            audience = await api.activate_audience(audience_id)
        except OrbitError as exc:
            raise _failure(exc) from exc
        return {"audienceId": audience.id, "name": audience.name, "status": audience.status,
                "dailyRefreshEnabled": audience.daily_refresh_enabled}

    @server.tool()
    async def list_audiences(
        status: Annotated[Literal["draft", "active", "paused"] | None, Field(description="Only this status")] = None,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """The organization's saved audiences, newest first, with their size from the latest run."""
        try:
            found = await api.list_audiences(status=status, limit=limit)
        except OrbitError as exc:
            raise _failure(exc) from exc
        return {"audiences": [{"audienceId": a.id, "name": a.name, "status": a.status, "audienceSize": a.audience_size,
                               "lastRefreshedAt": a.last_refreshed_at} for a in found.items],
                "total": found.total}

    @server.tool()
    async def start_run_and_wait(
        audience_id: AudienceId,
        wait_seconds: Annotated[float, Field(gt=0, le=3600, description="How long to wait for the run to finish")] = 60,
    ) -> dict[str, Any]:
        """Materialize an audience now: queue a run (or join the one already queued or running) and
        wait for it. Returns the run with its result count; if it is not done in time, call again."""
        try:
            try:
                run = await api.create_run(audience_id)
            except ApiError as exc:
                if exc.code != "RUN_IN_PROGRESS" or not isinstance(exc.details, dict):
                    raise
                run = await api.get_run(audience_id, str(exc.details["runId"]))
            try:
                run = await api.wait_for_run(audience_id, run.id, timeout=min(wait_seconds, wait_cap),
                                             poll_interval=0.5, raise_on_failure=False)
            except OrbitError as exc:
                if not hasattr(exc, "run"):
                    raise
                return {**_run(exc.run), "note": "still running: call start_run_and_wait again to keep waiting"}
        except OrbitError as exc:
            raise _failure(exc) from exc
        return _run(run)

    @server.tool()
    async def results_page(
        audience_id: AudienceId, run_id: RunId, limit: Limit = 10, offset: Offset = 0,
    ) -> dict[str, Any]:
        """People of a completed run, strongest intent first: name, title, company, score, matched topics.
        Contact fields are what the API grants this key (masked or absent without an audience plan)."""
        try:
            page = await api.get_results(audience_id, run_id, limit=limit, offset=offset)
        except OrbitError as exc:
            raise _failure(exc) from exc
        if page.state != "completed":
            return {"state": page.state, "note": "the run is not finished: call start_run_and_wait"}
        return {"state": page.state, "rows": [_row(r) for r in page.results], **_more(page.total, offset, len(page.results))}

    @server.tool()
    async def run_changes(
        audience_id: AudienceId, run_id: RunId,
        kind: Annotated[Literal["new", "dropped", "changed"], Field(description="new: entered since the previous run; dropped: left; changed: best score moved")] = "new",
        min_score_change: Annotated[int | None, Field(ge=1, le=99, description="For kind=changed: smallest score move that counts (default 10)")] = None,
        limit: Limit = 10, offset: Offset = 0,
    ) -> dict[str, Any]:
        """Who entered, left or moved in the audience between this run and the previous completed one."""
        try:
            page = await api.get_changes(audience_id, run_id, kind, min_score_change=min_score_change,
                                         limit=limit, offset=offset)
        except OrbitError as exc:
            raise _failure(exc) from exc
        rows = [{**_row(r), "change": r.change.model_dump(mode="json", by_alias=True, exclude_none=True)}
                for r in page.results]
        previous = page.previous_run.id if page.previous_run else None
        return {"kind": page.kind, "previousRunId": previous, "rows": rows, **_more(page.total, offset, len(rows))}

    @server.tool()
    async def export_link(audience_id: AudienceId, run_id: RunId) -> dict[str, Any]:
        """A signed, expiring URL to download every row of a completed run as CSV (for a CRM or ad platform)."""
        try:
            made = await api.create_export(audience_id, run_id)
        except OrbitError as exc:
            raise _failure(exc) from exc
        return {"downloadUrl": made.download_url, "expiresAt": made.download_url_expires_at,
                "rowCount": made.export.row_count, "byteSize": made.export.byte_size, "fileName": made.export.file_name}

    return server


def serve(settings: McpSettings, *, transport: Literal["stdio", "streamable-http"], host: str, port: int,
          log_level: LogLevel = "WARNING") -> None:
    """Run until the client disconnects (stdio) or the process is stopped (HTTP). Logs go to
    stderr (stdout is the protocol's, with stdio); each API request is logged at INFO."""
    logging.getLogger("httpx").setLevel(log_level)
    server = build_server(settings, log_level=log_level)
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port)
