"""Runs keep what changed since the audience's previous completed run: its id and the counts of
new, dropped and changed people (with the score threshold used). Null for runs without one and
for runs completed before this revision.

Revision ID: 0008_run_changes
Revises: 0007_audience_written_config
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_run_changes"
down_revision = "0007_audience_written_config"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("previous_run_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("changes_new", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("changes_dropped", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("changes_changed", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("changes_min_score", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run") as batch:
        for column in ("changes_min_score", "changes_changed", "changes_dropped", "changes_new", "previous_run_id"):
            batch.drop_column(column)
