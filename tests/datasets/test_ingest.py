"""Ingest is atomic and idempotent, and precomputes the daily topic stats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine

from orbit.datagen import files
from orbit.datasets import service as datasets
from orbit.errors import IngestError
from orbit.metadata import db
from orbit.topics.service import TopicCatalog
from orbit.warehouse import loads
from orbit.warehouse.backend import Warehouse, WarehouseQueryError
from orbit.warehouse.statement import Statement
from tests.conftest import SMALL_END

pytestmark = pytest.mark.warehouse


def _count(wh: Warehouse, sql: str, **params: object) -> int:
    return int(wh.query(Statement(sql, params)).column(0)[0].as_py())


def _load_dims(wh: Warehouse, engine: Engine, root: Path) -> None:
    datasets.ingest_directory(wh, db.make_sessions(engine), root, kinds=datasets.DIMENSIONS)


def test_loading_a_day_twice_leaves_one_copy(fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path) -> None:
    sessions = db.make_sessions(sqlite_engine)
    _load_dims(fresh_wh, sqlite_engine, small_dataset)
    path = files.signal_file(small_dataset, SMALL_END)
    expected = pq.read_metadata(path).num_rows
    for _ in range(2):
        assert datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=path) == expected
    assert _count(fresh_wh, "SELECT count() FROM signals") == expected
    stats_rows = _count(fresh_wh, "SELECT count() FROM topic_daily_stats")
    assert stats_rows == _count(fresh_wh, "SELECT uniqExact(topic_id) FROM signals")
    with sessions() as s:
        assert datasets.ready_dates(s) == [SMALL_END]


def test_stats_equal_a_direct_computation(fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path) -> None:
    datasets.ingest_directory(fresh_wh, db.make_sessions(sqlite_engine), small_dataset, days=[SMALL_END])
    direct = fresh_wh.query(Statement(
        "SELECT topic_id, count() AS a, sum(signal_count) AS s, countIf(score BETWEEN 70 AND 89) AS m "
        "FROM signals GROUP BY topic_id ORDER BY topic_id")).to_pylist()
    stored = fresh_wh.query(Statement(
        "SELECT topic_id, unique_audience AS a, total_signals AS s, medium_audience AS m "
        "FROM topic_daily_stats ORDER BY topic_id")).to_pylist()
    assert direct == stored


def _bad_day_file(tmp_path: Path, good: Path, *, day: date) -> Path:
    """A file whose first half is valid and whose second half names an unknown topic."""
    table = pq.read_table(good)
    half = table.num_rows // 2
    topic = table.column("topic_id").to_numpy().copy()
    topic[half:] = 7
    bad = table.set_column(1, "topic_id", pa.array(topic))
    path = tmp_path / f"{day.isoformat()}.parquet"
    pq.write_table(bad, path)
    return path


def test_a_bad_file_mid_load_leaves_no_partial_day(
    fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path, tmp_path: Path
) -> None:
    sessions = db.make_sessions(sqlite_engine)
    _load_dims(fresh_wh, sqlite_engine, small_dataset)
    good = files.signal_file(small_dataset, SMALL_END)
    datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=good)
    before = fresh_wh.query(Statement("SELECT topic_id, person_id, score FROM signals ORDER BY ALL")).to_pylist()
    stats_before = _count(fresh_wh, "SELECT sum(unique_audience) FROM topic_daily_stats")
    with pytest.raises(IngestError, match="topic_id"):
        datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=_bad_day_file(tmp_path, good, day=SMALL_END))
    assert fresh_wh.query(Statement("SELECT topic_id, person_id, score FROM signals ORDER BY ALL")).to_pylist() == before
    assert _count(fresh_wh, "SELECT sum(unique_audience) FROM topic_daily_stats") == stats_before
    assert _count(fresh_wh, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE '%stage'") == 0


def test_a_new_bad_day_is_not_marked_ready(
    fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path, tmp_path: Path
) -> None:
    sessions = db.make_sessions(sqlite_engine)
    _load_dims(fresh_wh, sqlite_engine, small_dataset)
    other = date(2026, 11, 19)
    wrong_date = pq.read_table(files.signal_file(small_dataset, other))
    path = tmp_path / "x.parquet"
    pq.write_table(wrong_date, path)
    with pytest.raises(IngestError, match="data_date"):
        datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=path)
    assert _count(fresh_wh, "SELECT count() FROM signals") == 0
    with sessions() as s:
        assert datasets.ready_dates(s) == []


@pytest.mark.parametrize("content", [b"", b"not parquet at all" * 10])
def test_unreadable_files_fail_clearly(fresh_wh: Warehouse, sqlite_engine: Engine, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "topics.parquet"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=r"could not be read|no rows"):
        datasets.ingest_dimension(fresh_wh, db.make_sessions(sqlite_engine), kind="topics", path=path)
    assert _count(fresh_wh, "SELECT count() FROM topics") == 0


def test_dimension_checks_reject_duplicates_and_keep_the_old_table(
    fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path, tmp_path: Path
) -> None:
    sessions = db.make_sessions(sqlite_engine)
    _load_dims(fresh_wh, sqlite_engine, small_dataset)
    topics = pq.read_table(small_dataset / files.TOPICS)
    path = tmp_path / "topics.parquet"
    pq.write_table(pa.concat_tables([topics, topics.slice(0, 1)]), path)
    with pytest.raises(IngestError, match="topic_id"):
        datasets.ingest_dimension(fresh_wh, sessions, kind="topics", path=path)
    assert _count(fresh_wh, "SELECT count() FROM topics") == topics.num_rows
    wrong_type = topics.set_column(2, "type", pa.array(["b2x"] * topics.num_rows))
    pq.write_table(wrong_type, path)
    with pytest.raises(IngestError, match="type"):
        datasets.ingest_dimension(fresh_wh, sessions, kind="topics", path=path)


def test_missing_files_and_days_are_reported(fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path, tmp_path: Path) -> None:
    sessions = db.make_sessions(sqlite_engine)
    with pytest.raises(IngestError, match="does not exist"):
        datasets.ingest_directory(fresh_wh, sessions, tmp_path, kinds=("topics",))
    with pytest.raises(IngestError, match="no signals file"):
        datasets.ingest_directory(fresh_wh, sessions, small_dataset, kinds=("signals",), days=[date(2020, 1, 1)])


# --- interrupted ingests: leftovers and the signals/stats pair --------------------------------

class Killed(BaseException):
    """The process died here (not an Exception: no `except Exception` handler runs)."""


class DyingWarehouse:
    """The real warehouse until a statement containing `at` is sent; then the process is dead:
    that statement and every later call raise Killed, so no cleanup reaches the warehouse."""

    def __init__(self, wh: Warehouse, at: str) -> None:
        self.wh, self.at, self.dead = wh, at, False
        self.database = wh.database

    def _check(self, sql: str = "") -> None:
        if self.dead or (self.at and self.at in sql):
            self.dead = True
            raise Killed(self.at)

    def query(self, stmt: Statement, **kw: Any) -> pa.Table:
        self._check(stmt.sql)
        return self.wh.query(stmt, **kw)

    def command(self, stmt: Statement, **kw: Any) -> None:
        self._check(stmt.sql)
        self.wh.command(stmt, **kw)

    def query_bytes(self, stmt: Statement, **kw: Any) -> bytes:
        self._check(stmt.sql)
        return self.wh.query_bytes(stmt, **kw)

    def load_parquet(self, table_name: str, columns: Sequence[str], path: Path) -> None:
        self._check()
        self.wh.load_parquet(table_name, columns, path)

    def close(self) -> None:
        self._check()


def _half_day(tmp_path: Path, good: Path) -> Path:
    """A valid file for the same day with half the rows: its stats differ from the full day's."""
    table = pq.read_table(good)
    path = tmp_path / "half.parquet"
    pq.write_table(table.slice(0, table.num_rows // 2), path)
    return path


def _stats_match_signals(wh: Warehouse, day: date) -> bool:
    sql = ("SELECT (SELECT sum(signal_count) FROM signals WHERE data_date = {day:Date}) "
           "= (SELECT sum(total_signals) FROM topic_daily_stats WHERE data_date = {day:Date})")
    return bool(_count(wh, sql, day=day))


@pytest.mark.parametrize("reload", [True, False], ids=["reloaded-day", "new-day"])
def test_a_crash_between_the_two_swaps_never_shows_a_mismatched_day(
    fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path, tmp_path: Path, reload: bool
) -> None:
    sessions = db.make_sessions(sqlite_engine)
    _load_dims(fresh_wh, sqlite_engine, small_dataset)
    good = files.signal_file(small_dataset, SMALL_END)
    if reload:
        datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=good)
    readers = TopicCatalog(fresh_wh, sessions, check_every=0)
    assert readers.current().dates == ([SMALL_END] if reload else [])

    # The process dies after the signals swap and before the stats swap.
    dying = DyingWarehouse(fresh_wh, at=loads.SWAP_DAILY_STATS_DAY)
    with pytest.raises(Killed):
        datasets.ingest_day(cast(Warehouse, dying), sessions, day=SMALL_END, path=_half_day(tmp_path, good))
    half = pq.read_metadata(tmp_path / "half.parquet").num_rows
    assert _count(fresh_wh, "SELECT count() FROM signals WHERE data_date = {day:Date}", day=SMALL_END) == half
    assert not _stats_match_signals(fresh_wh, SMALL_END)  # the pair really is mismatched
    assert set(loads.stage_tables(fresh_wh)) == {"signals_stage", "topic_daily_stats_stage"}

    # Readers never see it: the day was marked not ready before the first swap.
    assert readers.current().dates == []
    with sessions() as s:
        assert datasets.ready_dates(s) == [] and datasets.unready_dates(s) == [SMALL_END]

    # The next open removes the stage tables and the half-swapped day; loading it again heals it.
    left = datasets.clean_leftovers(fresh_wh, sessions)
    assert left == datasets.Leftovers(["signals_stage", "topic_daily_stats_stage"], [SMALL_END])
    assert loads.stage_tables(fresh_wh) == []
    assert _count(fresh_wh, "SELECT count() FROM signals") == _count(fresh_wh, "SELECT count() FROM topic_daily_stats") == 0
    with sessions() as s:
        assert datasets.unready_dates(s) == []
    assert datasets.clean_leftovers(fresh_wh, sessions) == datasets.Leftovers([], [])
    datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=good)
    assert readers.current().dates == [SMALL_END] and _stats_match_signals(fresh_wh, SMALL_END)


