"""Engines and session factories for SQLite (WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("orbit.metadata")
MIGRATIONS = Path(__file__).parent / "migrations"
# Execution option marking a session that will write (SQLite then begins IMMEDIATE).
WRITE_OPTION = "orbit_write"


AFTER_COMMIT = "orbit_after_commit"


def after_commit(session: Session, action: Callable[[], object]) -> None:
    """Run `action` once this session's transaction has committed (cleanup of other stores, waking
    workers: things that must not happen if the metadata change rolls back). Actions of a
    transaction that rolls back are dropped. Failures are logged, not raised."""
    actions = session.info.get(AFTER_COMMIT)
    if actions is None:
        actions = session.info[AFTER_COMMIT] = []
        event.listen(session, "after_commit", _run_actions)
        event.listen(session, "after_soft_rollback", _drop_actions)
    actions.append(action)


def _run_actions(session: Session) -> None:
    actions = session.info.get(AFTER_COMMIT, [])
    pending, actions[:] = list(actions), []
    for action in pending:
        try:
            action()
        except Exception:
            log.exception("after-commit action failed")


def _drop_actions(session: Session, _previous: object) -> None:
    session.info.get(AFTER_COMMIT, []).clear()


def begin_write(session: Session) -> None:
    """Declare, before the first statement, that this transaction writes."""
    session.connection(execution_options={WRITE_OPTION: True})


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so readers never block writers."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, issue BEGIN (the documented recipe: savepoints work
            # and a write transaction can take the lock up front).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # A transaction that will write takes the write lock at BEGIN; otherwise a read
            # followed by a write can fail with SQLITE_BUSY when another writer got in between.
            mode = "IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the metadata schema to `revision` with Alembic."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
