"""Shared route inputs as `Annotated` dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from orbit.metadata import db
from orbit.warehouse.backend import Warehouse


async def _warehouse(request: Request) -> Warehouse:
    wh: Warehouse = request.app.state.warehouse
    return wh


def _metadata_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit when the handler returns, roll back if it raises.

    `scope="function"` makes the commit happen before the response is sent, so a failed commit
    is an error response, never a false success.
    """
    with request.app.state.sessions.begin() as session:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            db.begin_write(session)
        yield session


WarehouseDep = Annotated[Warehouse, Depends(_warehouse)]
DbSession = Annotated[Session, Depends(_metadata_session, scope="function")]
