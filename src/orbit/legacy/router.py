"""G2 legacy materialization endpoints (ORBIT_API.md §6), served over G3 runs and exports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from orbit.audiences import service as audiences
from orbit.audiences.config import Vocabulary
from orbit.exports import service as exports
from orbit.exports.deps import BaseUrlDep, SessionsDep, SettingsDep, StorageDep
from orbit.http.auth import NO_PLAN, CurrentPrincipal, RowReader
from orbit.http.deps import DbSession, WarehouseDep
from orbit.http.envelope import Envelope, envelope
from orbit.http.openapi import errors, merge
from orbit.legacy import service
from orbit.legacy.schemas import (
    CURSOR_PATTERN,
    AudienceQuery,
    FieldStatsRead,
    LegacyExportRead,
    MaterializationStatusRead,
    QueryPerson,
    ResultsPerson,
    page_meta,
)
from orbit.serving.deps import ServingIndexDep
from orbit.suppression.deps import ListLookupDep
from orbit.topics.deps import CatalogDep
from orbit.topics.service import Snapshot

router = APIRouter(prefix="/v1/intent/audiences", tags=["Audience Builder"])
MATERIALIZING: dict[int | str, dict[str, object]] = {
    202: {"model": Envelope[list[ResultsPerson]], "description": "Materialization is under way: poll /status"},
}
DateQuery = Annotated[date | None, Query(alias="date", description="Data date YYYY-MM-DD; default the newest")]
CursorQuery = Annotated[str | None, Query(pattern=CURSOR_PATTERN, description="`meta.nextCursor` of the page before")]
NO_AUDIENCE = errors(NOT_FOUND="the organization has no audience with this id")
NOT_MATERIALIZED = errors(
    NOT_FOUND="the organization has no audience with this id, or it has no completed run on the date")


def _vocab(request: Request, snap: Snapshot) -> Vocabulary:
    cache: audiences.FilterCatalogCache = request.app.state.filter_catalog
    return cache.vocabulary(snap)


QUERY_MATERIALIZING: dict[int | str, dict[str, object]] = {
    202: {"model": Envelope[list[QueryPerson]], "description": "Materialization is under way: poll /status"},
}


@router.post("/query", response_model=Envelope[list[QueryPerson]],
             responses=merge(QUERY_MATERIALIZING, NO_PLAN, errors(NOT_FOUND="the organization has no audience `audienceId`")))
def query_audience(
    body: AudienceQuery, request: Request, response: Response, principal: RowReader, sessions: SessionsDep,
    wh: WarehouseDep, snap: CatalogDep, settings: SettingsDep, index: ServingIndexDep, lists: ListLookupDep,
) -> Envelope[list[QueryPerson]]:
    """G2: rows of a saved audience's materialization (202 while it is queued), or an ad-hoc query."""
    if body.audience_id is not None:
        page = service.query_saved(
            sessions, wh, snap, org_id=principal.org_id, audience_id=body.audience_id, data_date=body.data_date,
            limit=body.limit, cursor=body.cursor, ttl=timedelta(hours=settings.runs.idempotency_hours))
    else:
        page = service.query_adhoc(wh, snap, _vocab(request, snap), raw=body.raw_config(), data_date=body.data_date,
                                   limit=body.limit, cursor=body.cursor, index=index, lists=lists)
    if page.status != service.Materialization.READY:
        response.status_code = 202
    return envelope([QueryPerson.of(p) for p in page.people], **page_meta(page, with_cache_key=True))


@router.get("/{audience_id}/status", response_model=Envelope[MaterializationStatusRead], responses=NO_AUDIENCE)
def materialization_status(
    audience_id: str, principal: CurrentPrincipal, sessions: SessionsDep, snap: CatalogDep, day: DateQuery = None,
) -> Envelope[MaterializationStatusRead]:
    """G2: ready, materializing, failed or none for the audience on the date (newest run)."""
    found = service.status(sessions, snap, org_id=principal.org_id, audience_id=audience_id,
                           data_date=service.default_date(snap, day))
    return envelope(MaterializationStatusRead.of(found))


@router.get("/{audience_id}/results", response_model=Envelope[list[ResultsPerson]],
            responses=merge(MATERIALIZING, NO_PLAN, NOT_MATERIALIZED))
def materialized_results(
    audience_id: str, response: Response, principal: RowReader, sessions: SessionsDep, wh: WarehouseDep,
    snap: CatalogDep, day: DateQuery = None, limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: CursorQuery = None,
) -> Envelope[list[ResultsPerson]]:
    """G2: unmasked rows of the materialized run on the date (202 while it is queued or running)."""
    page = service.results(sessions, wh, snap, org_id=principal.org_id, audience_id=audience_id,
                           data_date=service.default_date(snap, day), limit=limit, cursor=cursor)
    if page.status != service.Materialization.READY:
        response.status_code = 202
    return envelope([ResultsPerson.of(p) for p in page.people], **page_meta(page, with_cache_key=False))


@router.get("/{audience_id}/stats", response_model=Envelope[FieldStatsRead], responses=NOT_MATERIALIZED)
def materialized_stats(
    audience_id: str, principal: CurrentPrincipal, session: DbSession, wh: WarehouseDep, snap: CatalogDep,
    day: DateQuery = None,
) -> Envelope[FieldStatsRead]:
    """G2: percent of non-empty values per field of the materialized run (404 if none)."""
    stats = service.field_stats(session, wh, org_id=principal.org_id, audience_id=audience_id,
                                data_date=service.default_date(snap, day))
    return envelope(FieldStatsRead.of(stats))


@router.post("/{audience_id}/export", response_model=Envelope[LegacyExportRead],
             responses=merge(NO_PLAN, NOT_MATERIALIZED))
def materialized_export(
    audience_id: str, principal: RowReader, sessions: SessionsDep, wh: WarehouseDep, snap: CatalogDep,
    storage: StorageDep, settings: SettingsDep, base_url: BaseUrlDep, day: DateQuery = None,
) -> Envelope[LegacyExportRead]:
    """G2: a stored CSV of the materialized run (reused when one exists) with a signed URL."""
    made = service.export(
        sessions, wh, storage, org_id=principal.org_id, audience_id=audience_id,
        data_date=service.default_date(snap, day), requested_by=exports.requester(principal),
        retention=timedelta(days=settings.exports.retention_days), ttl_seconds=settings.exports.url_ttl_seconds,
        base_url=base_url)
    return envelope(LegacyExportRead.of(made))
