"""Runs against real `orbit serve` processes: the whole lifecycle over HTTP, and a worker killed
with SIGKILL whose run is picked up again after its lease and completes once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_serve import ORBIT, READY_TIMEOUT_S, _free_port, _loaded_org

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([*ORBIT, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _until(lambda: _ready(base), f"{base} did not start", proc=proc, timeout=READY_TIMEOUT_S)
    return proc, base


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _until(check: Any, message: str, *, timeout: float = 60, proc: subprocess.Popen[bytes] | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            out = proc.stdout.read().decode()[-3000:] if proc is not None and proc.stdout and proc.poll() is not None else ""
            pytest.fail(f"{message} {out}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    root = tmp_path_factory.mktemp("e2e-runs")
    yield _loaded_org(root, "Runs E2E", days=2)


def _audience(http: httpx.Client, key: str) -> str:
    """A draft (an active one would queue its first run at once, and these tests queue their own)."""
    topics = [m["topicId"] for m in http.get("/v1/intent/topics/movers", params={"limit": 5}).json()["data"]]
    resp = http.post("/v1/intent/audiences", headers={"X-API-Key": key},
                     json={"name": "e2e", "config": {"topicIds": topics, "minScore": 50}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["data"]["id"])


def test_lifecycle_over_http(data: tuple[dict[str, str], str]) -> None:
    env, key = data
    proc, base = _serve({**env, "ORBIT_RUNS__POLL_SECONDS": "0.2"})
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as http:
            audience = _audience(http, key)
            queued = http.post(f"/v1/intent/audiences/{audience}/runs", headers={"Idempotency-Key": "e2e-1"})
            assert queued.status_code == 202
            run = queued.json()["data"]["id"]
            results = f"/v1/intent/audiences/{audience}/runs/{run}/results"
            page = _until(lambda: (r := http.get(results, params={"limit": 10})).status_code == 200 and r,
                          "the embedded worker never completed the run")
            body = page.json()["data"]
            assert body["state"] == "completed" and len(body["results"]) == min(10, body["total"]) > 0
            assert http.post(f"/v1/intent/audiences/{audience}/runs", headers={"Idempotency-Key": "e2e-1"}).json()["data"]["id"] == run
            stats = http.get(f"/v1/intent/audiences/{audience}/runs/{run}/stats").json()["data"]["stats"]
            assert stats["total"] == body["total"]
            size = http.get(f"/v1/intent/audiences/{audience}").json()["data"]["audienceSize"]
            assert size == http.get(f"/v1/intent/audiences/{audience}/runs/{run}").json()["data"]["resultCount"]
            # Why the first person is there, and the companies behind the run.
            first = body["results"][0]
            why = _data(http.get(f"{results}/{first['hashedEmail']}/explain"))
            assert (why["rank"], why["score"]) == (1, first["intent"]["score"])
            assert {t["topicId"] for t in why["topics"] if t["matched"]} == {
                m["topicId"] for m in first["intent"]["matchedTopics"]}
            accounts = _data(http.get(f"/v1/intent/audiences/{audience}/runs/{run}/accounts", params={"limit": 5}))
            assert accounts["total"] > 0 and accounts["accounts"][0]["rank"] == 1
            assert sum(a["people"] for a in accounts["accounts"]) <= body["total"]
            sheet = http.get(f"/v1/intent/audiences/{audience}/runs/{run}/accounts.csv")
            assert sheet.status_code == 200 and sheet.text.count("\r\n") == accounts["total"] + 1
            # What changed: nothing before the first run; a second run of the same day changes nobody.
            changes = f"/v1/intent/audiences/{audience}/runs/{{}}/changes"
            assert http.get(changes.format(run), params={"kind": "new"}).json()["error"]["code"] == "NO_PREVIOUS_RUN"
            second = http.post(f"/v1/intent/audiences/{audience}/runs").json()["data"]["id"]
            done = _until(lambda: (d := _data(http.get(f"/v1/intent/audiences/{audience}/runs/{second}")))["status"]
                          == "completed" and d, "the second run never completed")
            assert done["changes"] == {"previousRunId": run, "new": 0, "dropped": 0, "changed": 0, "minScoreChange": 10}
            same = _data(http.get(changes.format(second), params={"kind": "dropped", "minScoreChange": 1}))
            assert (same["total"], same["results"], same["previousRun"]["id"]) == (0, [], run)
            csv = http.get(changes.format(second) + ".csv")
            assert csv.status_code == 200 and csv.text.count("\r\n") == 1  # the header line alone
    finally:
        _stop(proc)


def test_g2_client_flow_activate_wait_results_export(data: tuple[dict[str, str], str]) -> None:
    """What the published TypeScript SDK does: create in G2 notation, activate, poll /status
    (waitUntilReady) until ready, page /results, export; the G2 shapes hold throughout."""
    env, key = data
    proc, base = _serve(env)  # default worker poll interval: what a user gets
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as http:
            topics = [m["topicId"] for m in http.get("/v1/intent/topics/movers", params={"limit": 5}).json()["data"]]
            config = {"topicIds": topics, "minScore": 50, "maxScore": 100, "filters": {"hasBusinessEmail": True}}
            created = http.post("/v1/intent/audiences", json={"name": "g2 e2e", "config": config})
            assert created.status_code == 201, created.text
            audience = created.json()["data"]
            assert audience["config"] == config and audience["status"] == "draft"
            base_path = f"/v1/intent/audiences/{audience['id']}"
            assert http.get(f"{base_path}/status").json()["data"]["status"] == "none"
            activated = http.patch(base_path, json={"status": "active"})
            assert activated.status_code == 200 and activated.json()["data"]["config"] == config
            started = time.monotonic()
            first = http.get(f"{base_path}/status").json()["data"]
            assert first["status"] in ("materializing", "ready") and first["runId"]
            ready = _until(lambda: (d := _data(http.get(f"{base_path}/status")))["status"] == "ready" and d,
                           "the activated audience never materialized", timeout=10)
            waited = time.monotonic() - started
            assert waited < 10 and ready["runId"] == first["runId"] and ready["totalCount"] > 0
            page = http.get(f"{base_path}/results", params={"limit": 100})
            assert page.status_code == 200
            rows, meta = page.json()["data"], page.json()["meta"]
            assert meta["status"] == "ready" and meta["totalCount"] == ready["totalCount"]
            assert len(rows) == min(100, ready["totalCount"]) and meta["hasMore"] == (ready["totalCount"] > 100)
            row = rows[0]
            assert row["personId"] and row["businessEmail"] and isinstance(row["company"], (str, type(None)))
            assert {"emailHashes", "companyRevenue", "photoUrl", "jobFunctions"} <= set(row)
            assert row["emailHashes"]["sha256"] == row["personId"]
            made = http.post(f"{base_path}/export")
            assert made.status_code == 200, made.text
            export = made.json()["data"]
            assert export["rows"] == ready["totalCount"] and export["cached"] is False
            csv = httpx.get(export["downloadUrl"], timeout=30)
            assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == export["rows"] + 1
    finally:
        _stop(proc)


CLAIM_AND_HANG = textwrap.dedent("""
    import sys, time
    from datetime import timedelta
    from orbit.metadata import db
    from orbit.runs import service
    engine = db.make_engine(sys.argv[1])
    with db.make_sessions(engine).begin() as s:
        db.begin_write(s)
        run = service.claim_next_run(s, worker_id="doomed", lease=timedelta(seconds=2))
        claimed = run.id if run else "none"
    print(claimed, flush=True)  # only once the claim has committed
    time.sleep(600)
