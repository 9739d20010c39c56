"""G2 legacy materialization (ORBIT_API.md §6) over the G3 machinery. No HTTP.

A G2 "materialization" of a saved audience on a data date is the newest G3 run of that audience
on that date; its `cacheKey` is `configHash[:16]:dataDate`. Ad-hoc queries (no saved audience)
are answered straight from the warehouse, like a preview. Paging cursors are opaque url-safe
base64 of the next offset. Functions that take a session flush, never commit.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orbit.audiences import config as cfg
from orbit.audiences import service as audiences
from orbit.errors import NotFound, RunInProgress, ValidationFailed
from orbit.exports import service as exports
from orbit.exports import writer
from orbit.exports.storage import ExportStorage
from orbit.metadata import db
from orbit.metadata.models import Run
from orbit.runs import service as runs
from orbit.serving.index import ServingIndex
from orbit.topics.service import Snapshot
from orbit.warehouse import audience_sql
from orbit.warehouse.backend import Warehouse

MAX_OFFSET = 2**31 - 1
_CURSOR_PREFIX = "o:"


class Materialization(StrEnum):
    READY = "ready"
    MATERIALIZING = "materializing"
    FAILED = "failed"
    NONE = "none"


_BY_RUN_STATUS = {
    runs.RunStatus.COMPLETED.value: Materialization.READY,
    runs.RunStatus.QUEUED.value: Materialization.MATERIALIZING,
    runs.RunStatus.RUNNING.value: Materialization.MATERIALIZING,
    runs.RunStatus.FAILED.value: Materialization.FAILED,
    runs.RunStatus.CANCELLED.value: Materialization.FAILED,
}


# --- cursors, dates, cache keys ------------------------------------------------------------------


def encode_cursor(offset: int) -> str:
    """The opaque cursor of a page starting at `offset`."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The offset a cursor stands for (0 without one); ValidationFailed on `cursor` otherwise."""
    if cursor is None or cursor == "":
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        text = ""
    digits = text[len(_CURSOR_PREFIX):] if text.startswith(_CURSOR_PREFIX) else ""
    if not digits.isdigit() or len(digits) > 10 or int(digits) > MAX_OFFSET:
        raise ValidationFailed.field("cursor", "the cursor is malformed; pass meta.nextCursor unchanged")
    return int(digits)


def cache_key(config_hash: str, data_date: date) -> str:
    return f"{config_hash[:16]}:{data_date.isoformat()}"


def default_date(snap: Snapshot, requested: date | None) -> date:
    """The requested date, else the newest ready data date; ValidationFailed when none is loaded."""
    if requested is not None:
        return requested
    if not snap.dates:
        raise ValidationFailed.field("date", "no data date is loaded yet")
    return snap.dates[-1]


def loaded_date(snap: Snapshot, requested: date | None) -> date:
    """Like `default_date`, but the date must be loaded (a query runs on it)."""
    return audiences.resolve_data_date(snap, requested, field="date")


# --- rows ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """One G2 result row's inputs: intent plus the wide profile (snapshot or profile columns)."""

    score: int
    overlap: int
    topic_ids: tuple[int, ...]
    topic_name: str | None  # of the first matched topic
    profile: Mapping[str, Any]


def _run_person(row: Mapping[str, Any], topics: Mapping[str, Any]) -> Person:
    ids = tuple(int(t) for t in row["topic_ids"])
    first = topics.get(str(ids[0])) if ids else None
    return Person(int(row["score"]), int(row["overlap"]), ids, first["topicName"] if first else None, row)


def _adhoc_person(r: audience_sql.RankedRow, profile: Mapping[str, Any], snap: Snapshot) -> Person:
    first = snap.inventory.get(r.topics[0]) if r.topics else None
    return Person(r.score, r.overlap, tuple(r.topics), first.name if first else None, profile)


@dataclass(frozen=True, slots=True)
class Page:
    """A page of G2 rows; `status` is `ready`, or `materializing` (then no rows)."""

    status: Materialization
    people: list[Person]
    total: int
    offset: int
    data_date: date
    cache_key: str | None = None

    @property
    def has_more(self) -> bool:
        return self.status == Materialization.READY and self.offset + len(self.people) < self.total

    @property
    def next_cursor(self) -> str | None:
        return encode_cursor(self.offset + len(self.people)) if self.has_more else None


def _run_page(wh: Warehouse, run: Run, *, limit: int, offset: int, key: str | None = None) -> Page:
    rows = runs.results_page(wh, run, limit=limit, offset=offset)
    return Page(Materialization.READY, [_run_person(r, run.topics) for r in rows], run.kept_rows, offset,
                run.data_date, key)


