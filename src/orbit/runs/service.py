"""Runs: queue, claims with leases, retries, cancel, daily scheduling, results and stats. No HTTP.

The `run` table is the queue. A claim is one conditional UPDATE (PostgreSQL adds SKIP LOCKED);
every later step is a compare-and-set on (id, status, lease_owner), so a worker that lost its
lease can never complete a run another worker now owns. Services flush, never commit.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import CursorResult, Result, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orbit.audiences import config as cfg
from orbit.audiences import service as audiences
from orbit.errors import (
    IdempotencyConflict,
    NotFound,
    RunInProgress,
    RunNotCancellable,
    RunNotCompleted,
    ValidationFailed,
)
from orbit.metadata import db
from orbit.metadata.models import Audience, Export, IdempotencyKey, Run
from orbit.metadata.scoping import find_owned
from orbit.suppression import service as suppression
from orbit.topics.service import Snapshot
from orbit.warehouse import runs_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.changes_sql import ChangeCounts

MAX_IDEMPOTENCY_KEY = 120


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RunType(StrEnum):
    MANUAL = "manual"
    DAILY = "daily"


IN_PROGRESS = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)


def _now() -> datetime:
    return datetime.now(UTC)


def _rowcount(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


# --- queue -------------------------------------------------------------------------------------


class Doorbell:
    """Rung when a transaction that queued runs commits, so this process's idle workers claim them
    at once rather than at their next poll (`poll_seconds`: 1 s by default, so a run waited 0.5 s
    on average before it started). Workers in other processes still find runs by polling."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._rings = 0

    @property
    def rings(self) -> int:
        return self._rings

    def ring(self) -> None:
        with self._cond:
            self._rings += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Return once rung after `seen` was read (at once if that already happened), or after
        `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._rings != seen, timeout)


DOORBELL = Doorbell()


@dataclass(frozen=True, slots=True)
class Queued:
    run: Run
    created: bool  # False: an idempotent replay of an earlier request


def _new_run(audience: Audience, *, run_type: RunType, data_date: date, key: str | None, now: datetime) -> Run:
    return Run(
        id=str(uuid.uuid4()), organization_id=audience.organization_id, audience_id=audience.id,
        status=RunStatus.QUEUED.value, run_type=run_type.value, config=dict(audience.config),
        config_hash=audience.config_hash, data_date=data_date, topics={}, candidate_count=0,
        result_count=0, kept_rows=0, suppressed_count=0, attempts=0, next_attempt_at=now, idempotency_key=key,
        created_at=now, updated_at=now,
    )


def _insert_run(session: Session, run: Run) -> None:
    """Add a queued run; RunInProgress when the audience already has one queued or running."""
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError as exc:
        current = session.scalars(
            select(Run.id).where(Run.audience_id == run.audience_id, Run.status.in_(IN_PROGRESS))
        ).first()
        raise RunInProgress(
            "the audience already has a queued or running run", details={"runId": current}
        ) from exc


def queue_run(
    session: Session,
    *,
    org_id: str,
    audience_id: str,
    snap: Snapshot,
    idempotency_key: str | None,
    ttl: timedelta,
    now: datetime | None = None,
) -> Queued:
    """Queue a manual run on the newest ready data date.

    The same idempotency key (per organization, kept `ttl`) for the same audience returns the
    same run; for another audience it raises IdempotencyConflict. RunInProgress when the
    audience already has a queued or running run; NotFound for another organization's audience.
    """
    now = now or _now()
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise ValidationFailed.field("Idempotency-Key", f"must be 1..{MAX_IDEMPOTENCY_KEY} characters")
    audience = audiences.get_audience(session, org_id=org_id, audience_id=audience_id)
    if idempotency_key is not None:
        replay = _replay(session, org_id=org_id, audience_id=audience_id, key=idempotency_key, now=now)
        if replay is not None:
            return Queued(replay, created=False)
    if not snap.dates:
        raise ValidationFailed.field("dataDate", "no data date is loaded yet")
    run = _new_run(audience, run_type=RunType.MANUAL, data_date=snap.dates[-1], key=idempotency_key, now=now)
    try:
        _insert_run(session, run)
    except RunInProgress:
        # On PostgreSQL a concurrent request with the same key inserts its run in parallel: our
        # insert waited for its commit and then hit the one-run-in-progress index. Its key row
        # is visible now, so the replay wins, as it does on SQLite (where writers queue up).
        if idempotency_key is not None:
            replay = _replay(session, org_id=org_id, audience_id=audience_id, key=idempotency_key, now=now)
            if replay is not None:
                return Queued(replay, created=False)
        raise
    if idempotency_key is not None:
        try:
            with session.begin_nested():
                session.add(IdempotencyKey(organization_id=org_id, key=idempotency_key, audience_id=audience_id,
                                           run_id=run.id, expires_at=now + ttl))
                session.flush()
        except IntegrityError as exc:
            # A concurrent request with the same key won; it answers for both.
            raise IdempotencyConflict("this Idempotency-Key is being used by another request") from exc
    db.after_commit(session, DOORBELL.ring)
    return Queued(run, created=True)


def _replay(session: Session, *, org_id: str, audience_id: str, key: str, now: datetime) -> Run | None:
    row = session.get(IdempotencyKey, (org_id, key))
    if row is None:
        return None
    if row.expires_at <= now:
        session.delete(row)
        session.flush()
        return None
    if row.audience_id != audience_id:
        raise IdempotencyConflict("this Idempotency-Key was used for another audience")
    run = session.get(Run, row.run_id)
    if run is None:  # the run went with its audience; the key is free again
        session.delete(row)
        session.flush()
    return run


def get_run(session: Session, *, org_id: str, audience_id: str, run_id: str) -> Run:
    """The run of the organization's audience; NotFound otherwise (also for other orgs')."""
    run = find_owned(session, Run, org_id=org_id, obj_id=run_id)
    if run is None or run.audience_id != audience_id:
        raise NotFound(f"run {run_id} does not exist")
    return run


@dataclass(frozen=True, slots=True)
class RunPage:
    items: list[Run]
    total: int


def list_runs(session: Session, *, org_id: str, audience_id: str, limit: int, offset: int) -> RunPage:
    """Newest first. NotFound for another organization's audience."""
    audiences.get_audience(session, org_id=org_id, audience_id=audience_id)
    where = (Run.audience_id == audience_id, Run.organization_id == org_id)
    total = int(session.scalar(select(func.count()).select_from(Run).where(*where)) or 0)
    items = session.scalars(select(Run).where(*where).order_by(Run.created_at.desc(), Run.id).limit(limit).offset(offset))
    return RunPage(list(items), total)


def cancel_run(session: Session, *, org_id: str, audience_id: str, run_id: str, now: datetime | None = None) -> Run:
    """Cancel a queued run; RunNotCancellable for any other state (checked atomically)."""
    now = now or _now()
    run = get_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
    moved = _rowcount(session.execute(
        update(Run).where(Run.id == run.id, Run.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.CANCELLED.value, cancelled_at=now, updated_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    ))
    session.refresh(run)
    if moved != 1:
        raise RunNotCancellable(f"run {run.id} is {run.status}; only queued runs can be cancelled",
                                details={"status": run.status})
    return run


# --- claims, leases, retries -------------------------------------------------------------------


def claim_next_run(session: Session, *, worker_id: str, lease: timedelta, now: datetime | None = None) -> Run | None:
    """Move the oldest due queued run to `running` for this worker; None when nothing is due.

    Commit right after: the claim is the only thing this transaction should do.
    """
    now = now or _now()
    due = (
        select(Run.id)
        .where(Run.status == RunStatus.QUEUED.value, Run.next_attempt_at <= now)
        .order_by(Run.next_attempt_at, Run.created_at, Run.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    run_id = session.scalar(due)
    if run_id is None:
        return None
    claimed = _rowcount(session.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.RUNNING.value, lease_owner=worker_id, lease_expires_at=now + lease,
                attempts=Run.attempts + 1, started_at=func.coalesce(Run.started_at, now), updated_at=now)
        .execution_options(synchronize_session=False)
    ))
    if claimed != 1:
        return None  # another worker took it between the read and the update
    return session.get(Run, run_id, populate_existing=True)


def _owned(run_id: str, worker_id: str) -> Any:
    return and_(Run.id == run_id, Run.status == RunStatus.RUNNING.value, Run.lease_owner == worker_id)


def heartbeat(session: Session, *, run_id: str, worker_id: str, lease: timedelta, now: datetime | None = None) -> bool:
    """Extend the lease; False when the worker no longer owns the run."""
    now = now or _now()
    return _rowcount(session.execute(
        update(Run).where(_owned(run_id, worker_id)).values(lease_expires_at=now + lease, updated_at=now)
        .execution_options(synchronize_session=False)
    )) == 1


def retry_at(attempts: int, now: datetime, *, max_attempts: int, base_seconds: float) -> datetime | None:
    """When a failed attempt is retried, or None once `max_attempts` are used up."""
    if attempts >= max_attempts:
        return None
    return now + timedelta(seconds=base_seconds * 4 ** (attempts - 1))


def fail_attempt(
    session: Session, *, run: Run, worker_id: str, code: str, message: str,
    max_attempts: int, base_seconds: float, now: datetime | None = None,
) -> str | None:
    """Record a failed attempt: back to `queued` with a backoff, or `failed` after the last one.

    Returns the new status, or None when the worker had lost the run.
    """
    now = now or _now()
    when = retry_at(run.attempts, now, max_attempts=max_attempts, base_seconds=base_seconds)
    values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None, "updated_at": now,
                              "error_code": code, "error_message": message[:2000]}
    if when is None:
        values.update(status=RunStatus.FAILED.value, next_attempt_at=None, completed_at=None)
    else:
        values.update(status=RunStatus.QUEUED.value, next_attempt_at=when)
    moved = _rowcount(session.execute(
        update(Run).where(_owned(run.id, worker_id)).values(**values).execution_options(synchronize_session=False)
    ))
    return str(values["status"]) if moved == 1 else None


@dataclass(frozen=True, slots=True)
class RunChanges:
    """What changed since the previous completed run (`runs.changes`), as stored on a run."""

    previous_run_id: str
    counts: ChangeCounts
    min_score_change: int


def complete_run(
    session: Session, *, run: Run, worker_id: str, counts: runs_sql.RunCounts, topics: dict[str, Any],
    query_id: str, changes: RunChanges | None = None, now: datetime | None = None,
) -> bool:
    """Mark the run completed with its counts and its changes since the previous completed run
    (compare-and-set on the lease) and move the audience's size and last refresh to it. False
    when the worker had lost the run."""
    now = now or _now()
    done = _rowcount(session.execute(
        update(Run).where(_owned(run.id, worker_id)).values(
            status=RunStatus.COMPLETED.value, candidate_count=counts.candidate_count,
            result_count=counts.result_count, kept_rows=counts.kept_rows, suppressed_count=counts.suppressed_count,
            topics=topics, query_id=query_id,
            previous_run_id=changes.previous_run_id if changes else None,
            changes_new=changes.counts.new if changes else None,
            changes_dropped=changes.counts.dropped if changes else None,
            changes_changed=changes.counts.changed if changes else None,
            changes_min_score=changes.min_score_change if changes else None,
            completed_at=now, lease_owner=None, lease_expires_at=None, next_attempt_at=None,
            error_code=None, error_message=None, updated_at=now,
        ).execution_options(synchronize_session=False)
    ))
    if done != 1:
        return False
    session.execute(
        update(Audience)
        .where(Audience.id == run.audience_id,
               or_(Audience.last_refreshed_at.is_(None), Audience.last_refreshed_at <= now))
        .values(audience_size=counts.result_count, last_refreshed_at=now)
        .execution_options(synchronize_session=False)
    )
    return True


@dataclass(frozen=True, slots=True)
class Requeued:
    failed: list[str]  # runs failed for good (attempts used up): the caller writes their events
    requeued: int

    @property
    def total(self) -> int:
        return len(self.failed) + self.requeued


def requeue_expired(session: Session, *, max_attempts: int, now: datetime | None = None) -> Requeued:
    """Free the runs of workers that stopped heart-beating: queued again, or failed when their
    attempts are used up."""
    now = now or _now()
    expired = and_(Run.status == RunStatus.RUNNING.value, Run.lease_expires_at < now)
    failed = list(session.scalars(
        update(Run).where(expired, Run.attempts >= max_attempts).values(
            status=RunStatus.FAILED.value, lease_owner=None, lease_expires_at=None, next_attempt_at=None,
            error_code="WORKER_LOST", error_message="the worker stopped before finishing", updated_at=now,
        ).returning(Run.id).execution_options(synchronize_session=False)
    ))
    requeued = _rowcount(session.execute(
        update(Run).where(expired, Run.attempts < max_attempts).values(
            status=RunStatus.QUEUED.value, lease_owner=None, lease_expires_at=None, next_attempt_at=now,
            error_code="WORKER_LOST", error_message="the worker stopped before finishing; retrying", updated_at=now,
        ).execution_options(synchronize_session=False)
    ))
    return Requeued(failed, requeued)


# --- daily scheduling --------------------------------------------------------------------------


def queue_daily_runs(session: Session, *, data_date: date, audience_id: str | None = None,
                     now: datetime | None = None) -> list[Run]:
    """Queue one `daily` run on `data_date` for every active audience (or just `audience_id`, when
    it is active), unless it already has a run in progress or a completed run with the same
    (configHash, dataDate)."""
    now = now or _now()
    done = select(Run.id).where(
        Run.audience_id == Audience.id, Run.config_hash == Audience.config_hash, Run.data_date == data_date,
        Run.status.in_((RunStatus.COMPLETED.value, *IN_PROGRESS)),
    )
    busy = select(Run.id).where(Run.audience_id == Audience.id, Run.status.in_(IN_PROGRESS))
    wanted = select(Audience).where(Audience.status == "active", ~done.exists(), ~busy.exists())
    if audience_id is not None:
        wanted = wanted.where(Audience.id == audience_id)
    queued: list[Run] = []
    for audience in session.scalars(wanted.order_by(Audience.id)).all():
        run = _new_run(audience, run_type=RunType.DAILY, data_date=data_date, key=None, now=now)
        try:
            _insert_run(session, run)
            queued.append(run)
        except RunInProgress:
            continue  # a manual run got in first; the next tick looks again
    if queued:
        db.after_commit(session, DOORBELL.ring)
    return queued


# --- reading a completed snapshot --------------------------------------------------------------


def require_completed(run: Run) -> None:
    """RunNotCompleted (409) for failed or cancelled runs; queued/running are the caller's 202."""
    if run.status in (RunStatus.FAILED.value, RunStatus.CANCELLED.value):
        raise RunNotCompleted(f"run {run.id} is {run.status}", details={"status": run.status})


def is_pending(run: Run) -> bool:
    return run.status in IN_PROGRESS


def results_page(wh: Warehouse, run: Run, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """Rows of a completed run in result order."""
    return runs_sql.page(wh, run_id=run.id, attempt=run.attempts, limit=limit, offset=offset)


def snapshot_stats(wh: Warehouse, run: Run) -> runs_sql.SnapshotStats:
    return runs_sql.stats(wh, run_id=run.id, attempt=run.attempts)


def topics_snapshot(snap: Snapshot, topic_ids: Sequence[int]) -> dict[str, Any]:
    """The run's topics as they are now, stored on the run so its rows never change."""
    out: dict[str, Any] = {}
    for tid in topic_ids:
        t = snap.inventory.get(int(tid))
        if t is not None:
            out[str(t.topic_id)] = {"topicName": t.name, "type": t.type, "industry": t.industry, "category": t.category}
    return out


def spec_of(run: Run) -> Any:
    """The warehouse spec of the run's own config and data date (without its suppression lists)."""
    return cfg.to_spec(cfg.from_stored(run.config), run.data_date)


def run_spec(session: Session, run: Run) -> Any:
    """`spec_of`, with the run's suppression lists as they are published now: a run applies the
    lists' contents at run time. Lists deleted since the run was queued are skipped (a list is
    deleted only once no audience names it)."""
    config = cfg.from_stored(run.config)
    refs = suppression.refs(session, org_id=run.organization_id, list_ids=config.suppression_list_ids, strict=False)
    return cfg.to_spec(config, run.data_date, refs)


def delete_audience_runs(session: Session, *, audience_id: str) -> list[str]:
    """Delete the audience's runs (and idempotency keys); returns their ids so the caller can drop
    their snapshots and stored files."""
    ids = list(session.scalars(select(Run.id).where(Run.audience_id == audience_id)))
    if ids:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.run_id.in_(ids)))
        session.execute(delete(Run).where(Run.id.in_(ids)))
    return ids


def exported_run_ids(session: Session, run_ids: Sequence[str]) -> set[str]:
    """Which of these runs have a completed stored export (the G2 `hasExport`)."""
    if not run_ids:
        return set()
    rows = session.scalars(select(Export.run_id).where(
        Export.run_id.in_(list(run_ids)), Export.status == "completed", Export.expires_at > _now()))
    return set(rows)


def snapshot_garbage(session: Session, present: dict[str, set[int]]) -> tuple[list[str], dict[str, int]]:
    """Given the run ids (and attempts) that have snapshot rows: runs that no longer exist, and
    completed runs with rows of attempts other than the one that completed (kept attempt)."""
    if not present:
        return [], {}
    rows = session.execute(select(Run.id, Run.status, Run.attempts).where(Run.id.in_(list(present)))).all()
    known = {r.id: (r.status, r.attempts) for r in rows}
    gone = [rid for rid in present if rid not in known]
    stale = {
        rid: attempts for rid, (status, attempts) in known.items()
        if status == RunStatus.COMPLETED.value and present[rid] != {attempts}
    }
    return gone, stale


def count_by_status(session: Session) -> dict[str, float]:
    """Runs per status (every status present, zeros included), for metrics."""
    counts = {status: n for status, n in session.execute(select(Run.status, func.count()).group_by(Run.status))}
    return {status.value: float(counts.get(status.value, 0)) for status in RunStatus}
