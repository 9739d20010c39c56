"""Alembic migrations run up and down on SQLite and PostgreSQL and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from orbit.metadata import db
from orbit.metadata.models import Base


def test_upgrade_matches_models_and_downgrades(metadata_url: str) -> None:
    engine = db.make_engine(metadata_url)
    try:
        db.migrate(engine)
        assert {"data_date", "dataset_load", "alembic_version"} <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        db.migrate(engine)  # a second upgrade is a no-op
        db.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
