"""Audience use cases that reach later domains (runs, exports): deleting an audience."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orbit.audiences import service
from orbit.exports import service as exports
from orbit.exports import storage as export_storage
from orbit.exports.storage import ExportStorage
from orbit.metadata import db
from orbit.runs import service as runs
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
