"""`orbit datagen`, `orbit ingest` and `orbit serve` as real processes, called over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]
ORBIT = [sys.executable, "-m", "orbit"]
_DATA_DIRS: dict[str, Path] = {}  # server base URL -> its data directory


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


READY_TIMEOUT_S = 300


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT_")}
    env.update({"ORBIT_DATA_DIR": str(data_dir), "ORBIT_LOG_LEVEL": "warning", "COLUMNS": "250"})
    return env


def _loaded_org(root: Path, org: str, *, days: int) -> tuple[dict[str, str], str]:
    """A small generated data set of `days` days ingested into `root/data`, and a new organization's
    API key: the environment and key the e2e modules start `orbit serve` with."""
    env = _env(root / "data")
    dataset = root / "dataset"
    for args in (["datagen", "--out", str(dataset), "--scale", "0.002", "--days", str(days), "--end-date", "2026-11-20"],
                 ["ingest", str(dataset)]):
        done = subprocess.run([*ORBIT, *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    made = subprocess.run([*ORBIT, "orgs", "create", org], env=env, capture_output=True, text=True, timeout=60)
    key = re.search(r"sk_[A-Za-z0-9_-]{40,}", made.stdout)
    assert key, made.stdout
    return env, key.group(0)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("e2e")
    data_dir, dataset = root / "data", root / "dataset"
    env = _env(data_dir)
    gen = subprocess.run(
        [*ORBIT, "datagen", "--out", str(dataset), "--scale", "0.001", "--days", "3", "--end-date", "2026-11-20"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert gen.returncode == 0, gen.stdout + gen.stderr
    load = subprocess.run([*ORBIT, "ingest", str(dataset)], env=env, capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stdout + load.stderr
    port = _free_port()
    _DATA_DIRS[f"http://127.0.0.1:{port}"] = data_dir
    proc = subprocess.Popen([*ORBIT, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    # Ready once the topic index is built: seconds with the vector cache warm, up to ~2 minutes
    # on a machine that has never embedded this inventory.
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"orbit serve did not become ready: {out[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_search_trend_and_movers_over_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        found = http.get("/v1/intent/topics/search", params={"q": "crm", "limit": 5})
        assert found.status_code == 200 and found.headers["x-request-id"]
        topics = found.json()["data"]
        assert topics and len(topics) <= 5
        trend = http.get(f"/v1/intent/topics/{topics[0]['topicId']}/trend").json()["data"]
        assert [p["date"] for p in trend] == ["2026-11-18", "2026-11-19", "2026-11-20"]
        movers = http.get("/v1/intent/topics/movers", params={"limit": 3})
        assert movers.status_code == 200 and movers.json()["meta"]["today"] == "2026-11-20"


def test_errors_over_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        missing = http.get("/v1/intent/topics/1/trend")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
        assert http.get("/nowhere").json()["error"]["code"] == "NOT_FOUND"
        doc = http.get("/openapi-intent.json").json()
        assert doc["info"]["title"] == "Orbit API"


def test_a_malformed_file_fails_ingest_with_a_clear_message(tmp_path: Path, server: str) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "topics.parquet").write_bytes(b"garbage")
    env = _env(tmp_path / "data")
    run = subprocess.run([*ORBIT, "ingest", str(bad), "--kind", "topics"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "topics.parquet could not be read" in run.stderr


def test_users_can_load_their_own_taxonomy(tmp_path: Path) -> None:
    csv_file = tmp_path / "mine.csv"
    csv_file.write_text(
        "topic_id,name,type,industry,category,description,keywords\n"
        "900001,Quantum Widgets,b2b,Technology,Software,Widgets that use qubits.,quantum|widgets\n"
        "900002,Garden Gnomes,b2c,Home,Product,Ornamental gnomes.,gnomes|garden\n"
    )
    env = _env(tmp_path / "data")
    ok = subprocess.run([*ORBIT, "load-topics", str(csv_file)], env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "loaded 2 topics" in ok.stdout
    out = tmp_path / "gen"
    gen = subprocess.run(
        [*ORBIT, "datagen", "--out", str(out), "--scale", "0.001", "--days", "1", "--end-date", "2026-11-20",
         "--topics", str(csv_file)], env=env, capture_output=True, text=True, timeout=300,
    )
    assert gen.returncode == 0, gen.stdout + gen.stderr
    import pyarrow.parquet as pq
    assert set(pq.read_table(out / "signals" / "2026-11-20.parquet").column("topic_id").to_pylist()) == {900001, 900002}
    csv_file.write_text("topic_id,name,type\n1,Bad,b2x\n")
    bad = subprocess.run([*ORBIT, "load-topics", str(csv_file)], env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "invalid taxonomy" in bad.stderr


def test_cli_keys_work_and_revocation_is_immediate_across_processes(server: str, tmp_path: Path) -> None:
    import re

    env = _env(_DATA_DIRS[server])
    made = subprocess.run([*ORBIT, "orgs", "create", "E2E Corp", "--slots", "3"], env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stdout + made.stderr
    key = re.search(r"sk_[A-Za-z0-9_-]{40,}", made.stdout)
    key_id = re.search(r"id ([0-9a-f-]{36}), prefix", made.stdout)
    assert key and key_id, made.stdout
    with httpx.Client(base_url=server, timeout=10) as http:
        me = http.get("/v1/intent/account", headers={"x-api-key": key.group(0)})
        assert me.status_code == 200 and me.json()["data"]["organization"]["audienceSlots"] == 3
        listed = subprocess.run([*ORBIT, "keys", "list"], env=env, capture_output=True, text=True, timeout=60)
        assert key.group(0) not in listed.stdout and key.group(0)[:11] in listed.stdout
        revoked = subprocess.run([*ORBIT, "keys", "revoke", key_id.group(1)], env=env, capture_output=True, text=True, timeout=60)
        assert revoked.returncode == 0, revoked.stdout
        after = http.get("/v1/intent/account", headers={"x-api-key": key.group(0)})
        assert after.status_code == 401 and after.json()["error"]["code"] == "UNAUTHORIZED"
