"""Ingest of data-set files into the warehouse, recorded in the metadata store.

Each file is loaded stage → check → swap by `orbit.warehouse.loads`. A day is two swaps (signals,
then stats), so its metadata row is marked not ready before them and ready only after both, each
in its own short transaction: readers use ready days only and never see the pair half swapped.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from orbit.datagen import files
from orbit.errors import IngestError
from orbit.metadata.models import DataDate, DatasetLoad
from orbit.warehouse import catalog, loads
from orbit.warehouse.backend import Warehouse

DIMENSIONS = ("topics", "companies", "persons")
KINDS = (*DIMENSIONS, "signals")
Progress = Callable[[str, int, int], None]
log = logging.getLogger("orbit.datasets")


@dataclass(frozen=True, slots=True)
class IngestReport:
    dimensions: dict[str, int]
    days: dict[date, int]


@dataclass(frozen=True, slots=True)
class Leftovers:
    """What an interrupted ingest had left and `clean_leftovers` removed."""

    stage_tables: list[str]
    days: list[date]  # days whose swap never finished: dropped from the warehouse, to load again


@dataclass(frozen=True, slots=True)
class CatalogStamp:
    """Changes whenever topics or ready days change; readers reload their caches then."""

    topics_version: int
    topics_loaded_at: datetime | None
    catalog_version: int
    ready_days: int
    newest_day_loaded_at: datetime | None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _record_dimension(session: Session, *, kind: str, rows: int, sha: str) -> None:
    load = session.get(DatasetLoad, kind)
    if load is None:
        session.add(DatasetLoad(kind=kind, row_count=rows, content_sha256=sha, version=1, loaded_at=_now()))
    else:
        load.row_count, load.content_sha256, load.loaded_at = rows, sha, _now()
        load.version += 1


def _record_day(session: Session, *, day: date, rows: int, ready: bool) -> None:
    row = session.get(DataDate, day)
    if row is None:
        session.add(DataDate(data_date=day, signal_rows=rows, is_ready=ready, loaded_at=_now()))
    else:
        row.signal_rows, row.is_ready, row.loaded_at = rows, ready, _now()


def _checked_load(path: Path, load: Callable[[], int]) -> int:
    """Run one stage → check → swap load; a missing or bad file becomes IngestError."""
    if not path.is_file():
        raise IngestError(f"{path} does not exist")
    try:
        return load()
    except loads.LoadProblem as problem:
        raise IngestError(problem.message, details=[{"field": problem.field, "message": problem.message}]) from problem


def rebuild_filter_catalog(wh: Warehouse, sessions: sessionmaker[Session]) -> None:
    """Recount the ICP filter values after people or companies changed, and record the build."""
    build_id = catalog.rebuild(wh)
    with sessions.begin() as session:
        _record_dimension(session, kind="filter_catalog", rows=0, sha=hashlib.sha256(build_id.encode()).hexdigest())


def ingest_dimension(
    wh: Warehouse, sessions: sessionmaker[Session], *, kind: str, path: Path, rebuild_catalog: bool = True
) -> int:
    """Replace the `kind` table from a Parquet file; returns its row count.

    Loading people or companies also rebuilds the filter catalogue unless `rebuild_catalog` is
    False (a caller loading several files rebuilds once at the end). Raises IngestError
    (warehouse unchanged) when the file is missing or malformed.
    """
    if kind not in DIMENSIONS:
        raise IngestError(f"unknown data kind {kind!r}; expected one of {', '.join(DIMENSIONS)}")
    rows = _checked_load(path, lambda: loads.load_dimension(wh, kind, path))
    with sessions.begin() as session:
        _record_dimension(session, kind=kind, rows=rows, sha=_sha256(path))
    if rebuild_catalog and kind in ("companies", "persons"):
        rebuild_filter_catalog(wh, sessions)
    return rows


def ingest_day(wh: Warehouse, sessions: sessionmaker[Session], *, day: date, path: Path) -> int:
    """Replace one day of signals (and its daily topic stats); returns the signal row count.

    Raises IngestError (warehouse and metadata unchanged) when the file is missing or malformed.
    Loading the same day again replaces it. Commits three short metadata transactions: the day
    not ready, (both swaps), the day ready. If a swap or the last commit fails, the day is
    dropped and must be loaded again; if the process dies there, `clean_leftovers` drops it.
    """
    rows = _checked_load(path, lambda: loads.stage_signals_day(wh, day, path))
    try:
        with sessions.begin() as session:
            _record_day(session, day=day, rows=rows, ready=False)
        try:
            loads.swap_signals_day(wh, day)
            with sessions.begin() as session:
                _record_day(session, day=day, rows=rows, ready=True)
        except Exception:
            _drop_unready_day(wh, sessions, day)
            raise
    finally:
        loads.drop_signals_stage(wh)
    return rows


def _drop_unready_day(wh: Warehouse, sessions: sessionmaker[Session], day: date) -> None:
    """Best effort after a failed swap: the day's data may be half new, so take it out. What
    cannot be undone now stays marked not ready for `clean_leftovers`."""
    try:
        loads.drop_signals_day(wh, day)
        with sessions.begin() as session:
            session.execute(delete(DataDate).where(DataDate.data_date == day, DataDate.is_ready.is_(False)))
    except Exception:
        log.warning("day %s stays marked not ready; the next ingest or start removes it", day, exc_info=True)


def clean_leftovers(wh: Warehouse, sessions: sessionmaker[Session]) -> Leftovers:
    """Remove what an interrupted ingest left: staging tables, and the data of days whose swap
    never finished (marked not ready), with their metadata rows. Returns what was removed.

    Call it only while no ingest runs on this warehouse: the CLI does when it opens the warehouse
    to ingest, and when `orbit serve`, `worker` or `init` open the embedded one (one process only).
    """
    tables = loads.drop_stage_tables(wh)
    with sessions() as session:
        days = unready_dates(session)
    for day in days:
        loads.drop_signals_day(wh, day)
        with sessions.begin() as session:
            session.execute(delete(DataDate).where(DataDate.data_date == day, DataDate.is_ready.is_(False)))
    if tables or days:
        log.info("removed leftovers of an interrupted ingest: tables %s, days %s", tables, days)
    return Leftovers(tables, days)


def ingest_directory(
    wh: Warehouse,
    sessions: sessionmaker[Session],
    root: Path,
    *,
    kinds: Sequence[str] = KINDS,
    days: Sequence[date] | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Load a data-set directory as `orbit datagen` writes it: dimensions first, then days.

    Stops at the first bad file with IngestError; what was loaded before it stays loaded.
    Raises IngestError before loading anything for a missing directory or an unknown kind.
    """
    if not root.is_dir():
        raise IngestError(f"{root} is not a directory")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise IngestError(f"unknown data kind {', '.join(map(repr, unknown))}; expected one of {', '.join(KINDS)}")
    step = progress or (lambda _s, _d, _t: None)
    wanted_days: list[date] = []
    if "signals" in kinds:
        available = files.signal_dates(root)
        wanted_days = list(days) if days is not None else available
        missing = [d for d in wanted_days if d not in available]
        if missing:
            raise IngestError(f"no signals file for {', '.join(d.isoformat() for d in missing)} under {root}")
    dims = [k for k in DIMENSIONS if k in kinds]
    paths = {"topics": files.TOPICS, "companies": files.COMPANIES, "persons": files.PERSONS}
    total = len(dims) + len(wanted_days)
    done = 0
    report = IngestReport({}, {})
    for kind in dims:
        step(kind, done, total)
        report.dimensions[kind] = ingest_dimension(
            wh, sessions, kind=kind, path=root / paths[kind], rebuild_catalog=False
        )
        done += 1
    if {"companies", "persons"} & set(dims):
        step("filter catalogue", done, total)
        rebuild_filter_catalog(wh, sessions)
    for day in wanted_days:
        step(f"signals {day.isoformat()}", done, total)
        report.days[day] = ingest_day(wh, sessions, day=day, path=files.signal_file(root, day))
        done += 1
    step("done", total, total)
    return report


