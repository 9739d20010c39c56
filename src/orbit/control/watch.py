"""The watched folder of `orbit serve` (ORBIT_INGEST__WATCH_DIR): each sub-directory dropped into
it is a data set in the `orbit datagen` layout, loaded with whatever files it holds, then moved
to `loaded/` (or to `failed/`, with the reason in `failed/<name>.txt`).

A drop is loaded once it has not changed between two polls, so a folder still being copied in is
left alone; moving a finished folder in (`mv`, same file system) makes it whole at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

from orbit.control.channel import LoadRequest
from orbit.control.loader import Busy, Loader
from orbit.control.server import outcome_of_failure
from orbit.datagen import files

log = logging.getLogger("orbit.control")

LOADED, FAILED = "loaded", "failed"
_DIMENSION_FILES = {"topics": files.TOPICS, "companies": files.COMPANIES, "persons": files.PERSONS}

Signature = tuple[tuple[str, int, int], ...]


def _signature(drop: Path) -> Signature:
    """Every file under `drop` with its size and modification time: equal twice, the drop is still."""
    found = []
    for path in drop.rglob("*"):
        st = path.lstat()
        if not path.is_dir():
            found.append((str(path.relative_to(drop)), st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


def kinds_in(drop: Path) -> tuple[str, ...]:
    """The kinds of data a drop holds: its dimension files, and signals if it has signal files."""
    kinds = [kind for kind, name in _DIMENSION_FILES.items() if (drop / name).is_file()]
    if files.signal_dates(drop):
        kinds.append("signals")
    return tuple(kinds)


class FolderWatcher:
    """Polls the folder every `every` seconds in a thread and loads still drops, oldest name first."""

    def __init__(self, folder: Path, loader: Loader, *, every: float) -> None:
        self.folder, self._loader, self._every = folder, loader, every
        self._seen: dict[str, Signature] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        for name in (LOADED, FAILED):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._poll, name="orbit-watch", daemon=True)
        self._thread.start()
        log.info("watching %s for data sets to load", self.folder)

    def _poll(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self.scan()
            except Exception:  # the folder went away or is unreadable: try again next time
                log.exception("scanning the watched folder %s failed", self.folder)

    def scan(self) -> list[str]:
        """Load every drop that has not changed since the last scan; returns their names."""
        handled: list[str] = []
        drops = sorted(p for p in self.folder.iterdir()
                       if p.is_dir() and p.name not in (LOADED, FAILED) and not p.name.startswith("."))
        self._seen = {k: v for k, v in self._seen.items() if k in {d.name for d in drops}}
        for drop in drops:
            signature = _signature(drop)
            if self._seen.get(drop.name) != signature:
                self._seen[drop.name] = signature  # new or still changing: look again next time
                continue
            if self._stop.is_set() or not self._load(drop):
                break
            del self._seen[drop.name]
            handled.append(drop.name)
        return handled

    def _load(self, drop: Path) -> bool:
        """Load one drop and move it away; False when the loader is busy (kept for later)."""
        kinds = kinds_in(drop)
        if not kinds:
            self._move(drop, FAILED, "no data files: expected topics.parquet, companies.parquet, persons.parquet "
                                     "or signals/YYYY-MM-DD.parquet (the orbit datagen layout)")
            return True
        try:
            with self._loader.slot(who="watched folder", directory=str(drop)):
                outcome = self._loader.load(LoadRequest(drop.resolve(), kinds, None), lambda *_: None)
        except Busy:
            return False
        except Exception as exc:
            answer = outcome_of_failure(exc)
            if answer["reason"] == "stopped":
                return False  # shutting down: loaded again from the start next time
            log.warning("the watched drop %s failed: %s", drop.name, answer["message"], exc_info=answer["reason"] == "error")
            self._move(drop, FAILED, str(answer["message"]))
            return True
        log.info("loaded the watched drop %s in %.1f s: %s; %d days, newest %s, %d daily runs queued",
                 drop.name, outcome.seconds, outcome.report.dimensions or "no dimensions",
                 len(outcome.report.days), outcome.newest, outcome.queued)
        self._move(drop, LOADED, None)
        return True

    def _move(self, drop: Path, where: str, reason: str | None) -> None:
        target = self.folder / where / drop.name
        if target.exists():  # the same name dropped again: keep both
            target = target.with_name(f"{drop.name}.{datetime.now():%Y%m%dT%H%M%S%f}")
        drop.rename(target)
        if reason is not None:
            target.with_name(target.name + ".txt").write_text(reason + "\n")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