""")


def test_a_killed_worker_loses_its_run_which_completes_once(data: tuple[dict[str, str], str], tmp_path: Path) -> None:
    env, key = data
    # 1. Queue a run while no worker runs.
    proc, base = _serve({**env, "ORBIT_RUNS__EMBEDDED_WORKERS": "0"})
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as http:
            audience = _audience(http, key)
            run = http.post(f"/v1/intent/audiences/{audience}/runs").json()["data"]["id"]
    finally:
        _stop(proc)
    # 2. A worker process claims it (2 s lease) and is killed with SIGKILL mid-run.
    url = f"sqlite:///{Path(env['ORBIT_DATA_DIR']).resolve() / 'orbit.db'}"
    doomed = subprocess.Popen([sys.executable, "-c", CLAIM_AND_HANG, url], env=env, stdout=subprocess.PIPE, text=True)
    assert doomed.stdout is not None
    assert doomed.stdout.readline().strip() == run
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    # 3. A server with a worker picks it up once the lease has run out, and completes it once.
    proc, base = _serve({**env, "ORBIT_RUNS__POLL_SECONDS": "0.2", "ORBIT_RUNS__LEASE_SECONDS": "2"})
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as http:
            path = f"/v1/intent/audiences/{audience}/runs/{run}"
            done = _until(lambda: (r := _data(http.get(path)))["status"] == "completed" and r,
                          "the run of the killed worker never completed")
            assert done["attempts"] == 2
            assert len(http.get(f"/v1/intent/audiences/{audience}/runs").json()["data"]) == 1
    finally:
        _stop(proc)


def _data(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]
