"""What changed since the last run, over HTTP: two runs of one audience on two loaded days, against
a Python reference computed from the two days' ranked people; pages, CSV, counts on the run,
isolation, errors, and a previous run whose snapshot is gone."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orbit.app import create_app
from orbit.datagen import files
from orbit.datasets import service as datasets
from orbit.metadata import db
from orbit.metadata.models import Run
from orbit.runs.worker import Worker
from orbit.settings import RunsSettings, Settings
from orbit.warehouse import runs_sql
from orbit.warehouse.statement import Statement
from tests.audiences.reference import World, ranked
from tests.conftest import SMALL_END, Loaded, _open, make_org
from tests.conftest import expect_error as _err
from tests.isolation import Call, assert_isolated
from tests.warehouse.csv_cells import unescaped

pytestmark = pytest.mark.warehouse
MISSING = "00000000-0000-4000-8000-000000000000"
DAY1, DAY2 = SMALL_END - timedelta(days=1), SMALL_END
CHANGE_COLUMNS = ["change.kind", "change.previousRank", "change.previousScore", "change.scoreChange"]


@dataclass
class Days:
    """An app on its own warehouse database; DAY1 is loaded first, DAY2 later (`load_day2`)."""

    client: TestClient
    loaded: Loaded
    dataset: Path

    def load_day2(self) -> None:
        datasets.ingest_day(self.loaded.wh, self.loaded.sessions, day=DAY2, path=files.signal_file(self.dataset, DAY2))
        self.client.app.state.catalog.refresh()  # type: ignore[attr-defined]

    def finish(self, headers: dict[str, str], run_id: str) -> dict[str, Any]:
        """Drive a worker (the SQL path of `orbit worker`) until the run is completed."""
        worker = Worker(self.loaded.wh, self.loaded.sessions, self.client.app.state.catalog.current,  # type: ignore[attr-defined]
                        RunsSettings(embedded_workers=0))
        while worker.run_once():
            pass
        with self.loaded.sessions() as s:
            run = s.get(Run, run_id)
            assert run is not None and run.status == "completed", run and (run.status, run.error_message)
        return run_of(self.client, headers, run.audience_id, run_id)


def run_of(client: TestClient, headers: Any, audience_id: str, run_id: str) -> dict[str, Any]:
    resp = client.get(f"/v1/intent/audiences/{audience_id}/runs/{run_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def days(warehouse_root: Path, small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Days]:
    name = f"t_changes_{uuid.uuid4().hex[:8]}"
    wh = _open(warehouse_root, name)
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('changes-meta') / 'orbit.db'}")
    db.migrate(engine)
    datasets.ingest_directory(wh, db.make_sessions(engine), small_dataset, days=[DAY1])
    settings = Settings(data_dir=tmp_path_factory.mktemp("changes-data"), env="test",
                        runs=RunsSettings(embedded_workers=0), rate_limit={"enabled": False})
    try:
        with TestClient(create_app(settings, warehouse=wh, engine=engine)) as client:
            yield Days(client, Loaded(wh, engine, small_dataset), small_dataset)
    finally:
        wh.command(Statement(f"DROP DATABASE IF EXISTS {name}"))
        wh.close()
        engine.dispose()


@dataclass(frozen=True)
class Pair:
    headers: dict[str, str]
    audience: dict[str, Any]
    first: dict[str, Any]
    second: dict[str, Any]

    @property
    def base(self) -> str:
        return f"/v1/intent/audiences/{self.audience['id']}/runs"


@pytest.fixture(scope="module")
def pair(days: Days, popular: list[int]) -> Pair:
    """One audience, run on DAY1 (the only day loaded), then on DAY2 once it is loaded."""
    org = make_org(days.loaded)
    body = {"name": "changes", "config": {"topicIds": popular[:6], "minScore": 60}}
    audience = days.client.post("/v1/intent/audiences", headers=org.headers, json=body).json()["data"]
    base = f"/v1/intent/audiences/{audience['id']}/runs"
    first = days.client.post(base, headers=org.headers).json()["data"]
    assert first["dataDate"] == DAY1.isoformat()
    first = days.finish(org.headers, first["id"])
    days.load_day2()
    second = days.client.post(base, headers=org.headers).json()["data"]
    assert second["dataDate"] == DAY2.isoformat()
    return Pair(org.headers, audience, first, days.finish(org.headers, second["id"]))


def reference(world: World, config: dict[str, Any], min_change: int) -> dict[str, list[tuple[int, int, int | None, int | None]]]:
    """Per kind, (person id, rank, previous rank, previous score) in the order the API pages them."""
    before = {p: (rank, score) for rank, (p, score, _) in enumerate(ranked(world, config, DAY1), start=1)}
    after = {p: (rank, score) for rank, (p, score, _) in enumerate(ranked(world, config, DAY2), start=1)}
    return {
        "new": [(p, r, None, None) for p, (r, _) in after.items() if p not in before],
        "dropped": [(p, r, r, s) for p, (r, s) in before.items() if p not in after],
        "changed": [(p, r, before[p][0], before[p][1]) for p, (r, s) in after.items()
                    if p in before and abs(s - before[p][1]) >= min_change],
    }


def _all_pages(client: TestClient, pair: Pair, kind: str, *, limit: int, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        resp = client.get(f"{pair.base}/{pair.second['id']}/changes", headers=pair.headers,
                          params={"kind": kind, "limit": limit, "offset": offset, **params})
        assert resp.status_code == 200, resp.text
        data = resp.json()["data"]
        assert (data["kind"], data["limit"], data["offset"], data["state"]) == (kind, limit, offset, "completed")
        assert data["previousRun"]["id"] == pair.first["id"] and data["run"]["id"] == pair.second["id"]
        rows += data["results"]
        offset += limit
        if offset >= data["total"]:
            assert len(rows) == data["total"]
            return rows


def test_counts_on_the_run_equal_the_reference(days: Days, pair: Pair, world: World) -> None:
    ref = reference(world, pair.audience["normalizedConfig"], 10)
    assert pair.first["changes"] is None  # the audience's first completed run
    assert pair.second["changes"] == {"previousRunId": pair.first["id"], "new": len(ref["new"]),
                                      "dropped": len(ref["dropped"]), "changed": len(ref["changed"]),
                                      "minScoreChange": 10}
    assert all(len(rows) > 0 for rows in ref.values()), {k: len(v) for k, v in ref.items()}
    listed = days.client.get(pair.base, headers=pair.headers).json()["data"]
    assert [r["changes"] for r in listed] == [pair.second["changes"], None]


@pytest.mark.parametrize("min_change", [10, 25])
def test_pages_to_the_end_equal_the_reference(days: Days, pair: Pair, world: World, min_change: int) -> None:
    ref = reference(world, pair.audience["normalizedConfig"], min_change)
    after = {p: s for p, s, _ in ranked(world, pair.audience["normalizedConfig"], DAY2)}
    for kind, expected in ref.items():
        rows = _all_pages(days.client, pair, kind, limit=37, minScoreChange=min_change)
        assert [r["hashedEmail"] for r in rows] == [world.persons[p]["hashed_email"] for p, *_ in expected], kind
        assert [r["rank"] for r in rows] == [r for _, r, _, _ in expected]
        assert [(r["change"]["kind"], r["change"]["previousRank"], r["change"]["previousScore"]) for r in rows] == [
            (kind, pr, ps) for _, _, pr, ps in expected]
        if kind == "changed":
            assert [r["change"]["scoreChange"] for r in rows] == [after[p] - ps for p, _, _, ps in expected]
            assert all(abs(r["change"]["scoreChange"]) >= min_change for r in rows)
        else:
            assert all(r["change"]["scoreChange"] is None for r in rows)


def test_rows_have_the_shape_of_results_rows(days: Days, pair: Pair) -> None:
    """New and changed rows are the run's results rows; dropped rows the previous run's."""
    def results(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
        page = days.client.get(f"{pair.base}/{run['id']}/results", headers=pair.headers, params={"limit": 1000})
        return {r["hashedEmail"]: r for r in page.json()["data"]["results"]}

    now, before = results(pair.second), results(pair.first)
    for kind, source in (("new", now), ("changed", now), ("dropped", before)):
        for row in _all_pages(days.client, pair, kind, limit=1000):
            change = row.pop("change")
            assert row == source[row["hashedEmail"]], kind
            assert change["kind"] == kind


def _csv(resp: Any) -> tuple[list[str], list[list[str]]]:
    assert resp.status_code == 200, resp.text
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8"), newline="")))
    return rows[0], rows[1:]


def test_csv_equals_the_pages_and_the_export(days: Days, pair: Pair, world: World) -> None:
    url = f"{pair.base}/{pair.second['id']}"
    _, export_now = _csv(days.client.get(f"{url}/export.csv", headers=pair.headers))
    _, export_before = _csv(days.client.get(f"{pair.base}/{pair.first['id']}/export.csv", headers=pair.headers))
    by_rank = {"now": {int(r[0]): r for r in export_now}, "before": {int(r[0]): r for r in export_before}}
    header_all, everything = _csv(days.client.get(f"{url}/changes.csv", headers=pair.headers))
    export_header = [name for name, _ in runs_sql.CSV_COLUMNS]
    assert header_all == export_header + CHANGE_COLUMNS
    ref = reference(world, pair.audience["normalizedConfig"], 10)
    after = {p: s for p, s, _ in ranked(world, pair.audience["normalizedConfig"], DAY2)}
    expected_all: list[list[str]] = []
    for kind in ("new", "changed", "dropped"):
        resp = days.client.get(f"{url}/changes.csv", headers=pair.headers, params={"kind": kind})
        assert resp.headers["content-disposition"] == (
            f'attachment; filename="audience-{pair.audience["id"]}-run-{pair.second["id"]}-changes-{kind}.csv"')
        assert resp.headers["x-changes-previous-run-id"] == pair.first["id"]
        header, rows = _csv(resp)
        assert header == header_all
        expected = []
        for p, rank, prev_rank, prev_score in ref[kind]:
            cells = by_rank["before" if kind == "dropped" else "now"][rank]
            change = "" if prev_score is None or kind == "dropped" else str(after[p] - prev_score)
            expected.append([*cells, kind, "" if prev_rank is None else str(prev_rank),
                             "" if prev_score is None else str(prev_score), change])
        assert rows == expected, kind
        assert [unescaped(r[1]) for r in rows] == [world.persons[p]["hashed_email"] for p, *_ in ref[kind]]
        expected_all += expected
    assert everything == expected_all
    _, strict = _csv(days.client.get(f"{url}/changes.csv", headers=pair.headers,
                                     params={"kind": "changed", "minScoreChange": 25}))
    assert len(strict) == len(reference(world, pair.audience["normalizedConfig"], 25)["changed"])


def test_first_run_has_no_previous_run(days: Days, pair: Pair) -> None:
    url = f"{pair.base}/{pair.first['id']}"
    error = _err(days.client.get(f"{url}/changes", headers=pair.headers, params={"kind": "new"}), 409, "NO_PREVIOUS_RUN")
    assert "first completed run" in error["message"]
    _err(days.client.get(f"{url}/changes.csv", headers=pair.headers), 409, "NO_PREVIOUS_RUN")


def test_bad_input_and_unfinished_runs(days: Days, pair: Pair) -> None:
    url = f"{pair.base}/{pair.second['id']}"
    for params in ({}, {"kind": "gone"}, {"kind": "new", "minScoreChange": 0}, {"kind": "new", "minScoreChange": 100},
                   {"kind": "new", "minScoreChange": "x"}, {"kind": "new", "limit": 1001}, {"kind": "new", "offset": -1}):
        error = _err(days.client.get(f"{url}/changes", headers=pair.headers, params=params), 400, "VALIDATION_ERROR")
        assert error["details"], params
    for params in ({"kind": "all"}, {"minScoreChange": 100}):
        _err(days.client.get(f"{url}/changes.csv", headers=pair.headers, params=params), 400, "VALIDATION_ERROR")
    queued = days.client.post(pair.base, headers=pair.headers).json()["data"]
    pending = days.client.get(f"{pair.base}/{queued['id']}/changes", headers=pair.headers, params={"kind": "new"})
    assert pending.status_code == 202 and pending.json()["data"]["state"] == "queued"
    assert pending.json()["data"]["results"] == [] and pending.json()["data"]["previousRun"] is None
    _err(days.client.get(f"{pair.base}/{queued['id']}/changes.csv", headers=pair.headers), 409, "RUN_NOT_COMPLETED")
    days.client.delete(f"{pair.base}/{queued['id']}", headers=pair.headers)
    for path in ("changes?kind=new", "changes.csv"):
        error = _err(days.client.get(f"{pair.base}/{queued['id']}/{path}", headers=pair.headers), 409, "RUN_NOT_COMPLETED")
        assert error["details"] == {"status": "cancelled"}
    _err(days.client.get(f"{pair.base}/{MISSING}/changes?kind=new", headers=pair.headers), 404, "NOT_FOUND")


def test_another_organization_sees_no_changes(days: Days, pair: Pair) -> None:
    other = make_org(days.loaded)
    url = f"{pair.base}/{pair.second['id']}"
    assert_isolated(days.client, owner=pair.headers, other=other.headers, read_url=url, object_id=pair.second["id"],
                    missing_id=MISSING, calls=[Call("GET", f"{url}/changes?kind=new"), Call("GET", f"{url}/changes.csv"),
                                               Call("GET", f"{url}/changes?kind=dropped&minScoreChange=5")])


def test_a_deleted_previous_snapshot_is_gone_and_the_counts_stay(days: Days, popular: list[int]) -> None:
    """Another audience (DAY2 is loaded by now): three runs; the second's rows are deleted, then the
    first's run row (as deleting a run would), and the runs compared with them answer 410."""
    org = make_org(days.loaded)
    audience = days.client.post("/v1/intent/audiences", headers=org.headers,
                                json={"name": "gone", "config": {"topicIds": popular[:3], "minScore": 70}}).json()["data"]
    base = f"/v1/intent/audiences/{audience['id']}/runs"
    ids = []
    for _ in range(3):
        run = days.client.post(base, headers=org.headers).json()["data"]
        ids.append(days.finish(org.headers, run["id"])["id"])
    third = run_of(days.client, org.headers, audience["id"], ids[2])
    assert third["changes"] == {"previousRunId": ids[1], "new": 0, "dropped": 0, "changed": 0, "minScoreChange": 10}
    ok = days.client.get(f"{base}/{ids[2]}/changes", headers=org.headers, params={"kind": "new"})
    assert ok.status_code == 200 and ok.json()["data"]["total"] == 0
    runs_sql.delete_runs(days.loaded.wh, [ids[1]])  # the snapshot rows of the second run
    for path in ("changes?kind=new", "changes.csv"):
        error = _err(days.client.get(f"{base}/{ids[2]}/{path}", headers=org.headers), 410, "PREVIOUS_RUN_GONE")
        assert error["details"] == {"previousRunId": ids[1]}
    with days.loaded.sessions.begin() as s:  # the first run itself
        s.delete(s.get(Run, ids[0]))
    _err(days.client.get(f"{base}/{ids[1]}/changes?kind=changed", headers=org.headers), 410, "PREVIOUS_RUN_GONE")
    assert run_of(days.client, org.headers, audience["id"], ids[2])["changes"] == third["changes"]
    assert run_of(days.client, org.headers, audience["id"], ids[1])["changes"]["previousRunId"] == ids[0]