# --- finding the run behind a materialization -----------------------------------------------------


def find_newest_run(session: Session, *, org_id: str, audience_id: str, data_date: date) -> Run | None:
    """The audience's newest run on `data_date` (any status); NotFound for another org's audience."""
    audiences.get_audience(session, org_id=org_id, audience_id=audience_id)
    return _newest_run(session, org_id=org_id, audience_id=audience_id, data_date=data_date)


def _newest_run(session: Session, *, org_id: str, audience_id: str, data_date: date) -> Run | None:
    return session.scalars(
        select(Run)
        .where(Run.organization_id == org_id, Run.audience_id == audience_id, Run.data_date == data_date)
        .order_by(Run.created_at.desc(), Run.id)
        .limit(1)
    ).first()


def get_materialized_run(session: Session, *, org_id: str, audience_id: str, data_date: date) -> Run:
    """The newest run on `data_date` if it completed; NotFound otherwise (G2: not materialized)."""
    run = find_newest_run(session, org_id=org_id, audience_id=audience_id, data_date=data_date)
    if run is None or run.status != runs.RunStatus.COMPLETED.value:
        raise NotFound(f"audience {audience_id} is not materialized for {data_date.isoformat()}")
    return run


def _find_completed(session: Session, *, org_id: str, audience_id: str, config_hash: str, data_date: date) -> Run | None:
    return session.scalars(
        select(Run)
        .where(Run.organization_id == org_id, Run.audience_id == audience_id, Run.data_date == data_date,
               Run.config_hash == config_hash, Run.status == runs.RunStatus.COMPLETED.value)
        .order_by(Run.completed_at.desc(), Run.id)
        .limit(1)
    ).first()


# --- POST /audiences/query -------------------------------------------------------------------------


def query_saved(
    sessions: sessionmaker[Session], wh: Warehouse, snap: Snapshot, *, org_id: str, audience_id: str,
    data_date: date | None, limit: int, cursor: str | None, ttl: timedelta,
) -> Page:
    """Rows of the audience's completed run on the date with its current config; otherwise a
    manual run is queued (or already in progress) and the page is `materializing`.

    Only the newest ready date can be materialized (runs always use it); asking for an older
    date that has no matching run is a ValidationFailed on `date`.
    """
    offset = decode_cursor(cursor)
    day = loaded_date(snap, data_date)
    # Owns a short transaction (like `exports.writer`): none is held across the warehouse read.
    with sessions.begin() as session:
        db.begin_write(session)
        audience = audiences.get_audience(session, org_id=org_id, audience_id=audience_id)
        key = cache_key(audience.config_hash, day)
        run = _find_completed(session, org_id=org_id, audience_id=audience_id, config_hash=audience.config_hash,
                              data_date=day)
        if run is None:
            if day != snap.dates[-1]:
                raise ValidationFailed.field(
                    "date", f"{day.isoformat()} has no materialized run; only the newest data date can be materialized")
            with contextlib.suppress(RunInProgress):  # a run is already on its way: the client polls
                runs.queue_run(session, org_id=org_id, audience_id=audience_id, snap=snap, idempotency_key=None,
                               ttl=ttl)
            return Page(Materialization.MATERIALIZING, [], 0, offset, day, key)
        session.expunge(run)
    return _run_page(wh, run, limit=limit, offset=offset, key=key)


def query_adhoc(
    wh: Warehouse, snap: Snapshot, vocab: cfg.Vocabulary, *, raw: Mapping[str, Any], data_date: date | None,
    limit: int, cursor: str | None, index: ServingIndex | None = None, lists: audiences.Lists | None = None,
) -> Page:
    """An unsaved config answered at once (no run), in result order: from the serving index
    when it holds the day, else from the warehouse; without its suppression lists' people."""
    offset = decode_cursor(cursor)
    config = audiences.require_config(dict(raw), vocab)
    day = loaded_date(snap, data_date)
    spec = cfg.to_spec(config, day, audiences.suppression_refs(raw, config, lists))
    page = audiences.evaluate(wh, index, spec, limit=limit, offset=offset)
    people = [_adhoc_person(r, page.profiles.get(r.person_id, {}), snap) for r in page.rows]
    return Page(Materialization.READY, people, page.counted.total, offset, day, cache_key(config.config_hash, day))


# --- GET /{id}/status, /results, /stats ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    status: Materialization
    total: int
    data_date: date
    run_id: str | None


