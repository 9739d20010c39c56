"""The watched folder: a drop is loaded once it has stayed the same between two scans, then moved
to `loaded/`; a bad one goes to `failed/` with its reason; a drop that finds a load running waits."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from orbit.app import create_app
from orbit.control.loader import Loader
from orbit.control.watch import FolderWatcher, kinds_in
from orbit.datagen import files
from orbit.datasets import service as datasets
from orbit.metadata import db
from orbit.settings import IngestSettings, RunsSettings, Settings
from orbit.warehouse.backend import Warehouse
from tests.conftest import SMALL_END

pytestmark = pytest.mark.warehouse


def _watcher(wh: Warehouse, engine: Engine, folder: Path) -> tuple[FolderWatcher, Loader]:
    loader = Loader(wh, db.make_sessions(engine), after_load=lambda: None)
    watcher = FolderWatcher(folder, loader, every=3600)  # scanned by hand below
    watcher.start()
    return watcher, loader


def _drop(small_dataset: Path, target: Path) -> None:
    """Dimensions and one day, as an operator would move them in."""
    target.mkdir(parents=True)
    for name in (files.TOPICS, files.COMPANIES, files.PERSONS):
        shutil.copy(small_dataset / name, target / name)
    (target / files.SIGNALS_DIR).mkdir()
    shutil.copy(files.signal_file(small_dataset, SMALL_END), files.signal_file(target, SMALL_END))


def test_a_still_drop_is_loaded_and_moved(fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path,
                                          tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    watcher, loader = _watcher(fresh_wh, sqlite_engine, folder)
    try:
        _drop(small_dataset, folder / "2026-11-20")
        assert kinds_in(folder / "2026-11-20") == datasets.KINDS
        assert watcher.scan() == []  # first seen: it may still be being copied in
        assert watcher.scan() == ["2026-11-20"]
        assert (folder / "loaded" / "2026-11-20" / files.TOPICS).is_file()
        assert not (folder / "2026-11-20").exists()
        with db.make_sessions(sqlite_engine)() as session:
            assert datasets.ready_dates(session) == [SMALL_END]
        assert watcher.scan() == []
    finally:
        loader.close()
        watcher.close()


def test_a_drop_that_changes_waits(fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path,
                                   tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    watcher, loader = _watcher(fresh_wh, sqlite_engine, folder)
    try:
        drop = folder / "d1"
        drop.mkdir(parents=True)
        shutil.copy(small_dataset / files.TOPICS, drop / files.TOPICS)
        assert watcher.scan() == []
        shutil.copy(small_dataset / files.COMPANIES, drop / files.COMPANIES)  # still arriving
        assert watcher.scan() == []
        assert watcher.scan() == ["d1"]
        assert kinds_in(folder / "loaded" / "d1") == ("topics", "companies")
    finally:
        loader.close()
        watcher.close()


def test_bad_drops_go_to_failed_with_their_reason(fresh_wh: Warehouse, sqlite_engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    watcher, loader = _watcher(fresh_wh, sqlite_engine, folder)
    try:
        (folder / "garbage").mkdir()
        (folder / "garbage" / files.TOPICS).write_bytes(b"not parquet")
        (folder / "empty").mkdir()
        (folder / "notes.txt").write_text("files beside the drops are left alone")
        (folder / ".partial").mkdir()  # hidden: still being prepared
        watcher.scan()
        assert sorted(watcher.scan()) == ["empty", "garbage"]
        reason = (folder / "failed" / "garbage.txt").read_text()
        assert reason.startswith("ingest failed: topics.parquet could not be read")
        assert "no data files" in (folder / "failed" / "empty.txt").read_text()
        assert (folder / "failed" / "garbage" / files.TOPICS).is_file()
        assert sorted(p.name for p in folder.iterdir()) == [".partial", "failed", "loaded", "notes.txt"]
    finally:
        loader.close()
        watcher.close()


def test_a_drop_waits_while_another_load_runs(fresh_wh: Warehouse, sqlite_engine: Engine, small_dataset: Path,
                                              tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    watcher, loader = _watcher(fresh_wh, sqlite_engine, folder)
    try:
        _drop(small_dataset, folder / "d1")
        watcher.scan()
        with loader.slot(who="orbit ingest, PID 1", directory="/elsewhere"):
            assert watcher.scan() == []
        assert (folder / "d1").is_dir()
        assert watcher.scan() == ["d1"]  # still the same: no need to see it twice again
    finally:
        loader.close()
        watcher.close()


def test_the_app_watches_its_folder_and_listens_on_its_socket(fresh_wh: Warehouse, sqlite_engine: Engine,
                                                              small_dataset: Path, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    settings = Settings(data_dir=tmp_path / "data", env="test", runs=RunsSettings(embedded_workers=0),
                        ingest=IngestSettings(watch_dir=folder, watch_seconds=0.05))
    app = create_app(settings, warehouse=fresh_wh, engine=sqlite_engine)
    with TestClient(app):
        assert settings.control_socket.is_socket()
        _drop(small_dataset, folder / "day")
        deadline = time.monotonic() + 120
        while not (folder / "loaded" / "day").exists():  # polled by the app's own thread
            assert time.monotonic() < deadline, "the watched drop was never loaded"
            time.sleep(0.05)
        assert app.state.catalog.current().dates == [SMALL_END]  # refreshed before the drop moved
    assert not settings.control_socket.exists()
