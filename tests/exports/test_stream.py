"""`export.csv` from the warehouse: rows stream into a spool at engine speed, so an unread download
never holds the engine, and a snapshot missing from the warehouse is an error before any byte."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orbit.exports import service as exports
from orbit.metadata.models import Run
from orbit.warehouse import runs_sql
from orbit.warehouse.statement import Statement
from tests.conftest import Loaded
from tests.conftest import expect_error as _err
from tests.exports.conftest import DoneRun, complete

pytestmark = pytest.mark.warehouse


def _run(loaded: Loaded, run_id: str) -> Run:
    with loaded.sessions() as s:
        run = s.get(Run, run_id)
        assert run is not None
        return run


def test_an_unread_download_leaves_the_engine_to_others(loaded: Loaded, done: DoneRun, tmp_path: Path) -> None:
    run = _run(loaded, done.run_id)
    with loaded.sessions() as s:
        csv = exports.open_csv(s, loaded.wh, org_id=done.org.id, audience_id=done.audience_id, run_id=done.run_id,
                               row_cap=300_000, spool_dir=tmp_path)
    answered = threading.Event()

    def other_request() -> None:
        runs_sql.kept_rows(loaded.wh, run_id=run.id, attempt=run.attempts)
        answered.set()

    threading.Thread(target=other_request, daemon=True).start()
    assert answered.wait(60)  # while the client has not read a byte
    whole = Statement(runs_sql.CSV_CHUNK, {"run_id": run.id, "attempt": run.attempts, "offset": 0, "end": run.kept_rows})
    assert b"".join(csv.lines) == exports.csv_header() + loaded.wh.query_bytes(whole, fmt="CSV")


def test_rows_missing_from_the_warehouse_are_an_error_before_any_byte(
    client: TestClient, loaded: Loaded, popular: list[int]
) -> None:
    lost = complete(client, loaded, popular)
    runs_sql.delete_runs(loaded.wh, [lost.run_id])
    _err(client.get(f"{lost.url}/export.csv", headers=lost.org.headers), 503, "SERVICE_UNAVAILABLE")
