"""A new day loaded while `orbit serve` runs, all as real processes: `orbit ingest` hands the load
to the server over its control channel, a client polls the API throughout and gets only 200s, and
when the command returns the day is ready and its daily runs are queued."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_runs import _serve, _stop, _until
from tests.e2e.test_serve import ORBIT, _env

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]
OLD_DAYS, NEW_DAY = ["2026-11-19", "2026-11-20"], "2026-11-21"


def _orbit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ORBIT, *args], env=env, capture_output=True, text=True, timeout=300)


@dataclass
class Live:
    env: dict[str, str]
    base: str
    key: str
    dataset: Path
    proc: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server on two loaded days; the data set also holds a third day, not loaded yet."""
    root = tmp_path_factory.mktemp("live")
    env = {**_env(root / "data"), "ORBIT_RATE_LIMIT__ENABLED": "false", "ORBIT_RUNS__POLL_SECONDS": "0.2"}
    dataset = root / "dataset"
    gen = _orbit(env, "datagen", "--out", str(dataset), "--scale", "0.001", "--days", "3", "--end-date", NEW_DAY)
    assert gen.returncode == 0, gen.stdout + gen.stderr
    first = _orbit(env, "ingest", str(dataset), *(a for d in OLD_DAYS for a in ("--date", d)))
    assert first.returncode == 0 and "orbit serve" not in first.stdout, first.stdout + first.stderr
    made = _orbit(env, "orgs", "create", "Live Ingest")
    key = re.search(r"sk_[A-Za-z0-9_-]{40,}", made.stdout)
    assert key, made.stdout
    proc, base = _serve(env)
    try:
        yield Live(env, base, key.group(0), dataset, proc)
    finally:
        _stop(proc)


class Poller(threading.Thread):
    """Calls the API in a loop until stopped, keeping every status and preview data date."""

    def __init__(self, base: str, key: str, config: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.base, self.key, self.config = base, key, config
        self.stop = threading.Event()
        self.answers: list[tuple[str, int]] = []
        self.preview_dates: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60, headers={"X-API-Key": self.key}) as http:
            while not self.stop.is_set():
                ready = http.get("/readyz")
                self.answers.append(("readyz", ready.status_code))
                preview = http.post("/v1/intent/audiences/preview", json=self.config)
                self.answers.append(("preview", preview.status_code))
                if preview.status_code == 200:
                    self.preview_dates.append(preview.json()["data"]["dataDate"])
                movers = http.get("/v1/intent/topics/movers", params={"limit": 3})
                self.answers.append(("movers", movers.status_code))
                self.stop.wait(0.05)  # pacing, so the load gets the cores too


def _runs(http: httpx.Client, audience: str) -> list[dict[str, Any]]:
    resp = http.get(f"/v1/intent/audiences/{audience}/runs")
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


def _until_runs(http: httpx.Client, audience: str, want: dict[str, str], timeout: float = 120) -> None:
    """Poll until the audience's runs are exactly `want` (data date -> status)."""
    deadline = time.monotonic() + timeout
    while (runs := {r["dataDate"]: r["status"] for r in _runs(http, audience)}) != want:
        assert time.monotonic() < deadline, f"runs {runs}, expected {want}: {_runs(http, audience)}"
        time.sleep(0.1)


