"""Audience use cases that reach later domains (runs, exports): saving an audience (an active one
is materialized at once) and deleting one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from orbit.audiences import config as cfg
from orbit.audiences import service
from orbit.exports import service as exports
from orbit.exports import storage as export_storage
from orbit.exports.storage import ExportStorage
from orbit.metadata import db
from orbit.metadata.models import Audience
from orbit.runs import service as runs
from orbit.topics.service import Snapshot
from orbit.warehouse import runs_sql
from orbit.warehouse.backend import Warehouse


def delete_audience(
    session: Session, wh: Warehouse, storage: ExportStorage, *, org_id: str, audience_id: str
) -> str:
    """Delete the audience, its runs and stored exports, and free its slot; returns its id.

    Snapshot rows and export files are dropped once the metadata change has committed (so a
    rollback never loses them); the scheduler's janitor removes snapshot rows a crash left behind.
    """
    service.get_audience(session, org_id=org_id, audience_id=audience_id)
    # Exports first: their rows cascade away with the runs, and with them the file names.
    files = exports.delete_audience_exports(session, audience_id=audience_id)
    run_ids = runs.delete_audience_runs(session, audience_id=audience_id)
    deleted = service.delete_audience(session, org_id=org_id, audience_id=audience_id)
    if run_ids:
        db.after_commit(session, lambda: runs_sql.delete_runs(wh, run_ids))
    if files:
        db.after_commit(session, lambda: export_storage.delete_files(storage, files))
    return deleted


def refresh_if_active(session: Session, snap: Snapshot, audience: Audience) -> None:
    """Queue the run of an active audience for the newest data date unless one is done or under
    way for its current config: activation materializes at once instead of waiting for the
    scheduler's next tick (G2 clients poll `/status` right after activating)."""
    if audience.status == service.AudienceStatus.ACTIVE.value and snap.dates:
        runs.queue_daily_runs(session, data_date=snap.dates[-1], audience_id=audience.id)


def create_audience(
    session: Session, snap: Snapshot, *, org_id: str, name: str, status: service.AudienceStatus,
    config: cfg.NormalizedConfig, written: Mapping[str, Any] | None,
) -> Audience:
    """`service.create_audience`, then the first run of an audience created active."""
    audience = service.create_audience(session, org_id=org_id, name=name, status=status, config=config,
                                       written=written)
    refresh_if_active(session, snap, audience)
    return audience


def update_audience(
    session: Session, snap: Snapshot, *, org_id: str, audience_id: str, name: str | None,
    status: service.AudienceStatus | None, config: cfg.NormalizedConfig | None, written: Mapping[str, Any] | None,
) -> Audience:
    """`service.update_audience`, then a run when the audience is (or became) active and its
    current config has none on the newest data date."""
    audience = service.update_audience(session, org_id=org_id, audience_id=audience_id, name=name, status=status,
                                       config=config, written=written)
    refresh_if_active(session, snap, audience)
    return audience
