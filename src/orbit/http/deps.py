"""Shared route inputs as `Annotated` dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from orbit.topics.service import Snapshot, TopicCatalog
from orbit.warehouse.backend import Warehouse


def _warehouse(request: Request) -> Warehouse:
    wh: Warehouse = request.app.state.warehouse
    return wh


def _catalog(request: Request) -> Snapshot:
    catalog: TopicCatalog = request.app.state.catalog
    return catalog.current()


WarehouseDep = Annotated[Warehouse, Depends(_warehouse)]
CatalogDep = Annotated[Snapshot, Depends(_catalog)]
