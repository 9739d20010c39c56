"""The embedded warehouse through clickhouse-connect's chDB client (Orbit's path since issue 13)
next to chDB called directly (the path before it), side by side in one process on one data
directory, interleaved so a change of machine load hits both alike:

* a small query (~1 ms): a few topics by id, as an Arrow table;
* an Arrow result of 100,000 rows (five person columns);
* a CSV stream of 150,000 rows (every person column, ~40 MB), read piece by piece to the end.

The direct path is what `ChdbWarehouse` did before: chDB's own connection, the database and the
time limit switched as session state, `ArrowTable` results, `send_query` streams; its values
are bound with clickhouse-connect's rendering (the old one changed strings with backslashes).

chDB allows one process per data directory: point --work at a copy when others benchmark on
bench-data (`cp -a bench-data /work/bench-cc`, then `--work /work/bench-cc`).

    .venv/bin/python benchmarks/warehouse_client.py --work /work/bench-cc
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
from common import add_dataset_args, load_note, med, paths, prepare

SMALL = "SELECT topic_id, name FROM topics WHERE topic_id IN {ids:Array(UInt32)} ORDER BY topic_id"
ARROW = "SELECT person_id, first_name, job_title, seniority, company_id FROM persons ORDER BY person_id LIMIT {n:UInt32}"
CSV = "SELECT * FROM persons ORDER BY person_id LIMIT {n:UInt32}"


class Direct:
    """chDB's own connection, as `ChdbWarehouse` used it before issue 13."""

    def __init__(self, path: Path, database: str) -> None:
        import chdb

        self.conn = chdb.connect(str(path))
        self.conn.query(f"USE `{database}`", "CSV")
        self.conn.query("SET max_execution_time = 30", "CSV")

    @staticmethod
    def _params(sql: str, params: Mapping[str, object]) -> dict[str, str]:
        from clickhouse_connect.driver.binding import bind_query

        _, bound = bind_query(sql, dict(params))
        return {k.removeprefix("param_"): v for k, v in bound.items()}

    def query(self, sql: str, params: Mapping[str, object]) -> pa.Table:
        table = self.conn.query(sql, "ArrowTable", params=self._params(sql, params))
        assert isinstance(table, pa.Table)
        return table

    def stream(self, sql: str, params: Mapping[str, object]) -> Iterator[bytes]:
        stream = self.conn.send_query(sql, "CSV", params=self._params(sql, params))
        for piece in stream:
            yield bytes(piece.bytes())

    def close(self) -> None:
        self.conn.close()


def interleaved(a: Callable[[], object], b: Callable[[], object], n: int) -> tuple[list[float], list[float]]:
    """Milliseconds of `n` calls each, alternating which goes first; one untimed call each first."""
    a(), b()
    ta: list[float] = []
    tb: list[float] = []
    for i in range(n):
        for fn, out in ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta)):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return ta, tb


def drain_direct(direct: Direct, sql: str, params: Mapping[str, object]) -> int:
    return sum(len(p) for p in direct.stream(sql, params))


def drain_cc(wh: Any, stmt: Any) -> int:
    from orbit.warehouse.backend import ClickHouseWarehouse

    # The shared code's stream (clickhouse-connect's raw_stream), whatever ChdbWarehouse uses.
    return sum(len(p) for p in ClickHouseWarehouse.stream_bytes(wh, stmt, fmt="CSV"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    dataset, data_dir, env = paths(args)
    prepare(args, dataset, data_dir, env)

    from orbit.settings import Settings
    from orbit.warehouse.backend import ChdbWarehouse
    from orbit.warehouse.statement import Profile, Statement

    settings = Settings(data_dir=data_dir)
    before = os.getloadavg()[0]
    cc = ChdbWarehouse(settings.warehouse_path, database=settings.warehouse.database,
                       timeouts=dict.fromkeys(Profile, 30.0))
    direct = Direct(settings.warehouse_path.resolve(), settings.warehouse.database)
    ids = [int(r["topic_id"]) for r in cc.query(Statement("SELECT topic_id FROM topics ORDER BY topic_id LIMIT 20")).to_pylist()]
    cases: list[tuple[str, str, dict[str, Any], int]] = [
        ("small query (20 topics, Arrow)", SMALL, {"ids": ids}, args.repeat),
        ("Arrow result, 100,000 rows", ARROW, {"n": 100_000}, max(args.repeat // 2, 5)),
        ("CSV stream, 150,000 rows", CSV, {"n": 150_000}, max(args.repeat // 3, 5)),
    ]
    print(f"{'case':34} {'chDB direct':>12} {'cc client':>12} {'cc / direct':>12}")
    try:
        for name, sql, params, n in cases:
            stmt = Statement(sql, params)
            if sql is CSV:
                same = b"".join(direct.stream(sql, params)) == b"".join(cc.stream_bytes(stmt, fmt="CSV"))
                same = same and drain_cc(cc, stmt) == drain_direct(direct, sql, params)
                a, b = interleaved(partial(drain_direct, direct, sql, params), partial(drain_cc, cc, stmt), n)
            else:
                same = direct.query(sql, params).equals(cc.query(stmt))
                a, b = interleaved(partial(direct.query, sql, params), partial(cc.query, stmt), n)
            assert same, f"{name}: the two paths answer differently"
            print(f"{name:34} {med(a):9.1f} ms {med(b):9.1f} ms {med(b) / med(a):11.2f}x")
    finally:
        direct.close()
        cc.close()
    print(f"medians; {load_note(before)}")


if __name__ == "__main__":
    main()
