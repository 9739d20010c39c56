"""The run worker and the daily scheduler. Jobs take ids and open their own short sessions;
nothing is held across a warehouse query.

`orbit serve` runs these in threads (the embedded default); `orbit worker` runs them alone.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from orbit.metadata import db
from orbit.metadata.models import Run
from orbit.runs import changes, events, service
from orbit.serving import query as serving
from orbit.serving import suppression
from orbit.serving.index import ServingIndex
from orbit.settings import RunsSettings
from orbit.topics.service import Snapshot
from orbit.warehouse import runs_sql
from orbit.warehouse.audience_sql import AudienceSpec
from orbit.warehouse.backend import Warehouse, WarehouseQueryError, new_query_id

log = logging.getLogger("orbit.worker")

# The serving index of a snapshot, when the process has one (`IndexHolder.current`).
IndexOf = Callable[[Snapshot], ServingIndex | None]


def worker_name() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Claims queued runs one at a time, materializes them and records the outcome."""

    def __init__(
        self,
        wh: Warehouse,
        sessions: sessionmaker[Session],
        snapshot: Callable[[], Snapshot],
        settings: RunsSettings,
        *,
        worker_id: str | None = None,
        index_of: IndexOf | None = None,
        workdir: Path | None = None,
    ) -> None:
        """With `index_of` (and a `workdir` for the files it hands the engine), runs on the day
        of the serving index are ranked and hydrated from it; the others, and every run without it, by SQL."""
        self.wh, self.sessions, self.snapshot, self.settings = wh, sessions, snapshot, settings
        self.index_of, self.workdir = index_of, workdir
        self.worker_id = worker_id or worker_name()
        self.lease = timedelta(seconds=settings.lease_seconds)

    def _claim(self) -> Run | None:
        with self.sessions.begin() as session:
            db.begin_write(session)
            for lost in service.requeue_expired(session, max_attempts=self.settings.max_attempts).failed:
                events.run_failed(session, run_id=lost)  # a worker died on its last attempt
            run = service.claim_next_run(session, worker_id=self.worker_id, lease=self.lease)
            if run is not None:
                session.expunge(run)
            return run

    def run_once(self) -> bool:
        """Process one due run; False when there was nothing to do."""
        run = self._claim()
        if run is None:
            return False
        log.info("run %s attempt %d claimed by %s", run.id, run.attempts, self.worker_id)
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(run.id, stop), daemon=True)
        beat.start()
        try:
            self._process(run)
        finally:
            stop.set()
            beat.join(timeout=5)
        return True

    def _heartbeat(self, run_id: str, stop: threading.Event) -> None:
        while not stop.wait(self.settings.lease_seconds / 3):
            try:
                with self.sessions.begin() as session:
                    db.begin_write(session)
                    if not service.heartbeat(session, run_id=run_id, worker_id=self.worker_id, lease=self.lease):
                        log.warning("run %s: lease lost by %s", run_id, self.worker_id)
                        return
            except Exception:  # a missed beat is retried at the next one
                log.exception("run %s: heartbeat failed", run_id)

    def _process(self, run: Run) -> None:
        query_id = new_query_id()
        try:
            snap = self.snapshot()
            topics = service.topics_snapshot(snap, run.config.get("topicIds", []))
            with self.sessions() as session:
                spec = service.run_spec(session, run)
            counts = self._materialize(run, snap, spec, query_id)
            with self.sessions() as session:
                previous = changes.find_previous_run(session, audience_id=run.audience_id, run_id=run.id)
                previous_ref = changes.ref(previous) if previous is not None else None
            # Counted once the rows are written, before the run is marked completed: its changes
            # are there as soon as the run is, and a failure is retried like the rest.
            changed = changes.count_changes(self.wh, run=run, previous=previous_ref)
        except WarehouseQueryError as exc:
            self._fail(run, "WAREHOUSE_ERROR", "the warehouse query failed", exc)
            return
        except Exception as exc:
            self._fail(run, "INTERNAL_ERROR", "the run failed unexpectedly", exc)
            return
        with self.sessions.begin() as session:
            db.begin_write(session)
            done = service.complete_run(
                session, run=run, worker_id=self.worker_id, counts=counts, topics=topics, query_id=query_id,
                changes=changed,
            )
            if done:
                events.run_completed(session, run_id=run.id)  # webhook outbox rows, same transaction
        if not done:
            # Another worker owns the run now: this attempt's rows are never read; drop them.
            log.warning("run %s attempt %d finished after losing its lease; discarded", run.id, run.attempts)
            runs_sql.drop_attempt(self.wh, run_id=run.id, attempt=run.attempts)
            return
        log.info("run %s completed: %d candidates, %d results, %d kept", run.id,
                 counts.candidate_count, counts.result_count, counts.kept_rows)

    def _materialize(self, run: Run, snap: Snapshot, spec: AudienceSpec, query_id: str) -> runs_sql.RunCounts:
        index = self.index_of(snap) if self.index_of is not None else None
        # With signals of people missing from persons, SQL counts them among a run's candidates.
        if index is None or self.workdir is None or index.dropped_signals or not serving.supports(index, spec):
            return runs_sql.materialize(self.wh, spec, run_id=run.id, attempt=run.attempts,
                                        cap=self.settings.result_cap, query_id=query_id)
        # Ranked and hydrated in memory (its memory-mapped profiles): the capped 300,000-row run
        # took 1.17-1.54 s this way against 2.09 s when the engine joined the profiles to the
        # ranked people, and the strict 556-row run 0.03 s against 0.3 s (the engine decompressed
        # the profile columns of every granule holding one of them). Written in parts of
        # `SNAPSHOT_PART_ROWS` ranks, the engine loading one while the next is hydrated.
        sel = serving.select(index, spec, suppression.mask(index, self.wh, spec.suppression))
        parts = serving.snapshot_parts(index, sel, cap=self.settings.result_cap, part_rows=runs_sql.SNAPSHOT_PART_ROWS)
        log.info("run %s: %d rows hydrated from the serving index (query id %s)", run.id,
                 min(sel.total, self.settings.result_cap), query_id)
        return runs_sql.write_snapshot(self.wh, parts, (sel.matched, sel.total), run_id=run.id,
                                       attempt=run.attempts, workdir=self.workdir, suppressed=sel.suppressed)

    def _fail(self, run: Run, code: str, message: str, exc: Exception) -> None:
        log.error("run %s attempt %d failed: %s", run.id, run.attempts, exc)
        with self.sessions.begin() as session:
            db.begin_write(session)
            status = service.fail_attempt(
                session, run=run, worker_id=self.worker_id, code=code, message=message,
                max_attempts=self.settings.max_attempts, base_seconds=self.settings.retry_base_seconds,
            )
            if status == service.RunStatus.FAILED.value:
                events.run_failed(session, run_id=run.id)
        log.info("run %s is now %s", run.id, status)

    def serve(self, stop: threading.Event) -> None:
        """Work until `stop` is set (ring `service.DOORBELL` then); when the queue is empty, wait
        `poll_seconds` or until a run is queued in this process."""
        while not stop.is_set():
            seen = service.DOORBELL.rings  # read before looking, so a run queued meanwhile still rings
            try:
                if self.run_once():
                    continue
            except Exception:
                log.exception("worker %s: unexpected error", self.worker_id)
            service.DOORBELL.wait(seen, self.settings.poll_seconds)


