"""A completed snapshot never changes, even when people are re-loaded or new days land."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine

from orbit.datagen import files
from orbit.datasets import service as datasets
from orbit.metadata import db
from orbit.warehouse import audience_sql, runs_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Statement
from tests.conftest import SMALL_END

pytestmark = pytest.mark.warehouse


def test_reloading_people_and_days_leaves_snapshots_alone(
    fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path, tmp_path: Path
) -> None:
    sessions = db.make_sessions(sqlite_engine)
    datasets.ingest_directory(fresh_wh, sessions, small_dataset, days=[SMALL_END])
    top = pq.read_table(files.signal_file(small_dataset, SMALL_END), columns=["topic_id"])
    topics = sorted({int(t) for t in top.column("topic_id").to_pylist()})[:40]
    spec = audience_sql.AudienceSpec(SMALL_END, tuple(topics), 50, 99, 1)
    counts = runs_sql.materialize(fresh_wh, spec, run_id="r1", attempt=1, cap=500)
    assert counts.kept_rows == min(500, counts.result_count) > 0

    def read() -> tuple[object, ...]:
        return (
            runs_sql.page(fresh_wh, run_id="r1", attempt=1, limit=500, offset=0),
            runs_sql.stats(fresh_wh, run_id="r1", attempt=1),
            b"".join(runs_sql.csv_stream(fresh_wh, run_id="r1", attempt=1, rows=counts.kept_rows, segment_rows=100)),
        )

    before = read()
    persons = pq.read_table(small_dataset / files.PERSONS)
    renamed = persons.set_column(persons.schema.get_field_index("first_name"), "first_name",
                                 pa.array(["Changed"] * persons.num_rows))
    pq.write_table(renamed, tmp_path / "persons.parquet")
    datasets.ingest_dimension(fresh_wh, sessions, kind="persons", path=tmp_path / "persons.parquet")
    datasets.ingest_day(fresh_wh, sessions, day=date(2026, 11, 19), path=files.signal_file(small_dataset, date(2026, 11, 19)))
    assert read() == before
    # A second attempt of the same run id is a separate snapshot and does not disturb the first.
    runs_sql.materialize(fresh_wh, spec, run_id="r1", attempt=2, cap=500)
    assert read() == before


def _physical_rows(wh: Warehouse) -> int:
    """Rows stored in run_results' parts, hidden (deleted) ones included."""
    sql = "SELECT sum(rows) AS n FROM system.parts WHERE database = currentDatabase() AND table = 'run_results' AND active"
    return int(wh.query(Statement(sql)).to_pylist()[0]["n"] or 0)


def _running_mutations(wh: Warehouse) -> int:
    sql = "SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND NOT is_done"
    return int(wh.query(Statement(sql)).to_pylist()[0]["n"])


def test_deleted_snapshots_give_their_space_back(fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path) -> None:
    datasets.ingest_directory(fresh_wh, db.make_sessions(sqlite_engine), small_dataset, days=[SMALL_END])
    top = pq.read_table(files.signal_file(small_dataset, SMALL_END), columns=["topic_id"])
    spec = audience_sql.AudienceSpec(SMALL_END, tuple(sorted({int(t) for t in top.column("topic_id").to_pylist()})[:40]),
                                     50, 99, 1)
    kept = [runs_sql.materialize(fresh_wh, spec, run_id=f"r{i}", attempt=1, cap=300).kept_rows for i in range(3)]
    assert _physical_rows(fresh_wh) == sum(kept) > 0
    assert not runs_sql.reclaimable(fresh_wh)
    runs_sql.delete_runs(fresh_wh, ["r0", "r1"])
    assert set(runs_sql.snapshot_runs(fresh_wh)) == {"r2"}
    assert runs_sql.reclaimable(fresh_wh)  # what the janitor looks at
    runs_sql.reclaim(fresh_wh)  # a background mutation: poll until the hidden rows are gone
    deadline = time.monotonic() + 60
    while _physical_rows(fresh_wh) != kept[2]:
        assert time.monotonic() < deadline, f"{_physical_rows(fresh_wh)} rows stored, {kept[2]} visible"
        time.sleep(0.05)
    while runs_sql.reclaimable(fresh_wh) or _running_mutations(fresh_wh):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert runs_sql.page(fresh_wh, run_id="r2", attempt=1, limit=1, offset=0)[0]["rank"] == 1


def test_large_snapshots_are_not_merged_into_each_other(fresh_wh: Warehouse) -> None:
    sql = "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'run_results'"
    engine = str(fresh_wh.query(Statement(sql)).to_pylist()[0]["engine_full"])
    assert "max_bytes_to_merge_at_max_space_in_pool = 16777216" in engine
