"""Suppression list endpoints (authenticated, scoped to the caller's organization)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from orbit.http.auth import CurrentPrincipal
from orbit.http.deps import DbSession, WarehouseDep
from orbit.http.envelope import Envelope, envelope
from orbit.http.openapi import errors, merge
from orbit.settings import Settings
from orbit.suppression import service
from orbit.suppression.deps import LimitsDep
from orbit.suppression.schemas import (
    SuppressionListCreate,
    SuppressionListDeleted,
    SuppressionListRead,
    UploadRead,
    upload_body_schema,
)

router = APIRouter(prefix="/v1/intent/suppression-lists", tags=["Audience Builder"])
ITEMS_PATH = r"^/v1/intent/suppression-lists/[^/]+/items$"  # bodies streamed: their own size limit

_MISSING = errors(NOT_FOUND="the organization has no suppression list with this id")
_NAME = errors(CONFLICT="the organization already has a list of that name, or 100 lists")
_IN_USE = errors(CONFLICT="audiences apply this list (`details.audienceIds`); remove it from their configs first")
_UPLOAD = errors(
    "VALIDATION_ERROR", "INVALID_JSON", CONFLICT="the list changed (another upload, a clear) or was deleted during the upload; "
    "nothing was added", PAYLOAD_TOO_LARGE="over 1,000,000 entries in the upload or the list, or over the byte "
    "limit (256 MiB of CSV; JSON: the 1 MiB request limit); nothing was added")


@router.get("", response_model=Envelope[list[SuppressionListRead]])
def list_suppression_lists(
    principal: CurrentPrincipal, session: DbSession,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=service.MAX_OFFSET)] = 0,
) -> Envelope[list[SuppressionListRead]]:
    """The organization's suppression lists, newest first."""
    page = service.list_lists(session, org_id=principal.org_id, limit=limit, offset=offset)
    return envelope([SuppressionListRead.of(r) for r in page.items], total=page.total, limit=limit, offset=offset,
                    hasMore=offset + len(page.items) < page.total)


@router.post("", status_code=201, response_model=Envelope[SuppressionListRead], responses=_NAME)
def create_suppression_list(
    body: SuppressionListCreate, principal: CurrentPrincipal, session: DbSession
) -> Envelope[SuppressionListRead]:
    """Create an empty suppression list; fill it with POST …/{id}/items."""
    row = service.create_list(session, org_id=principal.org_id, name=body.name, description=body.description)
    return envelope(SuppressionListRead.of(row))


@router.get("/{suppression_list_id}", response_model=Envelope[SuppressionListRead], responses=_MISSING)
def get_suppression_list(suppression_list_id: str, principal: CurrentPrincipal, session: DbSession) -> Envelope[SuppressionListRead]:
    """One suppression list with its item counts."""
    return envelope(SuppressionListRead.of(service.get_list(session, org_id=principal.org_id, list_id=suppression_list_id)))


@router.delete("/{suppression_list_id}", response_model=Envelope[SuppressionListDeleted], responses=merge(_MISSING, _IN_USE))
def delete_suppression_list(
    suppression_list_id: str, principal: CurrentPrincipal, session: DbSession, wh: WarehouseDep
) -> Envelope[SuppressionListDeleted]:
    """Delete a suppression list and its items (refused while an audience applies it)."""
    return envelope(SuppressionListDeleted(id=service.delete_list(session, wh, org_id=principal.org_id,
                                                                  list_id=suppression_list_id)))


@router.post("/{suppression_list_id}/items", response_model=Envelope[UploadRead], responses=merge(_MISSING, _UPLOAD),
             openapi_extra={"requestBody": upload_body_schema()})
async def upload_suppression_items(
    suppression_list_id: str, request: Request, principal: CurrentPrincipal, wh: WarehouseDep, limits: LimitsDep,
    mode: Annotated[Literal["append", "replace"], Query(
        description="append (default): add to the list; replace: the upload becomes the whole list")] = "append",
) -> Envelope[UploadRead]:
    """Add entries to a list from a CSV (streamed) or JSON body; answers what was accepted and
    refused. Atomic: a refused upload adds nothing."""
    settings: Settings = request.app.state.settings
    json_body = request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"
    upload = await service.begin_upload(
        wh, request.app.state.sessions, org_id=principal.org_id, list_id=suppression_list_id, json_body=json_body,
        append=mode == "append", limits=limits, workdir=settings.data_dir / "suppression")
    return envelope(UploadRead.of(await upload.consume(request.stream())))


@router.delete("/{suppression_list_id}/items", response_model=Envelope[SuppressionListRead], responses=_MISSING)
def clear_suppression_items(
    suppression_list_id: str, principal: CurrentPrincipal, session: DbSession, wh: WarehouseDep
) -> Envelope[SuppressionListRead]:
    """Remove every entry of a list (it stays, empty, for audiences that name it)."""
    return envelope(SuppressionListRead.of(service.clear_list(session, wh, org_id=principal.org_id, list_id=suppression_list_id)))
