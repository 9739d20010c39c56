"""The control channel in one process: a real ControlServer and Loader on a fresh warehouse, and
the client `orbit ingest` uses. Loads are the small generated data set."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from orbit.control import client
from orbit.control.channel import PROTOCOL, LoadRequest, token_path
from orbit.control.loader import Loader, Stopped
from orbit.control.server import ControlServer
from orbit.datasets import service as datasets
from orbit.metadata import db
from orbit.warehouse.backend import Warehouse
from tests.conftest import SMALL_END

pytestmark = pytest.mark.warehouse


@dataclass
class Served:
    server: ControlServer
    loader: Loader
    sessions: sessionmaker[Session]
    refreshed: list[int] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.server.path

    def ready_dates(self) -> list[date]:
        with self.sessions() as session:
            return datasets.ready_dates(session)


def _served(wh: Warehouse, engine: Engine, path: Path, *, owner_uid: int | None = None) -> Served:
    sessions = db.make_sessions(engine)
    refreshed: list[int] = []
    loader = Loader(wh, sessions, after_load=lambda: refreshed.append(1))
    server = ControlServer(path, loader, owner_uid=owner_uid)
    assert server.start()
    return Served(server, loader, sessions, refreshed)


@pytest.fixture
def served(fresh_wh: Warehouse, sqlite_engine: Engine, tmp_path: Path) -> Iterator[Served]:
    s = _served(fresh_wh, sqlite_engine, tmp_path / "control.sock")
    yield s
    s.server.close()
    s.loader.close()


def _until(check: Callable[[], object], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _request(root: Path, *days: date) -> LoadRequest:
    return LoadRequest(root.resolve(), datasets.KINDS, tuple(days))


def _raw(path: Path, *lines: bytes) -> list[dict[str, object]]:
    """Send `lines` as they are and read every answer until the server closes."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(30)
        s.connect(str(path))
        for line in lines:
            s.sendall(line)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return [json.loads(x) for x in data.splitlines()]


def _ingest_line(path: Path, **fields: object) -> bytes:
    message = {"op": "ingest", "protocol": PROTOCOL, "token": token_path(path).read_text(),
               "directory": "/nowhere", "kinds": ["topics"], "days": None, **fields}
    return json.dumps(message).encode() + b"\n"


