"""Completed runs to export, made over HTTP and finished by a worker the test drives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orbit.app import create_app
from orbit.metadata.models import Run
from orbit.runs.worker import Worker
from orbit.settings import ExportSettings, RunsSettings, Settings
from tests.conftest import Loaded, OrgKey, make_org


@dataclass(frozen=True)
class DoneRun:
    org: OrgKey
    audience_id: str
    run_id: str

    @property
    def url(self) -> str:
        return f"/v1/intent/audiences/{self.audience_id}/runs/{self.run_id}"


def make_audience(client: TestClient, org: OrgKey, popular: list[int], **config: Any) -> str:
    body = {"name": "exports", "config": {"topicIds": popular[:4], "minScore": 50, **config}}
    resp = client.post("/v1/intent/audiences", headers=org.headers, json=body)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["data"]["id"])


def queue(client: TestClient, org: OrgKey, audience_id: str) -> str:
    resp = client.post(f"/v1/intent/audiences/{audience_id}/runs", headers=org.headers)
    assert resp.status_code == 202, resp.text
    return str(resp.json()["data"]["id"])


def finish(client: TestClient, loaded: Loaded, run_id: str, **runs: Any) -> Run:
    """Drive a worker until `run_id` is completed (older queued runs of other tests go first)."""
    worker = Worker(loaded.wh, loaded.sessions, client.app.state.catalog.current,
                    RunsSettings(embedded_workers=0, **runs))
    for _ in range(100):
        with loaded.sessions() as s:
            run = s.get(Run, run_id)
            assert run is not None
            if run.status == "completed":
                return run
            assert run.status in ("queued", "running"), (run.status, run.error_message)
        assert worker.run_once(), "nothing to do, but the run is not completed"
    raise AssertionError(f"run {run_id} never completed")


def complete(client: TestClient, loaded: Loaded, popular: list[int], **runs: Any) -> DoneRun:
    org = make_org(loaded)
    audience_id = make_audience(client, org, popular)
    run_id = queue(client, org, audience_id)
    finish(client, loaded, run_id, **runs)
    return DoneRun(org, audience_id, run_id)


@pytest.fixture(scope="session")
def done(client: TestClient, loaded: Loaded, popular: list[int]) -> DoneRun:
    """One completed run (default cap) that the export tests only read."""
    return complete(client, loaded, popular)


@contextmanager
def app_client(loaded: Loaded, data_dir: Path, *, runs: RunsSettings | None = None,
               exports: ExportSettings | None = None) -> Iterator[TestClient]:
    """Another app on the shared stores, with its own settings."""
    settings = Settings(data_dir=data_dir, env="test", runs=runs or RunsSettings(embedded_workers=0),
                        exports=exports or ExportSettings())
    with TestClient(create_app(settings, warehouse=loaded.wh, engine=loaded.engine)) as c:
        yield c
