"""Creates stored exports: short metadata transactions around the file write. No HTTP.

Like the run worker, this owns its transactions (it takes a `sessionmaker`, not a session): the
CSV is read from the warehouse and uploaded while no metadata transaction is open, because on
SQLite a write transaction locks every other writer (run claims, heartbeats) for its duration.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orbit.errors import OrbitError
from orbit.exports import events, service
from orbit.exports.storage import ExportStorage, delete_files
from orbit.metadata import db
from orbit.metadata.models import Export
from orbit.warehouse.backend import Warehouse, WarehouseQueryError

log = logging.getLogger("orbit.exports")


@dataclass(frozen=True, slots=True)
class Made:
    export: Export  # detached; every column loaded
    created: bool  # False: an existing completed export was reused


def create_or_reuse(
    sessions: sessionmaker[Session],
    wh: Warehouse,
    storage: ExportStorage,
    *,
    org_id: str,
    audience_id: str,
    run_id: str,
    requested_by: str | None,
    retention: timedelta,
    now: datetime | None = None,
) -> Made:
    """The run's newest completed, unexpired export, or a new one written now (synchronously).

    Raises NotFound (another organization's run too) and RunNotCompleted before anything is
    written. Commits: (1) the check and a `processing` row, (2) after the file is stored, the row
    as `completed` or `failed`. A failed write raises its error (StorageUnavailable → 503) after
    recording it; a crash between the two leaves a `processing` row that is never reused.
    """
    now = now or datetime.now(UTC)
    with sessions.begin() as session:
        db.begin_write(session)
        run = service.get_completed_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
        reusable = service.find_reusable(session, storage, run_id=run.id, now=now)
        if reusable is not None:
            session.expunge(reusable)
            return Made(reusable, created=False)
        export = service.start_export(session, storage, run=run, requested_by=requested_by,
                                      retention=retention, now=now)
        file, attempt, rows = service.stored_file(export), run.attempts, run.kept_rows
    try:
        # Closed on any failure of `put`: the stream holds chDB's engine until it is.
        with contextlib.closing(service.csv_bytes(wh, run_id=run_id, attempt=attempt, rows=rows)) as chunks:
            stored = storage.put(file, chunks)
    except Exception as exc:
        code = exc.code if isinstance(exc, OrbitError) else (
            "WAREHOUSE_ERROR" if isinstance(exc, WarehouseQueryError) else "INTERNAL_ERROR")
        log.error("export %s of run %s failed: %s", file.export_id, run_id, exc)
        try:
            with sessions.begin() as session:
                db.begin_write(session)
                service.fail_export(session, export_id=file.export_id, code=code,
                                    message="the export file could not be written", now=datetime.now(UTC))
        except Exception:  # the client gets the write's error; this one is only logged
            log.exception("export %s: could not record the failure", file.export_id)
        raise
    try:
        with sessions.begin() as session:
            db.begin_write(session)
            done = service.finish_export(session, export_id=file.export_id, stored=stored, now=datetime.now(UTC))
            events.export_completed(session, done)  # webhook outbox rows, same transaction
            session.expunge(done)
    except Exception:
        # The row is gone (audience deleted meanwhile) or the commit failed: drop the orphan file.
        delete_files(storage, [file])
        raise
    return Made(done, created=True)
