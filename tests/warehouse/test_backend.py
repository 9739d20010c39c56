"""`ClickHouseWarehouse`, the one client code for both engines, run against chDB: binding of every
type Orbit uses (hostile strings included), Arrow results, Parquet loads both ways, time limits,
query ids, one engine shared by threads and databases, and a server's per-call settings."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orbit.warehouse import backend
from orbit.warehouse.backend import (
    ChdbWarehouse,
    ClickHouseWarehouse,
    Warehouse,
    WarehouseQueryError,
    _ServerLane,
)
from orbit.warehouse.cluster import CLUSTER_SETTINGS
from orbit.warehouse.statement import Profile, Statement

pytestmark = pytest.mark.warehouse

# What chDB once changed or refused when a String parameter was passed as it is: it reads
# parameters in escaped text form (a backslash starts an escape, a raw newline ends the value).
HOSTILE = [
    "plain", "back\\slash", "tab\there", "new\nline", "trailing\\", "\\", "quote'd", 'dq"x', "\\N", "\\t not a tab",
    "{p0:String}", "'); DROP TABLE persons; --", "uni é ✓ \u2028", "\r\n", "",
]
TIMEOUTS = {Profile.QUERY: 60.0, Profile.INGEST: 600.0, Profile.DDL: 600.0}


class _ServerStyleLane:
    """The server lane (settings with every statement) on the process's chDB client, taken in
    turn with everything else on the engine."""

    def __init__(self, engine: backend._ChdbEngine, session_settings: dict[str, object]) -> None:
        self.engine, self.inner = engine, _ServerLane(engine.client, session_settings)

    @contextmanager
    def lease(self, database: str, timeout: int) -> Iterator[tuple[object, dict[str, object]]]:
        with self.engine.lease(database, timeout), self.inner.lease(database, timeout) as leased:
            yield leased


def _server_style(wh: Warehouse, *, timeouts: dict[Profile, float] = TIMEOUTS) -> ClickHouseWarehouse:
    assert isinstance(wh, ChdbWarehouse)
    lane = _ServerStyleLane(wh._engine, dict(CLUSTER_SETTINGS))
    return ClickHouseWarehouse(lane, database=wh.database, timeouts=timeouts, engine_reads_files=False)


@pytest.fixture(params=["chdb", "server-style"])
def wh(request: pytest.FixtureRequest, fresh_wh: Warehouse) -> Warehouse:
    """The embedded warehouse, and the same code with a server's per-call settings."""
    return fresh_wh if request.param == "chdb" else _server_style(fresh_wh)


