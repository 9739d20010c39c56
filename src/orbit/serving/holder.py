"""The serving index of a running process: built in the background, swapped atomically.

`current(snap)` never waits: it answers the index when it was built from exactly the data the
snapshot describes (newest ready day, its load time, the filter catalogue version), and
otherwise starts a build and answers None, so the caller takes the SQL path meanwhile. A new day
or a re-loaded dimension thus reaches previews through SQL first and through the index seconds
later, never a stale answer. Builds over the memory budget are not started.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from orbit.serving import build as builder
from orbit.serving.index import Base, IndexKey, ServingIndex
from orbit.settings import ServingSettings
from orbit.topics.service import Snapshot
from orbit.warehouse import serving_sql
from orbit.warehouse.backend import Warehouse

log = logging.getLogger("orbit.serving")

RETRY_SECONDS = 60.0  # after a failed build (e.g. a warehouse timeout), the next request may retry


def key_of(snap: Snapshot) -> IndexKey | None:
    if not snap.dates:
        return None
    stamp = snap.stamp
    return IndexKey(snap.dates[-1], stamp.ready_days, stamp.newest_day_loaded_at, stamp.catalog_version)


@dataclass(frozen=True, slots=True)
class Status:
    state: str  # disabled | empty | building | ready | over_budget | failed
    data_date: str | None = None
    megabytes: float | None = None
    build_seconds: float | None = None
    detail: str | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"state": self.state}
        if self.data_date is not None:
            out["dataDate"] = self.data_date
        if self.megabytes is not None:
            out["megabytes"] = round(self.megabytes, 1)
        if self.build_seconds is not None:
            out["buildSeconds"] = round(self.build_seconds, 2)
        if self.detail is not None:
            out["detail"] = self.detail
        return out


class IndexHolder:
    def __init__(self, wh: Warehouse, settings: ServingSettings, *, directory: Path | None) -> None:
        """`directory` holds the memory-mapped profile files (None: profiles stay in memory)."""
        self._wh = wh
        self._settings = settings
        self._directory = directory
        self._base: Base | None = None
        self._lock = threading.Lock()
        self._index: ServingIndex | None = None
        self._wanted: IndexKey | None = None  # key of the running (or last finished) build
        self._thread: threading.Thread | None = None
        self._problem: tuple[IndexKey, str, str] | None = None  # key, state, detail
        self._retry_at = 0.0  # monotonic time after which a failed build of the same key is retried
        self._closed = False

    def current(self, snap: Snapshot) -> ServingIndex | None:
        """The index of exactly this snapshot's data, or None (a build is started if needed)."""
        if not self._settings.enabled:
            return None
        key = key_of(snap)
        index = self._index
        if index is not None and index.key == key:
            return index
        if key is not None:
            self._start(key)
        return None

    def _start(self, key: IndexKey) -> None:
        with self._lock:
            failed = self._problem is not None and self._problem[1] == "failed"
            if self._closed or (self._wanted == key and not (failed and time.monotonic() >= self._retry_at)):
                return  # built, being built, over budget, or failed lately for this key
            if self._thread is not None and self._thread.is_alive():
                return  # the running build finishes first; the next call starts this one
            self._wanted = key
            if failed:
                self._problem = None  # retrying: `building` again
            self._thread = threading.Thread(target=self._build, args=(key,), name="serving-index", daemon=True)
            self._thread.start()

    def _build(self, key: IndexKey) -> None:
        try:
            persons, companies, signals = serving_sql.sizes(self._wh, key.data_date)
            need = builder.estimate_bytes(persons, companies, signals)
            budget = self._settings.memory_budget_mb * 1_000_000
            if need > budget:
                detail = f"needs ~{need / 1e6:,.0f} MB, budget {budget / 1e6:,.0f} MB"
                log.warning("serving index of %s not built (%s): previews use SQL", key.data_date, detail)
                self._problem = (key, "over_budget", detail)
                self._index = None
                return
            index = builder.build(self._wh, key, base=self._base, directory=self._directory,
                                  answer_cache_entries=self._settings.answer_cache_entries)
            if self._closed:
                return
            self._base = index.base
            self._index, self._problem = index, None  # one assignment: requests see old or new
            if self._directory is not None:
                builder.remove_profile_files(self._directory, keep={index.base.profile_path or ""})
        except Exception as exc:  # the SQL path keeps answering; the reason goes to the log
            log.exception("serving index of %s failed to build; retried in %.0f s", key.data_date, RETRY_SECONDS)
            self._retry_at = time.monotonic() + RETRY_SECONDS
            self._problem = (key, "failed", type(exc).__name__)

    def status(self, snap: Snapshot) -> Status:
        if not self._settings.enabled:
            return Status("disabled")
        key = key_of(snap)
        if key is None:
            return Status("empty")
        index = self._index
        if index is not None and index.key == key:
            return Status("ready", key.data_date.isoformat(), index.nbytes / 1e6, index.build_seconds)
        problem = self._problem
        if problem is not None and problem[0] == key:
            return Status(problem[1], key.data_date.isoformat(), detail=problem[2])
        return Status("building", key.data_date.isoformat())

    def close(self) -> None:
        """Stop using the warehouse: waits for a running build (its reads are bounded)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            thread.join()
        self._index = self._base = None
        if self._directory is not None:
            builder.remove_profile_files(self._directory, keep=set())
