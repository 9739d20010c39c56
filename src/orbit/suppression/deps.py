"""Route inputs of suppression lists: upload limits and the list lookup of preview and validate."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from orbit.http.auth import CurrentPrincipal
from orbit.settings import Settings
from orbit.suppression.service import Limits, ListLookup


async def _lookup(request: Request, principal: CurrentPrincipal) -> ListLookup:
    # No session is opened here: only configs that name lists read the metadata store.
    return ListLookup(request.app.state.sessions, principal.org_id)


async def _limits(request: Request) -> Limits:
    settings: Settings = request.app.state.settings
    s = settings.suppression
    return Limits(max_entries=s.max_entries, max_upload_bytes=s.max_upload_bytes, max_json_bytes=settings.max_body_bytes)


ListLookupDep = Annotated[ListLookup, Depends(_lookup)]
LimitsDep = Annotated[Limits, Depends(_limits)]