def test_a_new_day_loads_while_the_api_answers(live: Live) -> None:
    with httpx.Client(base_url=live.base, timeout=60, headers={"X-API-Key": live.key}) as http:
        topics = [m["topicId"] for m in http.get("/v1/intent/topics/movers", params={"limit": 5}).json()["data"]]
        config = {"topicIds": topics, "minScore": 50}
        made = http.post("/v1/intent/audiences", json={"name": "daily", "status": "active", "config": config})
        assert made.status_code == 201, made.text
        audience = made.json()["data"]["id"]
        # Activation queues the first run at once; it must be done, or the daily run would wait.
        _until_runs(http, audience, {OLD_DAYS[-1]: "completed"})
        assert _runs(http, audience)[0]["dataDate"] == OLD_DAYS[-1]

        poller = Poller(live.base, live.key, config)
        poller.start()
        _until(lambda: len(poller.answers) >= 3, "the poller never got an answer")
        at_start = len(poller.answers)
        try:
            load = _orbit(live.env, "ingest", str(live.dataset), "--kind", "signals", "--date", NEW_DAY)
        finally:
            before_stop = len(poller.answers)
            poller.stop.set()
            poller.join(timeout=120)
        assert load.returncode == 0, load.stdout + load.stderr
        assert f"orbit serve (PID {live.proc.pid})" in load.stdout
        assert "queued 1 daily runs for 2026-11-21" in load.stdout and "loaded no dimensions; 1 days" in load.stdout

        # The API answered throughout, and the new day appeared once, never to go back.
        assert before_stop - at_start >= 3 and {s for _, s in poller.answers} == {200}, poller.answers
        dates = poller.preview_dates
        assert dates == sorted(dates) and set(dates) <= {OLD_DAYS[-1], NEW_DAY}
        # Ready the moment the command returns: the server re-read its ready days on completion.
        assert http.get("/v1/intent/topics/movers").json()["meta"]["today"] == NEW_DAY
        assert http.post("/v1/intent/audiences/preview", json=config).json()["data"]["dataDate"] == NEW_DAY
        trend = http.get(f"/v1/intent/topics/{topics[0]}/trend").json()["data"]
        assert [p["date"] for p in trend] == [*OLD_DAYS, NEW_DAY]
        daily = [r for r in _runs(http, audience) if r["dataDate"] == NEW_DAY]
        assert [r["runType"] for r in daily] == ["daily"]
        _until_runs(http, audience, {OLD_DAYS[-1]: "completed", NEW_DAY: "completed"})


def test_bad_input_through_the_server_fails_as_it_does_without_one(live: Live, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "topics.parquet").write_bytes(b"garbage")
    for args, says in [
        ([str(bad), "--kind", "topics"], "error: ingest failed: topics.parquet could not be read"),
        ([str(live.dataset), "--kind", "signals", "--date", "2026-12-25"], "error: ingest failed: no signals file for 2026-12-25"),
    ]:
        done = _orbit(live.env, "ingest", *args)
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"orbit serve (PID {live.proc.pid})" in done.stdout
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(says), done.stderr
    assert httpx.get(f"{live.base}/readyz", timeout=30).status_code == 200


def test_a_stale_socket_of_a_killed_server_means_the_old_path(tmp_path: Path) -> None:
    """No server: `orbit ingest` loads by itself, also when a killed server left its socket."""
    env = _env(tmp_path / "data")
    dataset = tmp_path / "dataset"
    gen = _orbit(env, "datagen", "--out", str(dataset), "--scale", "0.001", "--days", "2", "--end-date", NEW_DAY)
    assert gen.returncode == 0, gen.stderr
    first = _orbit(env, "ingest", str(dataset), "--date", OLD_DAYS[-1])
    assert first.returncode == 0 and "orbit serve" not in first.stdout, first.stdout + first.stderr
    proc, _ = _serve(env)
    sock = tmp_path / "data" / "control.sock"
    assert sock.exists()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert sock.exists()  # nothing cleaned up
    second = _orbit(env, "ingest", str(dataset), "--kind", "signals", "--date", NEW_DAY)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "orbit serve" not in second.stdout and "loaded no dimensions; 1 days" in second.stdout


def test_a_token_that_is_not_the_servers_or_is_open_to_others_is_refused(live: Live) -> None:
    token = Path(live.env["ORBIT_DATA_DIR"]) / "control.sock.token"
    kept = token.read_text()
    try:
        token.write_text("a-token-of-another-start")
        wrong = _orbit(live.env, "ingest", str(live.dataset), "--kind", "signals", "--date", NEW_DAY)
        assert wrong.returncode == 1, wrong.stdout + wrong.stderr
        assert wrong.stderr.strip() == (f"error: orbit serve (PID {live.proc.pid}) refused the load: wrong control "
                                        "token: it is not the one this orbit serve wrote")
        token.write_text(kept)
        token.chmod(0o644)
        open_token = _orbit(live.env, "ingest", str(live.dataset), "--kind", "signals", "--date", NEW_DAY)
        assert open_token.returncode == 1 and "orbit serve (PID" not in open_token.stdout  # token never sent
        assert open_token.stderr.startswith("error: cannot hand the load to orbit serve: the control token ")
        assert "is open to other users (mode 644)" in open_token.stderr
    finally:
        token.write_text(kept)
        token.chmod(0o600)
