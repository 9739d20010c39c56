"""`orbit` as a real process: every failure is one line on stderr with a non-zero exit code (no
traceback unless --debug / ORBIT_DEBUG=1), and ingest leftovers are reported by `status` and
removed when `orbit serve` opens the embedded warehouse."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.e2e.test_runs import _serve, _stop
from tests.e2e.test_serve import ORBIT, _env

pytestmark = pytest.mark.warehouse

# A killed ingest, as a process: a half-staged day and a day marked not ready, then death.
KILLED_INGEST = textwrap.dedent("""
    import os
    from datetime import UTC, date, datetime
    from orbit.metadata import db
    from orbit.metadata.models import DataDate
    from orbit.settings import Settings
    from orbit.warehouse import schema
    from orbit.warehouse.factory import open_warehouse
    from orbit.warehouse.statement import Statement

    settings = Settings()
    wh = open_warehouse(settings)
    schema.migrate(wh)
    wh.command(Statement("CREATE TABLE signals_stage AS signals"))
    wh.command(Statement("INSERT INTO signals_stage VALUES ('2026-11-20', 1, 60, 1, 1)"))
    wh.command(Statement("INSERT INTO signals VALUES ('2026-11-19', 1, 60, 1, 1)"))
    engine = db.make_engine(settings.metadata_url)
    with db.make_sessions(engine).begin() as s:
        s.add(DataDate(data_date=date(2026, 11, 19), signal_rows=1, is_ready=False, loaded_at=datetime.now(UTC)))
    os._exit(9)  # nothing closes, nothing cleans up
""")


def _orbit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ORBIT, *args], env=env, capture_output=True, text=True, timeout=180)


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return lines[0]


@pytest.mark.e2e
def test_status_and_loads_go_to_the_serve_that_holds_the_warehouse(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    assert _orbit(env, "init").returncode == 0
    killed = subprocess.run([sys.executable, "-c", KILLED_INGEST], env=env, capture_output=True, text=True, timeout=180)
    assert killed.returncode == 9, killed.stderr
    listed = _orbit(env, "status")
    assert listed.returncode == 0, listed.stderr
    assert "signals_stage (leftover)" in listed.stdout and "day 2026-11-19 not ready" in listed.stdout

    taxonomy = tmp_path / "taxonomy.csv"
    taxonomy.write_text("topic_id,name,type,industry,category,description,keywords\n"
                        "101,Payroll Software,b2b,software,hr,,payroll\n102,Fleet Telematics,b2b,transport,ops,,\n")
    proc, _ = _serve(env)
    try:
        # `status`, `ingest` and `load-topics` are answered by the server, which holds the warehouse.
        held = _orbit(env, "status")
        assert held.returncode == 0, held.stderr
        assert f"from orbit serve (PID {proc.pid})" in held.stdout and "schema_version" in held.stdout
        assert "stage" not in held.stdout and "interrupted" not in held.stdout  # serve removed them
        # This folder holds no data set (a real hand-off: tests/e2e/test_live_ingest.py).
        ingest = _orbit(env, "ingest", str(tmp_path), "--kind", "topics")
        assert ingest.returncode == 2 and f"orbit serve (PID {proc.pid})" in ingest.stdout
        assert "ingest failed:" in _one_error_line(ingest) and "topics.parquet does not exist" in ingest.stderr
        loaded = _orbit(env, "load-topics", str(taxonomy))
        assert loaded.returncode == 0, loaded.stderr
        assert f"orbit serve (PID {proc.pid})" in loaded.stdout and str(taxonomy) in loaded.stdout
        assert "topics 2" in loaded.stdout
        assert re.search(r"topics\s+│\s+2\s", _orbit(env, "status").stdout)
        # Commands that need the warehouse to themselves still say so in one line.
        worker = _orbit(env, "worker")
        assert worker.returncode == 1 and f"in use by another process (PID {proc.pid}" in _one_error_line(worker)
    finally:
        _stop(proc)

    after = _orbit(env, "status")
    assert after.returncode == 0, after.stderr
    assert "stage" not in after.stdout and "interrupted" not in after.stdout  # serve removed them


def _garbage_dataset(root: Path) -> Path:
    root.mkdir()
    (root / "topics.parquet").write_bytes(b"not parquet")
    return root


@pytest.mark.parametrize(("args", "env_extra", "code", "says"), [
    (["status"], {"ORBIT_DATA_DIR": "{tmp}/nowhere"}, 1, "no data directory at"),
    (["ingest", "{tmp}/missing"], {}, 2, "is not a directory"),
    (["ingest", "{tmp}", "--kind", "bogus"], {}, 2, "--kind bogus: expected one of topics"),
    (["ingest", "{tmp}", "--date", "2026-13-01"], {}, 2, "--date: month must be in 1..12"),
    (["ingest", "{tmp}", "--bogus"], {}, 2, "No such option: --bogus (see '"),
    (["ingest"], {}, 2, "Missing argument 'directory'"),
    (["ingest", "{tmp}/bad", "--kind", "topics"], {}, 2, "ingest failed: topics.parquet could not be read"),
    (["orgs", "list"], {"ORBIT_METADATA__URL": "postgresql://postgres@127.0.0.1:1/none"}, 1,
     "the metadata database is unreachable"),
    (["orgs", "list"], {"ORBIT_METADATA__URL": "nonsense://x"}, 2, "invalid metadata database URL"),
    (["status"], {"ORBIT_PORT": "abc"}, 2, "invalid settings: ORBIT_PORT: Input should be a valid integer"),
    (["status"], {"ORBIT_WAREHOUSE__BACKEND": "clickhouse"}, 2, "ORBIT_WAREHOUSE__URL is required"),
    (["keys", "revoke", "nope"], {}, 2, "API key 'nope' does not exist"),
    (["datagen", "--out", "{tmp}/gen", "--scale", "99"], {}, 2, "Invalid value for '--scale'"),
], ids=["no-data-dir", "no-dataset-dir", "bad-kind", "bad-date", "bad-option", "no-argument", "malformed-file",
        "metadata-unreachable", "metadata-url", "bad-setting", "missing-setting", "unknown-key", "out-of-range"])
def test_failures_are_one_line(tmp_path: Path, args: list[str], env_extra: dict[str, str], code: int, says: str) -> None:
    _garbage_dataset(tmp_path / "bad")
    env = {**_env(tmp_path / "data"), **{k: v.format(tmp=tmp_path) for k, v in env_extra.items()}}
    done = _orbit(env, *(a.format(tmp=tmp_path) for a in args))
    assert done.returncode == code, done.stdout + done.stderr
    assert says in _one_error_line(done)


@pytest.mark.parametrize("how", [["--debug"], []], ids=["--debug", "ORBIT_DEBUG"])
def test_debug_shows_the_traceback(tmp_path: Path, how: list[str]) -> None:
    env = {**_env(tmp_path / "data"), "ORBIT_METADATA__URL": "postgresql://postgres@127.0.0.1:1/none"}
    if not how:
        env["ORBIT_DEBUG"] = "1"
    done = _orbit(env, *how, "orgs", "list")
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "OperationalError" in done.stderr
