"""Saved topic lists of the caller's organization (authenticated)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from orbit.http.auth import CurrentPrincipal
from orbit.http.deps import DbSession
from orbit.http.envelope import Envelope, envelope
from orbit.http.openapi import errors, merge
from orbit.topic_lists import service
from orbit.topic_lists.schemas import TopicListCreate, TopicListDeleted, TopicListRead, TopicListUpdate
from orbit.topics.deps import CatalogDep

router = APIRouter(prefix="/v1/intent/topic-lists", tags=["Audience Builder"])

_CONFLICT = errors(CONFLICT="the organization already has a list of that name")
_MISSING = errors(NOT_FOUND="the organization has no topic list with this id")


@router.get("", response_model=Envelope[list[TopicListRead]])
def list_topic_lists(
    principal: CurrentPrincipal,
    session: DbSession,
    snap: CatalogDep,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=service.MAX_OFFSET)] = 0,
) -> Envelope[list[TopicListRead]]:
    """The organization's saved topic lists, newest first."""
    page = service.list_topic_lists(session, org_id=principal.org_id, limit=limit, offset=offset)
    return envelope(
        [TopicListRead.of(row, snap.inventory) for row in page.items],
        total=page.total, limit=limit, offset=offset, hasMore=offset + len(page.items) < page.total,
    )


@router.post("", status_code=201, response_model=Envelope[TopicListRead], responses=_CONFLICT)
def create_topic_list(
    body: TopicListCreate, principal: CurrentPrincipal, session: DbSession, snap: CatalogDep
) -> Envelope[TopicListRead]:
    """Save a named list of topics for the organization."""
    row = service.create_topic_list(
        session, org_id=principal.org_id, inventory=snap.inventory,
        name=body.name, description=body.description, topic_ids=body.topic_ids,
    )
    return envelope(TopicListRead.of(row, snap.inventory))


@router.get("/{topic_list_id}", response_model=Envelope[TopicListRead], responses=_MISSING)
def get_topic_list(
    topic_list_id: str, principal: CurrentPrincipal, session: DbSession, snap: CatalogDep
) -> Envelope[TopicListRead]:
    """One saved topic list with its topics' names."""
    row = service.get_topic_list(session, org_id=principal.org_id, topic_list_id=topic_list_id)
    return envelope(TopicListRead.of(row, snap.inventory))


@router.patch("/{topic_list_id}", response_model=Envelope[TopicListRead], responses=merge(_MISSING, _CONFLICT))
def update_topic_list(
    topic_list_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    snap: CatalogDep,
    body: TopicListUpdate | None = None,
) -> Envelope[TopicListRead]:
    """Rename a saved topic list or change its description or topics."""
    changes = body or TopicListUpdate()  # no body at all is the same as `{}`
    row = service.update_topic_list(
        session, org_id=principal.org_id, topic_list_id=topic_list_id, inventory=snap.inventory,
        name=changes.name, description=changes.description, topic_ids=changes.topic_ids,
    )
    return envelope(TopicListRead.of(row, snap.inventory))


@router.delete("/{topic_list_id}", response_model=Envelope[TopicListDeleted], responses=_MISSING)
def delete_topic_list(
    topic_list_id: str, principal: CurrentPrincipal, session: DbSession
) -> Envelope[TopicListDeleted]:
    """Delete a saved topic list."""
    service.delete_topic_list(session, org_id=principal.org_id, topic_list_id=topic_list_id)
    return envelope(TopicListDeleted(id=topic_list_id))
