"""CSV exports of completed runs: the direct stream, stored exports, and their signed downloads."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from orbit.exports import formats, service, writer
from orbit.exports.deps import BaseUrlDep, SessionsDep, SettingsDep, StorageDep
from orbit.exports.schemas import ExportCreate, ExportDownloadRead, ExportRead
from orbit.exports.storage import CONTENT_TYPE, spool_dir
from orbit.http.auth import NO_PLAN, CurrentPrincipal, RowReader
from orbit.http.deps import DbSession, WarehouseDep
from orbit.http.envelope import Envelope, envelope
from orbit.http.openapi import errors, merge
from orbit.runs import changes

router = APIRouter(prefix="/v1/intent", tags=["Audience Builder"])
RUN = "/audiences/{audience_id}/runs/{run_id}"
_ATTACHMENT = {"Content-Disposition": {"description": "`attachment; filename=...`", "schema": {"type": "string"}}}
CSV_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The run as CSV, header row first",
          "headers": {
              **_ATTACHMENT,
              "X-Export-Row-Cap": {"description": "Rows a run keeps at most", "schema": {"type": "integer"}},
              "X-Export-Truncated": {"description": "Whether resultCount is over the row cap",
                                     "schema": {"type": "string", "enum": ["true", "false"]}},
              "X-Export-Result-Count": {"description": "The run's resultCount", "schema": {"type": "integer"}},
              "X-ClickHouse-Query-Id": {"description": "Id of the warehouse query that reads the rows",
                                        "schema": {"type": "string"}},
          }},
}
FILE_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The stored CSV file",
          "headers": _ATTACHMENT},
}
NO_RUN = errors(NOT_FOUND="the organization has no such audience, or the audience no run with this id")
NOT_COMPLETED = errors("RUN_NOT_COMPLETED")
REUSED: dict[int | str, dict[str, object]] = {
    200: {"model": Envelope[ExportDownloadRead], "description": "A completed export of the run, reused, with a fresh URL"},
}


@router.get(f"{RUN}/export.csv", response_class=StreamingResponse,
            responses=merge(CSV_RESPONSE, NO_PLAN, NO_RUN, NOT_COMPLETED))
def export_csv(
    audience_id: str, run_id: str, principal: RowReader, session: DbSession, wh: WarehouseDep,
    settings: SettingsDep,
    include: Annotated[Literal["matchedTopics"] | None, Query(description=(
        "`matchedTopics`: add intent.matchedTopicNames, intent.matchedTopicTypes, intent.matchedTopicIndustries "
        "and intent.matchedTopicCategories, '|'-joined in the order of intent.matchedTopicIds"))] = None,
) -> StreamingResponse:
    """Stream a completed run as CSV (409 RUN_NOT_COMPLETED otherwise)."""
    csv = service.open_csv(session, wh, org_id=principal.org_id, audience_id=audience_id, run_id=run_id,
                           row_cap=settings.runs.result_cap, spool_dir=spool_dir(settings),
                           matched_topics=include == "matchedTopics")
    # The background task runs when the response ends, also when the client went away mid-way.
    return StreamingResponse(csv.lines, media_type=CONTENT_TYPE, headers=csv.headers, background=BackgroundTask(csv.close))


CHANGES_CSV_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "The changes as CSV: the export's columns, then change.kind, change.previousRank, "
                         "change.previousScore, change.scoreChange",
          "headers": {
              **_ATTACHMENT,
              "X-Changes-Previous-Run-Id": {"description": "The run compared with", "schema": {"type": "string"}},
              "X-Changes-Min-Score-Change": {"description": "The score threshold of `changed`",
                                             "schema": {"type": "integer"}},
          }},
}


@router.get(f"{RUN}/changes.csv", response_class=StreamingResponse, responses=merge(
    CHANGES_CSV_RESPONSE, NO_PLAN, NO_RUN, NOT_COMPLETED, errors("NO_PREVIOUS_RUN", "PREVIOUS_RUN_GONE")))
def changes_csv(
    audience_id: str, run_id: str, principal: RowReader, session: DbSession, wh: WarehouseDep,
    settings: SettingsDep,
    kind: Annotated[changes.ChangeKind | None, Query(description=changes.KIND_HELP + "; absent: all three")] = None,
    min_score_change: Annotated[int, Query(alias="minScoreChange", ge=changes.MIN_MIN_SCORE_CHANGE,
                                           le=changes.MAX_MIN_SCORE_CHANGE, description=changes.MIN_SCORE_HELP)]
    = changes.DEFAULT_MIN_SCORE_CHANGE,
) -> StreamingResponse:
    """Stream what changed since the previous completed run as CSV (one kind, or all three)."""
    csv = service.open_changes_csv(session, wh, org_id=principal.org_id, audience_id=audience_id, run_id=run_id,
                                   kind=kind, min_score_change=min_score_change, spool_dir=spool_dir(settings))
    return StreamingResponse(csv.lines, media_type=CONTENT_TYPE, headers=csv.headers, background=BackgroundTask(csv.close))


ACCOUNTS_CSV_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "The run's accounts as CSV, columns as in docs/runs.md ('Accounts'), escaped like export.csv",
          "headers": {**_ATTACHMENT, "X-Accounts-Baseline-Days": {
              "schema": {"type": "integer"}, "description": "Loaded days among the 7 before the run's date"}}},
}


@router.get(f"{RUN}/accounts.csv", response_class=StreamingResponse, responses=merge(
    ACCOUNTS_CSV_RESPONSE, NO_PLAN, NO_RUN, NOT_COMPLETED))
def accounts_csv(
    audience_id: str, run_id: str, principal: RowReader, session: DbSession, wh: WarehouseDep,
    settings: SettingsDep,
    sort: Annotated[Literal["people", "surge"], Query(description="as for …/accounts")] = "people",
) -> StreamingResponse:
    """Stream the companies behind a completed run's people as CSV, ranked."""
    csv = service.open_accounts_csv(session, wh, org_id=principal.org_id, audience_id=audience_id, run_id=run_id,
                                    sort=sort, spool_dir=spool_dir(settings))
    return StreamingResponse(csv.lines, media_type=CONTENT_TYPE, headers=csv.headers, background=BackgroundTask(csv.close))


