"""After-commit actions run once the transaction commits, never after a rollback, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from orbit.metadata import db


def test_actions_run_after_commit_and_are_dropped_on_rollback(metadata_url: str) -> None:
    engine = db.make_engine(metadata_url)
    db.migrate(engine)
    sessions = db.make_sessions(engine)
    ran: list[str] = []
    try:
        with sessions.begin() as session:
            db.after_commit(session, lambda: ran.append("committed"))
            session.execute(text("SELECT 1"))
            assert ran == []  # not before the commit
        assert ran == ["committed"]

        session = sessions()
        with pytest.raises(RuntimeError), session.begin():
            db.after_commit(session, lambda: ran.append("rolled back"))
            raise RuntimeError("the change fails")
        with session.begin():  # the same session commits later: the dropped action stays dropped
            db.after_commit(session, lambda: ran.append("second commit"))
        session.close()
        assert ran == ["committed", "second commit"]

        with sessions.begin() as failing:  # a failing action is logged, the others still run
            db.after_commit(failing, lambda: 1 / 0)
            db.after_commit(failing, lambda: ran.append("after a failure"))
        assert ran[-1] == "after a failure"
    finally:
        engine.dispose()
