"""Audience builder endpoints (authenticated, scoped to the caller's organization)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from orbit.audiences import flows, service
from orbit.audiences.config import Vocabulary
from orbit.audiences.schemas import (
    AudienceCreate,
    AudienceRead,
    AudienceUpdate,
    DeletedRead,
    PreviewRead,
    PreviewRequest,
    Problem,
    RowShape,
    StatusName,
    ValidateRead,
    row_shape,
)
from orbit.http.auth import CurrentPrincipal
from orbit.http.deps import DbSession, WarehouseDep
from orbit.http.envelope import Envelope, envelope, rendered_wire
from orbit.http.openapi import errors, merge
from orbit.serving.deps import ServingIndexDep
from orbit.suppression.deps import ListLookupDep
from orbit.topics.deps import CatalogDep
from orbit.topics.service import Snapshot

router = APIRouter(prefix="/v1/intent/audiences", tags=["Audience Builder"])
NO_AUDIENCE = errors(NOT_FOUND="the organization has no audience with this id")
NO_SLOT = errors(SLOTS_FULL="`active` needs a free audience slot and none is left; nothing was changed")


def _vocab(request: Request, snap: Snapshot) -> Vocabulary:
    cache: service.FilterCatalogCache = request.app.state.filter_catalog
    return cache.vocabulary(snap)


def _raw(model: Any) -> dict[str, Any]:
    """The config as the client wrote it (unset fields stay unset, so defaults apply)."""
    out: dict[str, Any] = model.model_dump(by_alias=True, exclude_unset=True, exclude={"data_date"})
    return out


@router.get("/filters", response_model=Envelope[dict[str, Any]])
def audience_filters(request: Request, principal: CurrentPrincipal, snap: CatalogDep) -> Envelope[dict[str, Any]]:
    """The curated ICP filter catalogue with value counts (plus the G2 flat value lists)."""
    cache: service.FilterCatalogCache = request.app.state.filter_catalog
    return envelope(service.filter_catalog(cache.current(snap), generated_at=datetime.now(UTC)))


@router.post("/validate", response_model=Envelope[ValidateRead])
def validate_audience(body: PreviewRequest, request: Request, principal: CurrentPrincipal, snap: CatalogDep,
                      lists: ListLookupDep) -> Envelope[ValidateRead]:
    """Check and normalize a config without running it; lists every problem with its field.

    A body of the right shape (types, ranges, known fields) is answered 200, with `valid: false`
    and its problems when the config breaks a rule (unknown or repeated topics, filters, sourceUrl,
    score and overlap bounds); a body of the wrong shape is a 400."""
    result = service.validate_config(_raw(body), _vocab(request, snap), lists)
    c = result.config
    return envelope(
        ValidateRead(
            valid=c is not None, config_hash=c.config_hash if c else None,
            normalized_config=c.public_json() if c else None, applied_filters=c.applied_filters if c else [],
            problems=[Problem(**p) for p in result.problems],
        )
    )


@router.post("/preview", response_model=Envelope[PreviewRead])
def preview_audience(
    body: PreviewRequest, request: Request, principal: CurrentPrincipal, snap: CatalogDep, wh: WarehouseDep,
    index: ServingIndexDep, lists: ListLookupDep, shape: Annotated[RowShape | None, Query(description=(
        "Sample row notation: g2 (company is the name) or g3 (company is an object). "
        "Default: g2 for a request written in G2 notation, else g3."))] = None,
) -> Response:
    """Count, breakdowns and up to 50 masked sample people on the newest (or given) data date."""
    raw = _raw(body)
    result = service.preview(wh, snap, _vocab(request, snap), raw=raw, data_date=body.data_date, index=index,
                             lists=lists)
    return rendered_wire(PreviewRead.wire(result, row_shape(raw, shape)))


@router.get("", response_model=Envelope[list[AudienceRead]])
def list_audiences(
    principal: CurrentPrincipal,
    session: DbSession,
    snap: CatalogDep,
    status_: Annotated[StatusName | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Envelope[list[AudienceRead]]:
    """The organization's saved audiences, newest first."""
    page = service.list_audiences(
        session, org_id=principal.org_id, status=service.AudienceStatus(status_) if status_ else None,
        limit=limit, offset=offset,
    )
    items = [AudienceRead.of(a, service.topics_of(snap, a)) for a in page.items]
    return envelope(items, total=page.total, limit=limit, offset=offset, hasMore=offset + len(items) < page.total)


@router.post("", response_model=Envelope[AudienceRead], status_code=status.HTTP_201_CREATED, responses=NO_SLOT)
def create_audience(
    body: AudienceCreate, request: Request, principal: CurrentPrincipal, session: DbSession, snap: CatalogDep,
    lists: ListLookupDep,
) -> Envelope[AudienceRead]:
    """Save an audience (draft by default; `active` takes a slot and queues its first run)."""
    written = _raw(body.config)
    config = service.require_config(written, _vocab(request, snap), prefix="config.", lists=lists)
    audience = flows.create_audience(
        session, snap, org_id=principal.org_id, name=body.name, status=service.AudienceStatus(body.status),
        config=config, written=written,
    )
    return envelope(AudienceRead.of(audience, service.topics_of(snap, audience)))


@router.get("/{audience_id}", response_model=Envelope[AudienceRead], responses=NO_AUDIENCE)
def get_audience(audience_id: str, principal: CurrentPrincipal, session: DbSession, snap: CatalogDep) -> Envelope[AudienceRead]:
    """One saved audience."""
    audience = service.get_audience(session, org_id=principal.org_id, audience_id=audience_id)
    return envelope(AudienceRead.of(audience, service.topics_of(snap, audience)))


@router.patch("/{audience_id}", response_model=Envelope[AudienceRead], responses=merge(NO_AUDIENCE, NO_SLOT))
def update_audience(
    audience_id: str, body: AudienceUpdate, request: Request, principal: CurrentPrincipal,
    session: DbSession, snap: CatalogDep, lists: ListLookupDep,
) -> Envelope[AudienceRead]:
    """Rename, re-configure, activate (takes a slot, queues a run at once) or pause an audience."""
    written = _raw(body.config) if body.config is not None else None
    config = (service.require_config(written, _vocab(request, snap), prefix="config.", lists=lists)
              if written is not None else None)
    audience = flows.update_audience(
        session, snap, org_id=principal.org_id, audience_id=audience_id, name=body.name,
        status=service.AudienceStatus(body.status) if body.status else None, config=config, written=written,
    )
    return envelope(AudienceRead.of(audience, service.topics_of(snap, audience)))


@router.delete("/{audience_id}", response_model=Envelope[DeletedRead], responses=NO_AUDIENCE)
def delete_audience(
    audience_id: str, request: Request, principal: CurrentPrincipal, session: DbSession, wh: WarehouseDep
) -> Envelope[DeletedRead]:
    """Delete an audience with its runs and stored exports, and free its slot."""
    storage = request.app.state.export_storage
    return envelope(DeletedRead(id=flows.delete_audience(
        session, wh, storage, org_id=principal.org_id, audience_id=audience_id)))