def test_a_failed_swap_takes_the_day_out(
    fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error (not a crash) between the swaps: the day is dropped at once, stages too."""
    sessions = db.make_sessions(sqlite_engine)
    _load_dims(fresh_wh, sqlite_engine, small_dataset)
    good = files.signal_file(small_dataset, SMALL_END)
    datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=good)
    real = loads.swap_signals_day

    def swap_then_fail(wh: Warehouse, day: date) -> None:
        wh.command(Statement(loads.SWAP_SIGNALS_DAY, {"day": day}))
        raise WarehouseQueryError("the stats swap failed")

    monkeypatch.setattr(loads, "swap_signals_day", swap_then_fail)
    with pytest.raises(WarehouseQueryError):
        datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=good)
    assert _count(fresh_wh, "SELECT count() FROM signals") == 0
    assert loads.stage_tables(fresh_wh) == []
    with sessions() as s:
        assert datasets.ready_dates(s) == datasets.unready_dates(s) == []
    monkeypatch.setattr(loads, "swap_signals_day", real)
    datasets.ingest_day(fresh_wh, sessions, day=SMALL_END, path=good)
    assert _stats_match_signals(fresh_wh, SMALL_END)


def test_an_interrupted_dimension_load_leaves_a_stage_the_next_open_removes(
    fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path
) -> None:
    sessions = db.make_sessions(sqlite_engine)
    dying = DyingWarehouse(fresh_wh, at="EXCHANGE TABLES")
    with pytest.raises(Killed):
        datasets.ingest_dimension(cast(Warehouse, dying), sessions, kind="topics", path=small_dataset / files.TOPICS)
    assert loads.stage_tables(fresh_wh) == ["topics_stage"]
    assert "topics_stage" in loads.table_sizes(fresh_wh)  # what `orbit status` listed
    assert datasets.clean_leftovers(fresh_wh, sessions) == datasets.Leftovers(["topics_stage"], [])
    assert "topics_stage" not in loads.table_sizes(fresh_wh)
    assert _count(fresh_wh, "SELECT count() FROM topics") == 0