@dataclass(frozen=True, slots=True)
class WarehouseStatus:
    """What `orbit status` shows: tables (rows, bytes on disk), leftover staging tables, ready
    days and days not ready (being swapped in, or left by an interrupted ingest)."""

    tables: dict[str, tuple[int, int]]
    stages: list[str]
    ready: list[date]
    unready: list[date]


def warehouse_status(wh: Warehouse, sessions: sessionmaker[Session]) -> WarehouseStatus:
    with sessions() as session:
        ready, unready = ready_dates(session), unready_dates(session)
    return WarehouseStatus(loads.table_sizes(wh), loads.stage_tables(wh), ready, unready)


def ready_dates(session: Session) -> list[date]:
    """Fully loaded signal days, oldest first."""
    return list(session.scalars(select(DataDate.data_date).where(DataDate.is_ready).order_by(DataDate.data_date)))


def unready_dates(session: Session) -> list[date]:
    """Days being swapped in now, or whose ingest was interrupted (no reader uses them)."""
    stmt = select(DataDate.data_date).where(DataDate.is_ready.is_(False)).order_by(DataDate.data_date)
    return list(session.scalars(stmt))


def catalog_stamp(session: Session) -> CatalogStamp:
    topics = session.get(DatasetLoad, "topics")
    filters = session.get(DatasetLoad, "filter_catalog")
    count, newest = session.execute(
        select(func.count(), func.max(DataDate.loaded_at)).where(DataDate.is_ready)
    ).one()
    return CatalogStamp(
        topics_version=topics.version if topics else 0,
        topics_loaded_at=topics.loaded_at if topics else None,
        catalog_version=filters.version if filters else 0,
        ready_days=int(count),
        newest_day_loaded_at=newest,
    )


def is_empty(session: Session) -> bool:
    """True when nothing has been loaded yet (no topics and no days)."""
    return session.get(DatasetLoad, "topics") is None and not ready_dates(session)
