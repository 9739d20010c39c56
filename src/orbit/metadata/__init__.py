"""The OLTP store: SQLAlchemy models, engines and sessions, Alembic migrations."""