def _one(wh: Warehouse, sql: str, params: dict[str, object]) -> object:
    return wh.query(Statement(sql, params)).to_pylist()[0]["v"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_string_arrives_unchanged(wh: Warehouse, value: str) -> None:
    assert _one(wh, "SELECT {s:String} AS v", {"s": value}) == value
    assert _one(wh, "SELECT length({s:String}) AS v", {"s": value}) == len(value.encode())


def test_hostile_strings_arrive_unchanged_in_arrays_bytes_and_streams(wh: Warehouse) -> None:
    assert _one(wh, "SELECT {a:Array(String)} AS v", {"a": HOSTILE}) == HOSTILE
    rows = Statement("SELECT arrayJoin({a:Array(String)}) AS v", {"a": HOSTILE})
    answer = wh.query_bytes(rows, fmt="JSONEachRow").decode().splitlines()
    assert [json.loads(r)["v"] for r in answer] == HOSTILE
    assert b"".join(wh.stream_bytes(rows, fmt="JSONEachRow")).decode().splitlines() == answer


def test_every_type_orbit_binds(wh: Warehouse) -> None:
    row = wh.query(Statement(
        "SELECT {d:Date} AS d, {t:DateTime} = toDateTime('2026-11-20 23:59:58') AS t, {ids:Array(UInt32)} AS ids,"
        " {days:Array(Date)} AS days,"
        " {u8:UInt8} AS u8, {u16:UInt16} AS u16, {u32:UInt32} AS u32, {f:Float64} AS f",
        {"d": date(2026, 11, 20), "t": datetime(2026, 11, 20, 23, 59, 58), "ids": [1, 4_000_000_000],
         "days": [date(2026, 11, 19), date(2026, 11, 20)], "u8": 255, "u16": 65_535, "u32": 4_294_967_295, "f": 0.5},
    )).to_pylist()[0]
    # DateTime columns come back as uint32 seconds (the engine's Arrow default): compared in SQL.
    assert row == {"d": date(2026, 11, 20), "t": 1, "ids": [1, 4_000_000_000],
                   "days": [date(2026, 11, 19), date(2026, 11, 20)], "u8": 255, "u16": 65_535,
                   "u32": 4_294_967_295, "f": 0.5}


def test_arrow_results_keep_their_types(wh: Warehouse) -> None:
    table = wh.query(Statement(
        "SELECT toUInt32(number) AS id, toString(number) AS s, toLowCardinality(toString(number % 3)) AS lc,"
        " [toUInt32(number)] AS ids, toDate('2026-11-20') AS d FROM numbers({n:UInt32})", {"n": 100_000}))
    assert table.num_rows == 100_000
    assert table.schema.field("id").type == pa.uint32()
    assert table.schema.field("s").type == pa.string()  # text, not binary
    assert pa.types.is_string(table.schema.field("lc").type) or pa.types.is_dictionary(table.schema.field("lc").type)
    assert table.schema.field("ids").type.value_type == pa.uint32()
    assert table.schema.field("d").type == pa.date32()


def test_parquet_loads_through_the_engine_and_through_arrow_inserts(fresh_wh: Warehouse, tmp_path: Path) -> None:
    data = pa.table({"s": pa.array(HOSTILE), "d": pa.array([date(2026, 11, 20)] * len(HOSTILE)),
                     "ids": pa.array([[i, i + 1] for i in range(len(HOSTILE))], pa.list_(pa.uint32())),
                     "n": pa.array(range(len(HOSTILE)), pa.uint16()), "extra": pa.array(range(len(HOSTILE)))})
    path = tmp_path / "rows.parquet"
    pq.write_table(data, path)
    expected = data.drop_columns(["extra"]).to_pylist()
    for loader in (fresh_wh, _server_style(fresh_wh)):  # the engine reads the file / Arrow batches
        fresh_wh.command(Statement(
            "CREATE OR REPLACE TABLE loaded (s String, d Date, ids Array(UInt32), n UInt16) ENGINE = MergeTree ORDER BY n"))
        loader.load_parquet("loaded", ["s", "d", "ids", "n"], path)
        assert fresh_wh.query(Statement("SELECT s, d, ids, n FROM loaded ORDER BY n")).to_pylist() == expected


def test_a_statement_over_its_time_limit_fails_and_the_limit_is_per_warehouse(fresh_wh: Warehouse) -> None:
    assert isinstance(fresh_wh, ChdbWarehouse)
    quick = dict(TIMEOUTS, **{Profile.QUERY: 1.0})
    slow = Statement("SELECT count() FROM numbers({n:UInt64}) WHERE sipHash64(number) = 0", {"n": 10**12})
    impatient = ChdbWarehouse(fresh_wh._engine.path, database=fresh_wh.database, timeouts=quick)
    try:
        for wh in (impatient, _server_style(fresh_wh, timeouts=quick)):
            with pytest.raises(WarehouseQueryError, match=r"TIMEOUT_EXCEEDED|[Tt]imeout"):
                wh.query(slow)
            with pytest.raises(WarehouseQueryError, match=r"TIMEOUT_EXCEEDED|[Tt]imeout"):
                b"".join(wh.stream_bytes(slow, fmt="CSV"))
        # The other warehouse on the engine keeps its own limit.
        assert fresh_wh.query(Statement("SELECT getSetting('max_execution_time') AS v")).to_pylist()[0]["v"] == 60
    finally:
        impatient.close()


def test_a_query_id_is_logged_and_accepted_by_the_embedded_engine(
    wh: Warehouse, caplog: pytest.LogCaptureFixture
) -> None:
    query_id = backend.new_query_id()
    with caplog.at_level(logging.INFO, logger="orbit.warehouse"):
        wh.command(Statement("CREATE TABLE with_id (n UInt8) ENGINE = MergeTree ORDER BY n"), query_id=query_id)
    assert query_id in caplog.text
    # chDB keeps no query log to find the id in (a server records it in system.query_log).
    with pytest.raises(WarehouseQueryError, match="query_log"):
        wh.query(Statement("SELECT count() AS v FROM system.query_log"))


def test_engine_errors_are_ours_and_keep_the_engine_message(wh: Warehouse) -> None:
    with pytest.raises(WarehouseQueryError, match="UNKNOWN_TABLE") as caught:
        wh.query(Statement("SELECT * FROM no_such_table"))
    assert caught.value.__cause__ is not None
    with pytest.raises(WarehouseQueryError, match="boom"):
        wh.command(Statement("SELECT throwIf(1, 'boom')"))


@pytest.mark.parametrize("fmt", ["CSV", "JSONEachRow"])
def test_a_failed_statement_leaves_nothing_for_the_next_one(wh: Warehouse, fmt: str) -> None:
    failing = Statement("SELECT number, throwIf(number = {at:UInt32}, 'boom') FROM numbers({n:UInt32})",
                        {"at": 250_000, "n": 300_000})
    after = Statement("SELECT 7 AS v")
    with pytest.raises(WarehouseQueryError, match="boom"):
        wh.query_bytes(failing, fmt=fmt)
    assert wh.query_bytes(after, fmt="CSV") == b"7\n"
    with pytest.raises(WarehouseQueryError, match="boom"):
        wh.query(failing)
    assert wh.query(after).to_pylist() == [{"v": 7}]
    with pytest.raises(WarehouseQueryError, match="boom"):
        wh.command(failing)
    assert wh.query(after).to_pylist() == [{"v": 7}]
    stream = wh.stream_bytes(Statement("SELECT number FROM numbers({n:UInt32})", {"n": 3_000_000}), fmt=fmt)
    assert next(stream)
    stream.close()  # abandoned mid-way
    assert wh.query_bytes(after, fmt="CSV") == b"7\n"


def test_the_clients_own_stream_on_the_embedded_engine(fresh_wh: Warehouse) -> None:
    """The server's stream code (clickhouse-connect's raw_stream), which ChdbWarehouse bypasses
    for speed: pieces, a failure from the iterator, and an engine free after an early close."""
    assert isinstance(fresh_wh, ChdbWarehouse)
    rows = Statement("SELECT number, toString(number * 7) FROM numbers({n:UInt32})", {"n": 300_000})
    pieces = list(ClickHouseWarehouse.stream_bytes(fresh_wh, rows, fmt="CSV"))
    assert len(pieces) > 1
    assert b"".join(pieces) == fresh_wh.query_bytes(rows, fmt="CSV")
    failing = Statement("SELECT throwIf(number = {at:UInt32}, 'boom') FROM numbers({n:UInt32})",
                        {"at": 2_900_000, "n": 3_000_000})
    with pytest.raises(WarehouseQueryError, match="boom"):
        for _ in ClickHouseWarehouse.stream_bytes(fresh_wh, failing, fmt="CSV"):
            pass
    stream = ClickHouseWarehouse.stream_bytes(fresh_wh, rows, fmt="CSV")
    assert next(stream)
    stream.close()
    assert fresh_wh.query(Statement("SELECT 1 AS v")).to_pylist() == [{"v": 1}]


def test_threads_on_several_databases_each_read_their_own(warehouse_root: Path) -> None:
    """The API's thread pool and the run worker share the engine: each statement runs on its
    own warehouse's database, whatever ran before it on another thread."""
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(3)]
    whs = [ChdbWarehouse(warehouse_root, database=n, timeouts=TIMEOUTS) for n in names]
    errors: list[BaseException] = []
    try:
        for i, wh in enumerate(whs):
            wh.command(Statement("CREATE TABLE mark (n UInt8) ENGINE = Memory"))
            wh.command(Statement("INSERT INTO mark VALUES ({n:UInt8})", {"n": i}))

        def hammer(i: int) -> None:
            try:
                for k in range(40):
                    if k % 10 == 0:
                        assert b"".join(whs[i].stream_bytes(Statement("SELECT n FROM mark"), fmt="CSV")) == f"{i}\n".encode()
                    assert whs[i].query(Statement("SELECT n FROM mark")).to_pylist() == [{"n": i}]
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=hammer, args=(i % 3,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
    finally:
        for wh in whs:
            wh.command(Statement(f"DROP DATABASE IF EXISTS {wh.database}"))
            wh.close()
