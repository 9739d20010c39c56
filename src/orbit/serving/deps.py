"""The serving index of the current data as a route dependency (None: use the SQL path)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from orbit.serving.holder import IndexHolder
from orbit.serving.index import ServingIndex
from orbit.topics.deps import CatalogDep


async def _index(request: Request, snap: CatalogDep) -> ServingIndex | None:
    # Async: a lookup (or starting a build thread), no I/O, so no thread-pool hop.
    holder: IndexHolder | None = getattr(request.app.state, "serving", None)
    return holder.current(snap) if holder is not None else None


ServingIndexDep = Annotated[ServingIndex | None, Depends(_index)]