def collect_garbage(wh: Warehouse, sessions: sessionmaker[Session]) -> int:
    """Drop snapshot rows of deleted runs and of superseded attempts; returns runs cleaned."""
    present = runs_sql.snapshot_runs(wh)
    with sessions() as session:
        gone, stale = service.snapshot_garbage(session, present)
    runs_sql.delete_runs(wh, gone)
    for run_id, attempt in stale.items():
        runs_sql.keep_only_attempt(wh, run_id=run_id, attempt=attempt)
    if runs_sql.reclaimable(wh):
        runs_sql.reclaim(wh)
    return len(gone) + len(stale)


def schedule_daily(sessions: sessionmaker[Session], snap: Snapshot) -> int:
    """Queue the daily runs of the newest ready data date; returns how many were queued."""
    if not snap.dates:
        return 0
    with sessions.begin() as session:
        db.begin_write(session)
        return len(service.queue_daily_runs(session, data_date=snap.dates[-1]))


class Background:
    """Worker threads plus the periodic scheduler tick, started and stopped together."""

    def __init__(self, wh: Warehouse, sessions: sessionmaker[Session], snapshot: Callable[[], Snapshot],
                 settings: RunsSettings, *, workers: int, index_of: IndexOf | None = None,
                 workdir: Path | None = None) -> None:
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=Worker(wh, sessions, snapshot, settings, index_of=index_of, workdir=workdir).serve,
                             args=(self.stop,),
                             name=f"orbit-worker-{i}", daemon=True)
            for i in range(workers)
        ]
        self.threads.append(threading.Thread(target=self._tick, args=(wh, sessions, snapshot, settings),
                                             name="orbit-scheduler", daemon=True))

    def _tick(self, wh: Warehouse, sessions: sessionmaker[Session], snapshot: Callable[[], Snapshot],
              settings: RunsSettings) -> None:
        while not self.stop.is_set():
            try:
                queued = schedule_daily(sessions, snapshot())
                if queued:
                    log.info("scheduler queued %d daily runs", queued)
                cleaned = collect_garbage(wh, sessions)
                if cleaned:
                    log.info("janitor dropped the snapshot rows of %d runs", cleaned)
            except Exception:
                log.exception("scheduler tick failed")
            self.stop.wait(settings.schedule_seconds)

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def close(self, timeout: float = 30.0) -> None:
        self.stop.set()
        service.DOORBELL.ring()  # idle workers wait on it, not on `stop`
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
