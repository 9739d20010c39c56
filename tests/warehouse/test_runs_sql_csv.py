"""CSV cells of a snapshot: formula escaping, NUL bytes and the de-escaping recipe of docs/exports.md,
on hostile values in a real `run_results` snapshot, parsed with Python's csv module."""

from __future__ import annotations

import csv
import io

import pytest

from orbit.warehouse import runs_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Profile, Statement
from tests.warehouse.csv_cells import (
    EXAMPLES,
    HOSTILE,
    escaped,
    expected_row,
    hostile_for,
    make_hostile,
    unescaped,
)

ROWS = len(HOSTILE) + 5  # every hostile value at least once, a few twice


def test_the_python_model_is_the_documented_rule() -> None:
    assert {value: escaped(value) for value in EXAMPLES} == EXAMPLES
    for value in (*HOSTILE, *EXAMPLES):
        assert unescaped(escaped(value)) == value.replace("\x00", "")


def _snapshot(wh: Warehouse, run_id: str) -> None:
    """ROWS rows of `run_id`, attempt 1, ranks 1..ROWS, then overwritten with hostile values."""
    wh.command(Statement(
        "INSERT INTO run_results (run_id, attempt, rank, person_id) "
        "SELECT {run_id:String}, 1, toUInt32(number + 1), toUInt32(number + 1) FROM numbers({rows:UInt32})",
        {"run_id": run_id, "rows": ROWS}), profile=Profile.INGEST)
    make_hostile(wh, run_id=run_id, attempt=1)


def _parse(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


@pytest.mark.warehouse
def test_hostile_cells_are_escaped_and_come_back_exactly(fresh_wh: Warehouse) -> None:
    _snapshot(fresh_wh, "hostile")
    # Segments of 7 rows: the rule holds across segment boundaries too.
    body = b"".join(runs_sql.csv_stream(fresh_wh, run_id="hostile", attempt=1, rows=ROWS, segment_rows=7))
    assert b"\x00" not in body
    rows = _parse(body)
    assert len(rows) == ROWS
    for rank, row in enumerate(rows, start=1):
        value = hostile_for(rank)
        assert row == expected_row(value, rank=rank), (rank, value)
        names = [name for name, _ in runs_sql.CSV_COLUMNS]
        assert unescaped(row[names.index("firstName")]) == value.replace("\x00", "")
        assert unescaped(row[names.index("company.sic")]) == value.replace("\x00", "")  # a LowCardinality column


@pytest.mark.warehouse
def test_only_cells_that_need_it_are_escaped(fresh_wh: Warehouse) -> None:
    _snapshot(fresh_wh, "hostile")
    rows = _parse(b"".join(runs_sql.csv_stream(fresh_wh, run_id="hostile", attempt=1, rows=ROWS)))
    first_name = [name for name, _ in runs_sql.CSV_COLUMNS].index("firstName")
    got = {hostile_for(rank): row[first_name] for rank, row in enumerate(rows, start=1)}
    assert {v: c for v, c in got.items() if v in EXAMPLES} == {v: EXAMPLES[v] for v in got if v in EXAMPLES}
    untouched = [v for v in HOSTILE if not got[v].startswith("'")]
    assert {"plain", "x=1", "1+1", "Émile", " 'not", "\ufeffhello", "mid\nline"} <= set(untouched)


@pytest.mark.warehouse
def test_the_fast_gate_never_skips_a_cell_the_pattern_escapes(fresh_wh: Warehouse) -> None:
    """`_csv_cell` decides most cells by their first character before RE2 runs: for every first
    code point up to U+30FF (and a few beyond), it gives what the pattern alone gives."""
    firsts = [chr(cp) for cp in (*range(1, 0x3100), 0xFEFF, 0xFF0B, 0xFF0D, 0xFF1D, 0xFF20, 0xE0001, 0x1F600)
              if not 0xD800 <= cp < 0xE000]
    values = ["", *(f + tail for f in firsts for tail in ("=1", "x", ""))]
    cell = runs_sql._csv_cell("v")
    plain = f"if(match(v, {runs_sql._sql_literal(runs_sql.CSV_FORMULA_PATTERN)}), concat('''', v), v)"
    stmt = Statement(f"SELECT countIf(({cell}) != ({plain})) AS differ, countIf(({cell}) != v) AS escaped "
                     "FROM (SELECT unhex(arrayJoin({values:Array(String)})) AS v)",
                     {"values": [v.encode().hex() for v in values]})
    row = fresh_wh.query(stmt).to_pylist()[0]
    assert row["differ"] == 0
    assert row["escaped"] == sum(escaped(v) != v for v in values)  # the Python model agrees
