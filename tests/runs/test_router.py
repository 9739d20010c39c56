"""Runs over HTTP: lifecycle, results against the reference, stats, idempotency, cancel, retries."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orbit.runs.worker import Worker
from orbit.settings import RunsSettings
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Statement
from tests.audiences.reference import World, ranked
from tests.conftest import SMALL_END, Loaded, OrgKey, make_org, wait_for_serving_index
from tests.conftest import expect_error as _err
from tests.isolation import Call, assert_isolated

pytestmark = pytest.mark.warehouse
MISSING = "00000000-0000-4000-8000-000000000000"



def _audience(client: TestClient, org: OrgKey, popular: list[int], **config: Any) -> dict[str, Any]:
    body = {"name": "runs", "config": {"topicIds": popular[:4], "minScore": 50, **config}}
    resp = client.post("/v1/intent/audiences", headers=org.headers, json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


RANKS_DIR = Path(tempfile.mkdtemp(prefix="orbit-run-ranks-"))


def _worker(client: TestClient, loaded: Loaded, wh: Warehouse | None = None, *, via_index: bool = True,
            **settings: Any) -> Worker:
    """A worker like `orbit serve`'s: runs on the serving index's day are ranked in memory
    (unless `via_index` is False: the SQL path of `orbit worker`)."""
    serving = client.app.state.serving  # type: ignore[attr-defined]
    if via_index:  # other tests may have changed the data: the index of the current data first
        wait_for_serving_index(client.app)
    return Worker(wh or loaded.wh, loaded.sessions, client.app.state.catalog.current,  # type: ignore[attr-defined]
                  RunsSettings(**settings), index_of=serving.current if via_index else None, workdir=RANKS_DIR)


def _drain(client: TestClient, loaded: Loaded, *, via_index: bool = True) -> int:
    """Process every due run (other tests may have left some queued); returns how many."""
    worker, done = _worker(client, loaded, via_index=via_index), 0
    while worker.run_once():
        done += 1
    return done


@pytest.mark.parametrize("path", ["hydrated-from-index", "ranked-by-sql"])
def test_lifecycle_results_match_the_reference(client: TestClient, loaded: Loaded, popular: list[int], world: World,
                                               path: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    via_index = path == "hydrated-from-index"
    org = make_org(loaded)
    a = _audience(client, org, popular, filters={"contact.hasBusinessEmail": True})
    base = f"/v1/intent/audiences/{a['id']}/runs"
    queued = client.post(base, headers=org.headers)
    assert queued.status_code == 202
    run = queued.json()["data"]
    caplog.set_level("INFO", logger="orbit.worker")
    assert (run["status"], run["runType"], run["attempts"], run["candidateCount"]) == ("queued", "manual", 0, 0)
    assert run["configHash"] == a["configHash"] and run["dataDate"] == SMALL_END.isoformat()
    pending = client.get(f"{base}/{run['id']}/results", headers=org.headers)
    assert pending.status_code == 202 and pending.json()["data"]["state"] == "queued"
    assert client.get(f"{base}/{run['id']}/stats", headers=org.headers).status_code == 202
    assert _drain(client, loaded, via_index=via_index) >= 1
    done = client.get(f"{base}/{run['id']}", headers=org.headers).json()["data"]
    assert done["status"] == "completed" and done["attempts"] == 1 and done["completedAt"]
    expected = ranked(world, a["normalizedConfig"], SMALL_END)
    hydrated = f"run {run['id']}: {len(expected)} rows hydrated from the serving index"
    assert any(r.getMessage().startswith(hydrated) for r in caplog.records) == (path == "hydrated-from-index")
    candidates = ranked(world, {**a["normalizedConfig"], "filters": {}}, SMALL_END)
    assert (done["resultCount"], done["candidateCount"]) == (len(expected), len(candidates))
    rows: list[dict[str, Any]] = []
    for offset in range(0, len(expected), 400):
        page = client.get(f"{base}/{run['id']}/results", headers=org.headers, params={"limit": 400, "offset": offset})
        assert page.status_code == 200
        data = page.json()["data"]
        assert (data["total"], data["limit"], data["offset"], data["state"]) == (len(expected), 400, offset, "completed")
        rows += data["results"]
    assert [r["hashedEmail"] for r in rows] == [world.persons[p]["hashed_email"] for p, _, _ in expected]
    assert [(r["intent"]["score"], r["intent"]["topicOverlap"]) for r in rows] == [(s, o) for _, s, o in expected]
    assert all(r["businessEmail"] and r["company"]["name"] for r in rows)  # unmasked, filter applied
    assert {m["topicId"] for r in rows for m in r["intent"]["matchedTopics"]} <= set(a["normalizedConfig"]["topicIds"])
    stats = client.get(f"{base}/{run['id']}/stats", headers=org.headers).json()["data"]["stats"]
    assert stats["total"] == len(rows)
    assert stats["fillRates"]["businessEmail"] == {"count": len(rows), "percent": 100.0}
    phones = sum(1 for r in rows if r["phone"])
    assert stats["fillRates"]["phone"] == {"count": phones, "percent": round(phones * 100 / len(rows), 2)}
    assert sum(b["count"] for b in stats["scoreHistogram"]) == len(rows)
    assert [b["bucket"] for b in stats["scoreHistogram"]] == ["50-69", "70-89", "90-99"]
    assert stats["averages"]["score"] == pytest.approx(sum(s for _, s, _ in expected) / len(expected), abs=0.01)
    audience = client.get(f"/v1/intent/audiences/{a['id']}", headers=org.headers).json()["data"]
    assert audience["audienceSize"] == len(expected) and audience["lastRefreshedAt"] == done["completedAt"]
    listed = client.get(base, headers=org.headers).json()
    assert [r["id"] for r in listed["data"]] == [run["id"]] and listed["meta"]["total"] == 1
    _err(client.get(base, headers=org.headers, params={"limit": 101}), 400, "VALIDATION_ERROR")
    _err(client.get(f"{base}/{run['id']}/results", headers=org.headers, params={"limit": 1001}), 400, "VALIDATION_ERROR")


def test_idempotency_and_in_progress(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    a, b = _audience(client, org, popular), _audience(client, org, popular)
    first = client.post(f"/v1/intent/audiences/{a['id']}/runs", headers={**org.headers, "Idempotency-Key": "k-1"})
    again = client.post(f"/v1/intent/audiences/{a['id']}/runs", headers={**org.headers, "Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert again.json()["data"]["idempotencyKey"] == "k-1"
    _err(client.post(f"/v1/intent/audiences/{b['id']}/runs", headers={**org.headers, "Idempotency-Key": "k-1"}),
         409, "IDEMPOTENCY_CONFLICT")
    busy = _err(client.post(f"/v1/intent/audiences/{a['id']}/runs", headers=org.headers), 409, "RUN_IN_PROGRESS")
    assert busy["details"]["runId"] == first.json()["data"]["id"]
    _err(client.post(f"/v1/intent/audiences/{b['id']}/runs", headers={**org.headers, "Idempotency-Key": "x" * 121}),
         400, "VALIDATION_ERROR")
    _err(client.post(f"/v1/intent/audiences/{b['id']}/runs", headers=org.headers, json={"runType": "daily"}),
         400, "VALIDATION_ERROR")
    assert client.get(f"/v1/intent/audiences/{b['id']}/runs", headers=org.headers).json()["meta"]["total"] == 0


def test_cancel_rules(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    a = _audience(client, org, popular)
    base = f"/v1/intent/audiences/{a['id']}/runs"
    run = client.post(base, headers=org.headers).json()["data"]
    cancelled = client.delete(f"{base}/{run['id']}", headers=org.headers)
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"
    assert cancelled.json()["data"]["cancelledAt"]
    _err(client.delete(f"{base}/{run['id']}", headers=org.headers), 409, "RUN_NOT_CANCELLABLE")
    _err(client.get(f"{base}/{run['id']}/results", headers=org.headers), 409, "RUN_NOT_COMPLETED")
    _err(client.get(f"{base}/{run['id']}/stats", headers=org.headers), 409, "RUN_NOT_COMPLETED")
    _drain(client, loaded)
    assert client.get(f"{base}/{run['id']}", headers=org.headers).json()["data"]["status"] == "cancelled"
    second = client.post(base, headers=org.headers).json()["data"]
    assert _drain(client, loaded) >= 1
    _err(client.delete(f"{base}/{second['id']}", headers=org.headers), 409, "RUN_NOT_CANCELLABLE")
    _err(client.delete(f"{base}/{MISSING}", headers=org.headers), 404, "NOT_FOUND")


def test_failures_are_retried_then_failed(client: TestClient, loaded: Loaded, popular: list[int], fresh_wh: Warehouse) -> None:
    """A worker whose warehouse lacks the tables fails for real; three attempts, then `failed`."""
    org = make_org(loaded)
    a = _audience(client, org, popular)
    base = f"/v1/intent/audiences/{a['id']}/runs"
    _drain(client, loaded)  # the broken worker below must get this test's run, not another's
    run = client.post(base, headers=org.headers).json()["data"]
    fresh_wh.command(Statement("DROP TABLE signals"))  # what runs ranked by SQL read
    fresh_wh.command(Statement("DROP TABLE persons"))  # what runs ranked in memory read
    fresh_wh.command(Statement("DROP TABLE run_results"))  # what every run writes
    broken = _worker(client, loaded, fresh_wh, retry_base_seconds=0)
    for attempt in (1, 2):
        assert broken.run_once() is True
        state = client.get(f"{base}/{run['id']}", headers=org.headers).json()["data"]
        assert (state["status"], state["attempts"]) == ("queued", attempt)
    assert broken.run_once() is True
    failed = client.get(f"{base}/{run['id']}", headers=org.headers).json()["data"]
    assert (failed["status"], failed["attempts"], failed["errorCode"]) == ("failed", 3, "WAREHOUSE_ERROR")
    assert not {"signals", "persons", "run_results"} & set((failed["errorMessage"] or "").split())  # no engine text
    _err(client.get(f"{base}/{run['id']}/results", headers=org.headers), 409, "RUN_NOT_COMPLETED")
    retried = client.post(base, headers=org.headers).json()["data"]
    assert _drain(client, loaded) >= 1
    assert client.get(f"{base}/{retried['id']}", headers=org.headers).json()["data"]["status"] == "completed"


def test_edits_never_change_a_completed_run(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    a = _audience(client, org, popular)
    base = f"/v1/intent/audiences/{a['id']}/runs"
    run = client.post(base, headers=org.headers).json()["data"]
    _drain(client, loaded)
    before = client.get(f"{base}/{run['id']}/results", headers=org.headers, params={"limit": 1000}).content
    stats_before = client.get(f"{base}/{run['id']}/stats", headers=org.headers).json()["data"]
    client.patch(f"/v1/intent/audiences/{a['id']}", headers=org.headers,
                 json={"config": {"topicIds": popular[5:7], "minScore": 90}})
    newer = client.post(base, headers=org.headers).json()["data"]
    _drain(client, loaded)
    assert newer["configHash"] != run["configHash"]
    after = client.get(f"{base}/{run['id']}/results", headers=org.headers, params={"limit": 1000})
    assert after.json()["data"] == json.loads(before)["data"]
    assert client.get(f"{base}/{run['id']}/stats", headers=org.headers).json()["data"] == stats_before


def test_another_organization_sees_no_runs(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    owner, other = make_org(loaded), make_org(loaded)
    a = _audience(client, owner, popular)
    base = f"/v1/intent/audiences/{a['id']}/runs"
    run = client.post(base, headers=owner.headers).json()["data"]
    _drain(client, loaded)
    url = f"{base}/{run['id']}"
    assert_isolated(client, owner=owner.headers, other=other.headers, read_url=url, object_id=run["id"], missing_id=MISSING,
                    calls=[Call("GET", url), Call("GET", f"{url}/results"), Call("GET", f"{url}/stats"), Call("DELETE", url)])
    assert_isolated(client, owner=owner.headers, other=other.headers, read_url=f"/v1/intent/audiences/{a['id']}",
                    object_id=a["id"], missing_id=MISSING, calls=[Call("GET", base), Call("POST", base)])


def test_deleting_an_audience_removes_its_runs(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    from orbit.warehouse import runs_sql

    org = make_org(loaded)
    a = _audience(client, org, popular)
    run = client.post(f"/v1/intent/audiences/{a['id']}/runs", headers=org.headers).json()["data"]
    _drain(client, loaded)
    assert run["id"] in runs_sql.snapshot_runs(loaded.wh)
    assert client.delete(f"/v1/intent/audiences/{a['id']}", headers=org.headers).status_code == 200
    assert run["id"] not in runs_sql.snapshot_runs(loaded.wh)
    _err(client.get(f"/v1/intent/audiences/{a['id']}/runs/{run['id']}", headers=org.headers), 404, "NOT_FOUND")
