"""The topic catalogue snapshot as a route dependency, for any router that needs topic names."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from orbit.topics.service import Snapshot, TopicCatalog


def _catalog(request: Request) -> Snapshot:
    catalog: TopicCatalog = request.app.state.catalog
    return catalog.current()


CatalogDep = Annotated[Snapshot, Depends(_catalog)]
