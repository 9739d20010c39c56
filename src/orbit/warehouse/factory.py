"""Builds the configured warehouse backend from settings."""

from __future__ import annotations

from orbit.settings import Settings
from orbit.warehouse.backend import ChdbWarehouse, ClickHouseServerWarehouse, Warehouse
from orbit.warehouse.cluster import CLUSTER_SETTINGS, Cluster, ClusterWarehouse
from orbit.warehouse.statement import Profile


def open_warehouse(settings: Settings) -> Warehouse:
    """Open (and create if needed) the warehouse database; the caller closes it."""
    ws = settings.warehouse
    timeouts = {
        Profile.QUERY: ws.query_timeout_s,
        Profile.INGEST: ws.ingest_timeout_s,
        Profile.DDL: ws.ingest_timeout_s,
    }
    if ws.backend == "clickhouse":
        assert ws.url is not None
        if ws.cluster is not None:
            server = ClickHouseServerWarehouse(
                ws.url.get_secret_value(), database=ws.database, timeouts=timeouts, session_settings=CLUSTER_SETTINGS
            )
            return ClusterWarehouse(server, Cluster(ws.cluster, ws.database))
        return ClickHouseServerWarehouse(
            ws.url.get_secret_value(), database=ws.database, timeouts=timeouts
        )
    return ChdbWarehouse(settings.warehouse_path, database=ws.database, timeouts=timeouts)
