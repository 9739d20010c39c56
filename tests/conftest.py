"""Shared fixtures: real stores (chDB, SQLite, PostgreSQL) and one small generated data set."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from orbit.accounts import service as accounts
from orbit.app import create_app
from orbit.datagen import generate
from orbit.datasets import service as datasets
from orbit.metadata import db
from orbit.serving.holder import key_of
from orbit.settings import RunsSettings, Settings
from orbit.warehouse import schema
from orbit.warehouse.backend import ChdbWarehouse, Warehouse
from orbit.warehouse.statement import Profile, Statement
from tests.audiences.reference import World, load_world

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SMALL_SCALE = 0.002  # 600 companies, 4,000 people, ~160k signal rows a day
SMALL_DAYS = 4
SMALL_END = date(2026, 11, 20)
SEED = 42


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres-url", default=POSTGRES_ADMIN_URL, help="admin URL of a PostgreSQL server")


@pytest.fixture(scope="session")
def warehouse_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """chDB holds one data path per process: every test warehouse is a database under it."""
    return tmp_path_factory.mktemp("warehouse")


def _open(root: Path, database: str) -> ChdbWarehouse:
    timeouts = {Profile.QUERY: 60.0, Profile.INGEST: 600.0, Profile.DDL: 600.0}
    wh = ChdbWarehouse(root, database=database, timeouts=timeouts)
    schema.migrate(wh)
    return wh


@pytest.fixture
def fresh_wh(warehouse_root: Path) -> Iterator[Warehouse]:
    """An empty, migrated warehouse database of its own, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    wh = _open(warehouse_root, name)
    try:
        yield wh
    finally:
        wh.command(Statement(f"DROP DATABASE IF EXISTS {name}"))
        wh.close()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'orbit.db'}")
    db.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new PostgreSQL database for this test session, dropped at the end."""
    admin = str(request.config.getoption("--postgres-url"))
    name = f"orbit_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def metadata_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty metadata database on each engine (PostgreSQL: a fresh schema per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'meta.db'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    schema_name = f"s_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema_name}"')
    try:
        yield f"{url}?options=-csearch_path%3D{schema_name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema_name}" CASCADE')


@pytest.fixture
def session(metadata_url: str) -> Iterator[Session]:
    """One transaction on a freshly migrated metadata DB (SQLite and PostgreSQL), committed at
    the end of the test."""
    engine = db.make_engine(metadata_url)
    db.migrate(engine)
    with db.make_sessions(engine).begin() as s:
        yield s
    engine.dispose()


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated data set on disk (same seed every run)."""
    out = tmp_path_factory.mktemp("dataset")
    generate.generate(out, seed=SEED, scale=SMALL_SCALE, days=SMALL_DAYS, end_date=SMALL_END)
    return out


class Loaded:
    """The small data set loaded into a shared warehouse database and a SQLite metadata DB."""

    def __init__(self, wh: Warehouse, engine: Engine, root: Path) -> None:
        self.wh, self.engine, self.root = wh, engine, root
        self.sessions: sessionmaker[Session] = db.make_sessions(engine)


@pytest.fixture(scope="session")
def loaded(warehouse_root: Path, small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """Read-only for tests: never ingest into it (use `fresh_wh` for that)."""
    wh = _open(warehouse_root, "t_shared")
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('meta') / 'orbit.db'}")
    db.migrate(engine)
    datasets.ingest_directory(wh, db.make_sessions(engine), small_dataset)
    yield Loaded(wh, engine, small_dataset)
    engine.dispose()
    wh.close()


@pytest.fixture(scope="session")
def client(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # No embedded workers: tests drive `Worker.run_once()` themselves, so states are deterministic.
    # Rate limits far above what the suite sends through this one shared client
    # (tests/site_analysis checks the real limits with an app of its own).
    # No webhook deliverer either: tests/webhooks drive deliveries themselves.
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), env="test", runs=RunsSettings(embedded_workers=0),
                        webhooks={"concurrency": 0, "allow_http": True, "allow_loopback": True},
                        rate_limit={"analyze_anonymous_per_minute": 100_000, "analyze_authenticated_per_minute": 100_000,
                                    "anonymous_per_minute": 100_000, "authenticated_per_minute": 100_000})
    app = create_app(settings, warehouse=loaded.wh, engine=loaded.engine)
    with TestClient(app) as c:
        wait_for_serving_index(app)  # previews then take one path every run (tests/serving compares both)
        yield c


def wait_for_serving_index(app: Any, *, timeout: float = 120.0) -> None:
    """Poll until the app's serving index of the current data is built (a deadline, no fixed sleep)."""
    deadline = time.monotonic() + timeout
    # current() starts the build of the current data's index if nothing asked for it yet.
    while app.state.serving.current(snap := app.state.catalog.current()) is None and (
            state := app.state.serving.status(snap).state) != "ready":
        assert state == "building", f"serving index: {state}"
        holder = app.state.serving
        assert time.monotonic() < deadline, (
            f"the serving index was not built in time: want {key_of(snap)}, have "
            f"{holder._index.key if holder._index else None}, building {holder._wanted}, "
            f"thread alive {holder._thread is not None and holder._thread.is_alive()}, closed {holder._closed}")
        time.sleep(0.01)


# --- organizations, popular topics and the reference world (audiences, runs, exports) ---------

class OrgKey:
    def __init__(self, org_id: str, key: str) -> None:
        self.id, self.key = org_id, key

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


def make_org(loaded: Loaded, *, slots: int = 10) -> OrgKey:
    with loaded.sessions.begin() as s:
        org = accounts.create_organization(s, name=f"Org {uuid.uuid4().hex[:8]}", audience_slots=slots)
        return OrgKey(org.id, accounts.create_api_key(s, org_ref=org.id).secret)


@pytest.fixture(scope="session")
def org_a(loaded: Loaded) -> OrgKey:
    return make_org(loaded)


@pytest.fixture(scope="session")
def org_b(loaded: Loaded) -> OrgKey:
    return make_org(loaded)


@pytest.fixture(scope="session")
def world(loaded: Loaded) -> World:
    return load_world(loaded.root)


@pytest.fixture(scope="session")
def popular(world: World) -> list[int]:
    """Topic ids by audience on the newest day, most popular first."""
    counts = Counter(topic for _, topic, _ in world.signals[SMALL_END])
    return [t for t, _ in counts.most_common()]


def expect_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the error envelope (status, code, request id echoed) and return its `error`."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"]["code"] == code
    assert body["meta"]["request_id"] == resp.headers["x-request-id"]
    return body["error"]  # type: ignore[no-any-return]
