"""A completed snapshot never changes, even when people are re-loaded or new days land."""

from __future__ import annotations

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
