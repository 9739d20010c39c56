"""Creates stored exports: short metadata transactions around the file write. No HTTP.

Like the run worker, this owns its transactions (it takes a `sessionmaker`, not a session): the
file (Orbit's CSV or an ad platform's upload file, `formats.py`) is read from the warehouse and
uploaded while no metadata transaction is open, because on SQLite a write transaction locks
every other writer (run claims, heartbeats) for its duration.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orbit.errors import OrbitError
from orbit.exports import events, formats, service
from orbit.exports.formats import ExportSource, ExportSpec
from orbit.exports.storage import ExportStorage, StoredFile, StoredObject, delete_files
from orbit.metadata import db
from orbit.metadata.models import Export
from orbit.runs import changes
from orbit.warehouse import adfiles_sql, changes_sql
from orbit.warehouse.backend import Warehouse, WarehouseQueryError
from orbit.warehouse.changes_sql import ChangeKind, SnapshotRef

log = logging.getLogger("orbit.exports")


@dataclass(frozen=True, slots=True)
class Made:
    export: Export  # detached; every column loaded
    created: bool  # False: an existing completed export was reused


@dataclass(frozen=True, slots=True)
class _Job:
    """What the file write needs, as plain values (no metadata session is open meanwhile)."""

    spec: ExportSpec
    cur: SnapshotRef
    cur_rows: int
    prev: SnapshotRef | None
    prev_rows: int


def _previous(sessions: sessionmaker[Session], wh: Warehouse, *, org_id: str, audience_id: str, run_id: str,
              spec: ExportSpec) -> tuple[str | None, SnapshotRef | None, int]:
    """For a file of changes: the previous run (id, snapshot, rows), checked present in the
    warehouse, in a read-only transaction of its own (NoPreviousRun, PreviousRunGone, NotFound,
    RunNotCompleted). Nothing for a file of the run's rows."""
    if spec.source != ExportSource.CHANGES:
        return None, None, 0
    with sessions() as session:
        run = service.get_completed_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
        prev = changes.get_previous_run(session, wh, run=run)
        return prev.id, changes.ref(prev), prev.kept_rows


def _write(wh: Warehouse, storage: ExportStorage, file: StoredFile, job: _Job) -> tuple[StoredObject, service.Written]:
    """Stream the file from the warehouse into the store. The streams are closed on any failure
    of `put`: they hold chDB's engine until they are."""
    spec, cur = job.spec, job.cur
    platform = spec.platform
    if platform is None and job.prev is None:
        with contextlib.closing(service.csv_bytes(wh, run_id=cur.run_id, attempt=cur.attempt, rows=job.cur_rows)) as c:
            return storage.put(file, c), service.Written(job.cur_rows)
    if platform is None:
        assert job.prev is not None
        counts = changes_sql.change_counts(wh, cur, job.prev, min_change=spec.min_score_change or 0)
        per_kind = {ChangeKind.NEW: counts.new, ChangeKind.CHANGED: counts.changed, ChangeKind.DROPPED: counts.dropped}
        header = service.csv_header([name for name, _ in changes_sql.CSV_CHANGE_COLUMNS])
        rows = changes_sql.csv_stream(wh, spec.kinds(), cur, job.prev, min_change=spec.min_score_change or 0,
                                      cur_rows=job.cur_rows, prev_rows=job.prev_rows)
        with contextlib.closing(rows) as c:
            stored = storage.put(file, itertools.chain([header], c))
        return stored, service.Written(sum(per_kind[k] for k in spec.kinds()))
    change = None if job.prev is None or spec.kind is None else adfiles_sql.Changes(
        spec.kind, job.prev, spec.min_score_change or 0, job.prev_rows)
    counts_ = adfiles_sql.counts(wh, platform, formats.geo(), cur, changes=change)
    with contextlib.closing(adfiles_sql.file_stream(wh, platform, formats.geo(), cur, cur_rows=job.cur_rows,
                                                    changes=change)) as c:
        limited = formats.LineLimiter(adfiles_sql.header(platform), c, formats.LIMITS[spec.export_type])
        stored = storage.put(file, limited)
    return stored, service.Written(limited.rows, counts_.rows - counts_.usable, limited.truncated)


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
    spec: ExportSpec | None = None,
) -> Made:
    """The run's newest completed, unexpired export of `spec` (default: the CSV of its rows), or
    a new one written now (synchronously).

    Raises NotFound (another organization's run too), RunNotCompleted and, for changes,
    NoPreviousRun / PreviousRunGone before anything is written. Commits: (1) the check and a
    `processing` row, (2) after the file is stored, the row as `completed` or `failed`. A failed
    write raises its error (StorageUnavailable → 503) after recording it; a crash between the
    two leaves a `processing` row that is never reused.
    """
    spec = spec or ExportSpec()
    now = now or datetime.now(UTC)
    previous_id, prev, prev_rows = _previous(sessions, wh, org_id=org_id, audience_id=audience_id, run_id=run_id,
                                             spec=spec)
    with sessions.begin() as session:
        db.begin_write(session)
        run = service.get_completed_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
        reusable = service.find_reusable(session, storage, run_id=run.id, now=now, spec=spec,
                                         previous_run_id=previous_id)
        if reusable is not None:
            session.expunge(reusable)
            return Made(reusable, created=False)
        export = service.start_export(session, storage, run=run, requested_by=requested_by,
                                      retention=retention, now=now, spec=spec, previous_run_id=previous_id)
        file = service.stored_file(export)
        job = _Job(spec, SnapshotRef(run.id, run.attempts), run.kept_rows, prev, prev_rows)
    try:
        stored, written = _write(wh, storage, file, job)
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
            done = service.finish_export(session, export_id=file.export_id, stored=stored, now=datetime.now(UTC),
                                         written=written)
            events.export_completed(session, done)  # webhook outbox rows, same transaction
            session.expunge(done)
    except Exception:
        # The row is gone (audience deleted meanwhile) or the commit failed: drop the orphan file.
        delete_files(storage, [file])
        raise
    return Made(done, created=True)
