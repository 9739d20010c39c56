"""`runs_sql.write_snapshot` in parts: one INSERT (one part) per rank range, loaded in a thread
while the next range is prepared; failures of either side reach the caller."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from orbit.warehouse import runs_sql
from orbit.warehouse.backend import Warehouse, WarehouseQueryError
from orbit.warehouse.statement import Statement

pytestmark = pytest.mark.warehouse

NUMBERS = {"rank": pa.uint32(), "person_id": pa.uint32(), "score": pa.uint8(), "overlap": pa.uint16(),
           "is_b2b": pa.uint8(), "is_b2c": pa.uint8(), "company_employee_count": pa.uint32()}


def rows(start: int, end: int) -> pa.Table:
    """Ranks start+1..end of a made-up snapshot, in the columns `write_snapshot` takes."""
    ranks = np.arange(start + 1, end + 1, dtype=np.uint32)
    columns: dict[str, pa.Array] = {}
    for name in runs_sql.RESULT_COLUMNS:
        if name == "topic_ids":
            columns[name] = pa.array([[int(r) % 7, 9] for r in ranks], pa.list_(pa.uint32()))
        elif name in NUMBERS:
            columns[name] = pa.array((ranks * 3 % 97).astype(NUMBERS[name].to_pandas_dtype()), NUMBERS[name])
        else:
            columns[name] = pa.array([f"{name}-{r}" for r in ranks], pa.string())
    columns["rank"] = pa.array(ranks)
    return pa.table(columns)


def parts_of(wh: Warehouse, run_id: str) -> list[tuple[int, int, int]]:
    """(rows, lowest rank, highest rank) of each part holding the run."""
    sql = ("SELECT count() AS n, min(rank) AS lo, max(rank) AS hi FROM run_results "
           "WHERE run_id = {run_id:String} GROUP BY _part ORDER BY lo")
    return [(r["n"], r["lo"], r["hi"]) for r in wh.query(Statement(sql, {"run_id": run_id})).to_pylist()]


def test_each_range_is_one_part_and_the_run_reads_back_in_order(fresh_wh: Warehouse, tmp_path: Path) -> None:
    counts = runs_sql.write_snapshot(fresh_wh, iter([rows(0, 40), rows(40, 80), rows(80, 95)]), (200, 150),
                                     run_id="r", attempt=1, workdir=tmp_path)
    assert counts == runs_sql.RunCounts(200, 150, 95)
    assert parts_of(fresh_wh, "r") == [(40, 1, 40), (40, 41, 80), (15, 81, 95)]
    whole = runs_sql.write_snapshot(fresh_wh, [rows(0, 95)], (200, 150), run_id="w", attempt=1, workdir=tmp_path)
    assert whole.kept_rows == 95
    page = runs_sql.page(fresh_wh, run_id="r", attempt=1, limit=100, offset=0)
    assert page == runs_sql.page(fresh_wh, run_id="w", attempt=1, limit=100, offset=0)
    assert [r["rank"] for r in page] == list(range(1, 96))
    csv = b"".join(runs_sql.csv_stream(fresh_wh, run_id="r", attempt=1, rows=95, segment_rows=40))
    assert csv == b"".join(runs_sql.csv_stream(fresh_wh, run_id="w", attempt=1, rows=95))
    assert list(tmp_path.iterdir()) == []


def test_a_failing_range_or_load_fails_the_write_and_leaves_no_file(fresh_wh: Warehouse, tmp_path: Path) -> None:
    def broken() -> Iterator[pa.Table]:
        yield rows(0, 10)
        raise RuntimeError("hydration failed")

    with pytest.raises(RuntimeError, match="hydration failed"):
        runs_sql.write_snapshot(fresh_wh, broken(), (1, 1), run_id="h", attempt=1, workdir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    bad = rows(10, 20)
    bad = bad.set_column(bad.schema.get_field_index("topic_ids"), "topic_ids", pa.array(["not a list"] * 10))
    with pytest.raises(WarehouseQueryError):
        runs_sql.write_snapshot(fresh_wh, [rows(0, 10), bad, rows(20, 30)], (1, 1), run_id="l", attempt=1,
                                workdir=tmp_path)
    assert list(tmp_path.iterdir()) == []