def test_a_handed_off_load_reports_progress_and_the_ready_day(served: Served, small_dataset: Path) -> None:
    assert stat.S_IMODE(os.stat(served.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(token_path(served.path)).st_mode) == 0o600
    steps: list[tuple[str, int, int]] = []
    channel = client.connect(served.path)
    assert channel is not None and channel.pid == os.getpid()
    with channel:
        loaded = channel.load(_request(small_dataset, SMALL_END), lambda *step: steps.append(step))
    assert set(loaded.dimensions) == {"topics", "companies", "persons"} and loaded.dimensions["persons"] > 0
    assert list(loaded.days) == [SMALL_END] and loaded.days[SMALL_END] > 0
    assert loaded.newest == SMALL_END and loaded.queued == 0  # no active audience here
    assert [s[0] for s in steps] == ["topics", "companies", "persons", "filter catalogue",
                                     f"signals {SMALL_END}", "done"]
    assert steps[-1] == ("done", 4, 4)
    assert served.ready_dates() == [SMALL_END]
    assert served.refreshed == [1]  # the server's snapshot was told at once


def test_bad_input_fails_as_orbit_ingest_fails(served: Served, tmp_path: Path, small_dataset: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "topics.parquet").write_bytes(b"garbage")
    cases = [
        (LoadRequest(bad, ("topics",), None), "ingest failed: topics.parquet could not be read"),
        (LoadRequest(tmp_path / "missing", ("topics",), None), "is not a directory"),
        (LoadRequest(small_dataset, ("signals",), (date(2030, 1, 1),)), "no signals file for 2030-01-01"),
        (LoadRequest(small_dataset, ("bogus",), None), "unknown data kind 'bogus'"),
    ]
    for request, says in cases:
        channel = client.connect(served.path)
        assert channel is not None
        with channel, pytest.raises(client.HandOffFailed, match=says) as failed:
            channel.load(request, lambda *_: None)
        assert failed.value.reason == "bad_input"
    assert served.ready_dates() == []


def test_a_second_load_is_refused_while_one_runs(served: Served, small_dataset: Path) -> None:
    with served.loader.slot(who="orbit ingest, PID 1", directory="/elsewhere"):
        channel = client.connect(served.path)
        assert channel is not None
        with channel, pytest.raises(client.HandOffFailed, match="busy with a load of /elsewhere") as failed:
            channel.load(_request(small_dataset, SMALL_END), lambda *_: None)
        assert failed.value.reason == "busy"
    assert served.ready_dates() == []


def test_status_is_answered_by_the_server_and_names_a_running_load(served: Served, small_dataset: Path) -> None:
    channel = client.connect(served.path)
    assert channel is not None
    with channel:
        channel.load(_request(small_dataset, SMALL_END), lambda *_: None)
    channel = client.connect(served.path)
    assert channel is not None
    with channel:
        status, loading = channel.status()
    assert status.ready == [SMALL_END] and status.unready == [] and status.stages == [] and loading is None
    assert status.tables["persons"][0] > 0 and status.tables["signals"][0] > 0
    with served.loader.slot(who="orbit ingest, PID 1", directory="/elsewhere"):
        channel = client.connect(served.path)
        assert channel is not None
        with channel:
            _, loading = channel.status()
    assert loading is not None and "a load of /elsewhere (orbit ingest, PID 1)" in loading
    wrong = _raw(served.path, json.dumps({"op": "status", "protocol": PROTOCOL, "token": "nope"}).encode() + b"\n")
    assert [a["event"] for a in wrong] == ["hello", "failed"] and wrong[1]["reason"] == "refused"


def test_a_wrong_token_is_refused(served: Served) -> None:
    answers = _raw(served.path, _ingest_line(served.path, token="not-the-token"))
    assert answers[0]["event"] == "hello"
    assert answers[1] == {"event": "failed", "reason": "refused",
                          "message": "wrong control token: it is not the one this orbit serve wrote"}
    assert [a["event"] for a in _raw(served.path, _ingest_line(served.path, token=None))] == ["hello", "failed"]


def test_another_uid_is_refused_before_anything_is_read(fresh_wh: Warehouse, sqlite_engine: Engine, tmp_path: Path) -> None:
    s = _served(fresh_wh, sqlite_engine, tmp_path / "control.sock", owner_uid=os.getuid() + 1)
    try:
        with pytest.raises(client.HandOffFailed, match=f"takes loads from uid {os.getuid() + 1} only") as failed:
            client.connect(s.path)
        assert failed.value.reason == "refused"
    finally:
        s.server.close()
        s.loader.close()


@pytest.mark.parametrize(("line", "fields", "says"), [
    (b"not json\n", None, "a message is not valid JSON"),
    (b"[1, 2]\n", None, "a message is not a JSON object"),
    (b"{" + b" " * 70_000 + b"}\n", None, "a message is longer than 65536 bytes"),
    (None, {"op": "drop"}, "unknown operation 'drop'"),
    (None, {"directory": "data"}, "directory: expected an absolute path"),
    (None, {"days": ["2026-11-31"]}, "days: day is out of range for month"),
    (None, {"protocol": 0}, "this orbit serve speaks control protocol 1"),
], ids=["not-json", "not-object", "too-long", "unknown-op", "relative-dir", "bad-day", "old-protocol"])
def test_malformed_messages_are_answered_and_the_server_goes_on(
    served: Served, line: bytes | None, fields: dict[str, object] | None, says: str
) -> None:
    answers = _raw(served.path, line if line is not None else _ingest_line(served.path, **(fields or {})))
    assert answers[0]["event"] == "hello" and answers[-1]["event"] == "failed" and len(answers) == 2
    assert says in str(answers[-1]["message"])
    channel = client.connect(served.path)  # still listening
    assert channel is not None
    channel.close()


def test_the_load_goes_on_when_the_client_goes_away(served: Served, small_dataset: Path) -> None:
    class CtrlC(Exception):
        pass

    def interrupt(*_: object) -> None:
        raise CtrlC  # what Ctrl-C does to `orbit ingest` while it follows the load

    channel = client.connect(served.path)
    assert channel is not None
    with channel, pytest.raises(CtrlC):
        channel.load(_request(small_dataset, SMALL_END), interrupt)
    _until(lambda: served.refreshed, "the load stopped with its client")  # told once it has finished
    assert served.ready_dates() == [SMALL_END]


def test_no_server_means_no_hand_off(tmp_path: Path) -> None:
    assert client.connect(tmp_path / "control.sock") is None
    with socket.socket(socket.AF_UNIX) as s:  # a killed server's socket: nobody listens
        s.bind(str(tmp_path / "control.sock"))
    assert client.connect(tmp_path / "control.sock") is None


def test_a_token_open_to_others_stops_the_hand_off(served: Served) -> None:
    os.chmod(token_path(served.path), 0o640)
    with pytest.raises(client.HandOffFailed, match="open to other users") as failed:
        client.connect(served.path)
    assert failed.value.reason == "refused"


def test_a_second_server_leaves_the_first_one_answering(served: Served, fresh_wh: Warehouse,
                                                        sqlite_engine: Engine) -> None:
    second = ControlServer(served.path, Loader(fresh_wh, db.make_sessions(sqlite_engine), after_load=lambda: None))
    assert not second.start()
    second.close()
    channel = client.connect(served.path)
    assert channel is not None
    channel.close()


def test_closing_removes_the_socket_and_a_stale_one_is_replaced(fresh_wh: Warehouse, sqlite_engine: Engine,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "control.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))  # left by a killed server
    s2 = _served(fresh_wh, sqlite_engine, path)
    assert client.connect(path) is not None
    s2.server.close()
    s2.loader.close()
    assert not path.exists() and not token_path(path).exists()
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith("orbit.db")]


def test_a_world_writable_folder_keeps_the_channel_closed(fresh_wh: Warehouse, sqlite_engine: Engine,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    os.chmod(folder, 0o777)
    loader = Loader(fresh_wh, db.make_sessions(sqlite_engine), after_load=lambda: None)
    server = ControlServer(folder / "control.sock", loader)
    assert not server.start()
    assert list(folder.iterdir()) == []


def test_shutting_down_stops_a_load_between_two_files(fresh_wh: Warehouse, sqlite_engine: Engine,
                                                      small_dataset: Path) -> None:
    sessions = db.make_sessions(sqlite_engine)
    loader = Loader(fresh_wh, sessions, after_load=lambda: None)
    closer = threading.Thread(target=loader.close)
    steps: list[str] = []

    def step(what: str, done: int, total: int) -> None:
        steps.append(what)
        if what == "companies":  # the first file is in: shut down now
            closer.start()
            _until(lambda: loader.closing, "close() never began")

    with loader.slot(who="test", directory=str(small_dataset)), pytest.raises(Stopped, match="before persons"):
        loader.load(_request(small_dataset, SMALL_END), step)
    closer.join(timeout=30)
    assert not closer.is_alive() and steps == ["topics", "companies"]
    with sessions() as session:
        assert datasets.ready_dates(session) == []
