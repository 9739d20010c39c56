"""Alembic environment: runs on the engine Orbit hands over in `config.attributes`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from orbit.metadata.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through orbit.metadata.db.migrate()")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
