"""Loads inside `orbit serve`, one at a time: the same steps as `orbit ingest` (remove leftovers,
load, queue the daily runs), on the server's stores, then the server's caches are told at once.

The API keeps answering meanwhile: each load statement takes the warehouse in turn with the
requests, and a day becomes visible only when its metadata row turns ready (datasets.service).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from orbit.control.channel import LoadRequest
from orbit.datasets import service as datasets
from orbit.metadata import db
from orbit.runs import service as runs
from orbit.warehouse.backend import Warehouse

log = logging.getLogger("orbit.control")


class Busy(Exception):
    """Another load runs in this server; the message says which."""


class Stopped(Exception):
    """The server is shutting down: the load stopped between two files."""


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    report: datasets.IngestReport
    newest: date | None  # newest ready day after the load
    queued: int  # daily runs queued for it
    seconds: float


def queue_daily(sessions: sessionmaker[Session]) -> tuple[date | None, int]:
    """A data date finished loading: queue the daily run of every active audience on the newest
    ready day. Returns that day and how many runs were queued (one short transaction)."""
    with sessions.begin() as session:
        db.begin_write(session)
        dates = datasets.ready_dates(session)
        queued = runs.queue_daily_runs(session, data_date=dates[-1]) if dates else []
    return (dates[-1] if dates else None), len(queued)


@dataclass
class _Running:
    who: str
    directory: str
    started: datetime
    step: str = "starting"
    done: int = 0
    total: int = 0

    def describe(self) -> str:
        at = f", at {self.step} ({self.done}/{self.total})" if self.total else ""
        return f"a load of {self.directory} ({self.who}) started {self.started:%H:%M:%S}{at}"


class Loader:
    """Runs loads on the server's warehouse and metadata, one at a time; `after_load` refreshes
    the server's snapshot of ready days (and starts the serving index of a new day)."""

    def __init__(self, wh: Warehouse, sessions: sessionmaker[Session], *, after_load: Callable[[], None]) -> None:
        self._wh, self._sessions, self._after_load = wh, sessions, after_load
        self._lock = threading.Lock()
        self._running: _Running | None = None
        self._closing = threading.Event()

    @contextmanager
    def slot(self, *, who: str, directory: str) -> Iterator[None]:
        """Hold the one load slot for a load; Busy at once when it is taken (never waits)."""
        if self._closing.is_set():
            raise Busy("orbit serve is shutting down")
        if not self._lock.acquire(blocking=False):
            running = self._running
            raise Busy(f"orbit serve is busy with {running.describe() if running else 'another load'}; "
                       "run this ingest again when it has finished")
        try:
            self._running = _Running(who, directory, datetime.now().astimezone())
            yield
        finally:
            self._running = None
            self._lock.release()

    def load(self, request: LoadRequest, progress: datasets.Progress) -> LoadOutcome:
        """Load `request` (call inside `slot`). Raises IngestError for bad input (what was loaded
        before the bad file stays, as with `orbit ingest`), Stopped when the server shuts down."""
        started = time.perf_counter()
        running = self._running

        def step(what: str, done: int, total: int) -> None:
            # Between two files: the only place a load may stop without leaving a half-swapped day.
            if self._closing.is_set():
                raise Stopped(f"orbit serve stopped before {what}; what was loaded before stays")
            if running is not None:
                running.step, running.done, running.total = what, done, total
            progress(what, done, total)

        left = datasets.clean_leftovers(self._wh, self._sessions)  # one load at a time: none runs now
        if left.stage_tables or left.days:
            log.warning("removed leftovers of an interrupted ingest: %s, days %s", left.stage_tables, left.days)
        report = datasets.ingest_directory(
            self._wh, self._sessions, request.directory, kinds=request.kinds, days=request.days, progress=step,
        )
        newest, queued = queue_daily(self._sessions) if report.days else (None, 0)
        try:
            self._after_load()
        except Exception:  # the snapshot is re-read within seconds anyway
            log.exception("refreshing the topic snapshot after a load failed")
        return LoadOutcome(report, newest, queued, time.perf_counter() - started)

    def status(self) -> tuple[datasets.WarehouseStatus, str | None]:
        """The warehouse as `orbit status` shows it, and the load running now (None: none)."""
        running = self._running
        return datasets.warehouse_status(self._wh, self._sessions), running.describe() if running else None

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    def close(self) -> None:
        """Refuse new loads and wait for the running one to stop at its next file."""
        self._closing.set()
        with self._lock:
            pass