def _newest_or_refresh(sessions: sessionmaker[Session], snap: Snapshot, *, org_id: str, audience_id: str,
                       data_date: date) -> Run | None:
    """The newest run on the date (detached); for an active audience with none on the newest data
    date, its run is queued first (activation queues it, but a day loaded since then would wait
    for the scheduler's tick), so G2 clients see `materializing`, never `none`.

    Owns its transactions: reads in one, and only when a run must be queued, writes in another.
    """
    with sessions() as session:
        audience = audiences.get_audience(session, org_id=org_id, audience_id=audience_id)
        run = _newest_run(session, org_id=org_id, audience_id=audience_id, data_date=data_date)
        if run is not None:
            session.expunge(run)
            return run
        if audience.status != audiences.AudienceStatus.ACTIVE.value or not snap.dates or data_date != snap.dates[-1]:
            return None
    with sessions.begin() as session:
        db.begin_write(session)
        runs.queue_daily_runs(session, data_date=data_date, audience_id=audience_id)
        run = _newest_run(session, org_id=org_id, audience_id=audience_id, data_date=data_date)
        if run is not None:
            session.expunge(run)
    return run


def status(sessions: sessionmaker[Session], snap: Snapshot, *, org_id: str, audience_id: str,
           data_date: date) -> Status:
    """What the newest run on the date says: ready, materializing, failed, or none."""
    run = _newest_or_refresh(sessions, snap, org_id=org_id, audience_id=audience_id, data_date=data_date)
    if run is None:
        return Status(Materialization.NONE, 0, data_date, None)
    state = _BY_RUN_STATUS.get(run.status, Materialization.FAILED)
    return Status(state, run.kept_rows if state == Materialization.READY else 0, data_date, run.id)


def results(
    sessions: sessionmaker[Session], wh: Warehouse, snap: Snapshot, *, org_id: str, audience_id: str, data_date: date, limit: int,
    cursor: str | None,
) -> Page:
    """Rows of the newest run on the date; `materializing` while it is queued or running (an
    active audience's run is queued if missing); NotFound when there is no run, or it failed or
    was cancelled."""
    offset = decode_cursor(cursor)
    run = _newest_or_refresh(sessions, snap, org_id=org_id, audience_id=audience_id, data_date=data_date)
    if run is not None and runs.is_pending(run):
        return Page(Materialization.MATERIALIZING, [], 0, offset, data_date)
    if run is None or run.status != runs.RunStatus.COMPLETED.value:
        raise NotFound(f"audience {audience_id} is not materialized for {data_date.isoformat()}")
    return _run_page(wh, run, limit=limit, offset=offset)


@dataclass(frozen=True, slots=True)
class FieldStats:
    total: int
    data_date: date
    fields: dict[str, float]  # field name -> percent of non-empty values


def field_stats(session: Session, wh: Warehouse, *, org_id: str, audience_id: str, data_date: date) -> FieldStats:
    """Percent of non-empty values per field of the materialized run; NotFound if there is none."""
    run = get_materialized_run(session, org_id=org_id, audience_id=audience_id, data_date=data_date)
    s = runs.snapshot_stats(wh, run)
    pct = {k: (round(v * 100.0 / s.total, 2) if s.total else 0.0) for k, v in s.fill.items()}
    return FieldStats(s.total, run.data_date, pct)


# --- POST /{id}/export -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportOut:
    link: exports.ExportLink
    file_name: str
    rows: int
    data_date: date
    cached: bool


def export(
    sessions: sessionmaker[Session], wh: Warehouse, storage: ExportStorage, *, org_id: str, audience_id: str,
    data_date: date, requested_by: str | None, retention: timedelta, ttl_seconds: int, base_url: str,
) -> ExportOut:
    """Create or reuse the stored CSV export of the materialized run, with a fresh signed URL.

    Owns its transactions like `exports.writer` (no metadata transaction is held while the file
    is written); NotFound when the audience is not materialized on the date.
    """
    with sessions() as session:
        run = get_materialized_run(session, org_id=org_id, audience_id=audience_id, data_date=data_date)
        run_id, day = run.id, run.data_date
    made = writer.create_or_reuse(sessions, wh, storage, org_id=org_id, audience_id=audience_id, run_id=run_id,
                                  requested_by=requested_by, retention=retention)
    link = exports.link(storage, made.export, ttl_seconds=ttl_seconds, base_url=base_url)
    file = exports.stored_file(made.export)
    return ExportOut(link, file.download_name, made.export.row_count, day, cached=not made.created)
