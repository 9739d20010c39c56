"""A real `orbit serve` on deterministic demo data for the SDK and MCP tests, one per session of
these tests: its base URL, an organization's API key, and an audience with two completed runs (so
that results, stats, accounts, changes and exports all have something to show)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_runs import _serve, _stop
from tests.e2e.test_serve import ORBIT, _env


@dataclass(frozen=True)
class Live:
    base: str
    key: str
    env: dict[str, str]
    audience: str  # an audience with two completed runs
    first_run: str
    run: str  # the second run: it has a previous run to compare with
    topics: list[int]


def orbit(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run([*ORBIT, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def new_key(env: dict[str, str], name: str) -> str:
    key = re.search(r"sk_[A-Za-z0-9_-]{40,}", orbit(env, "orgs", "create", name, timeout=60))
    assert key
    return key.group(0)


def _wait_completed(http: httpx.Client, audience: str, run: str) -> None:
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = http.get(f"/v1/intent/audiences/{audience}/runs/{run}").json()["data"]["status"]
        if status == "completed":
            return
        assert status in ("queued", "running"), status
        time.sleep(0.1)
    raise AssertionError(f"run {run} did not complete")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root: Path = tmp_path_factory.mktemp("clients")
    env = {**_env(root / "data"), "ORBIT_RUNS__POLL_SECONDS": "0.2", "ORBIT_ENV": "test",
           "ORBIT_WEBHOOKS__ALLOW_HTTP": "true", "ORBIT_WEBHOOKS__ALLOW_LOOPBACK": "true",
           "ORBIT_WEBHOOKS__CONCURRENCY": "0"}
    orbit(env, "datagen", "--out", str(root / "dataset"), "--scale", "0.002", "--days", "2", "--end-date", "2026-11-20")
    orbit(env, "ingest", str(root / "dataset"))
    key = new_key(env, "Clients")
    proc, base = _serve(env)
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as http:
            topics = [m["topicId"] for m in http.get("/v1/intent/topics/movers", params={"limit": 5}).json()["data"]]
            made = http.post("/v1/intent/audiences", json={"name": "fixture", "config": {"topicIds": topics, "minScore": 50}})
            assert made.status_code == 201, made.text
            audience = made.json()["data"]["id"]
            runs = []
            for _ in range(2):
                run = http.post(f"/v1/intent/audiences/{audience}/runs").json()["data"]["id"]
                _wait_completed(http, audience, run)
                runs.append(run)
        yield Live(base=base, key=key, env=env, audience=audience, first_run=runs[0], run=runs[1], topics=topics)
    finally:
        _stop(proc)