@router.post(f"{RUN}/exports", response_model=Envelope[ExportDownloadRead], status_code=201,
             responses=merge(REUSED, NO_PLAN, NO_RUN, NOT_COMPLETED, errors("NO_PREVIOUS_RUN", "PREVIOUS_RUN_GONE")))
def create_export(
    audience_id: str, run_id: str, response: Response, principal: RowReader, sessions: SessionsDep,
    wh: WarehouseDep, storage: StorageDep, settings: SettingsDep, base_url: BaseUrlDep,
    body: Annotated[ExportCreate | None, Body()] = None,
) -> Envelope[ExportDownloadRead]:
    """Store the run, or what changed since its previous run, as Orbit's CSV or an ad platform's
    upload file (201), or reuse a completed one (200); with a fresh download URL."""
    body = body or ExportCreate()
    spec = formats.resolve(body.export_type, body.source, body.kind, body.min_score_change)
    made = writer.create_or_reuse(
        sessions, wh, storage, org_id=principal.org_id, audience_id=audience_id, run_id=run_id,
        requested_by=service.requester(principal), retention=timedelta(days=settings.exports.retention_days),
        spec=spec,
    )
    if not made.created:
        response.status_code = 200
    link = service.link(storage, made.export, ttl_seconds=settings.exports.url_ttl_seconds, base_url=base_url)
    return envelope(ExportDownloadRead.of(link))


@router.get(f"{RUN}/exports", response_model=Envelope[list[ExportRead]], responses=NO_RUN)
def list_exports(
    audience_id: str,
    run_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Envelope[list[ExportRead]]:
    """The run's stored exports, newest first (records only; GET one for a download URL)."""
    page = service.list_exports(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id,
                                limit=limit, offset=offset)
    items = [ExportRead.of(e) for e in page.items]
    return envelope(items, total=page.total, limit=limit, offset=offset, hasMore=offset + len(items) < page.total)


@router.get(f"{RUN}/exports/{{export_id}}", response_model=Envelope[ExportDownloadRead], responses=merge(
    NO_PLAN, errors(NOT_FOUND="the organization has no such audience, run, or export of that run")))
def get_export(
    audience_id: str, run_id: str, export_id: str, principal: RowReader, session: DbSession,
    storage: StorageDep, settings: SettingsDep, base_url: BaseUrlDep,
) -> Envelope[ExportDownloadRead]:
    """One stored export with a freshly signed download URL."""
    export = service.get_export(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id,
                                export_id=export_id)
    link = service.link(storage, export, ttl_seconds=settings.exports.url_ttl_seconds, base_url=base_url)
    return envelope(ExportDownloadRead.of(link))


@router.get("/exports/{export_id}/download", response_class=FileResponse, responses=merge(FILE_RESPONSE, errors(
    FORBIDDEN="the link's signature is invalid or it has expired", NOT_FOUND="no stored export has this id")))
def download_export(
    export_id: str, session: DbSession, storage: StorageDep, expires: str = "", signature: str = ""
) -> FileResponse:
    """Download a stored export through its signed URL; the signature is the credential."""
    file = service.open_download(session, storage, export_id=export_id, expires=expires, signature=signature)
    return FileResponse(file.path, media_type=CONTENT_TYPE, filename=file.download_name)
