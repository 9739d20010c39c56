"""Data dates and dimension loads.

Revision ID: 0001_data_loads
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_data_loads"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_date",
        sa.Column("data_date", sa.Date(), nullable=False),
        sa.Column("signal_rows", sa.BigInteger(), nullable=False),
        sa.Column("is_ready", sa.Boolean(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("data_date", name=op.f("pk_data_date")),
    )
    op.create_table(
        "dataset_load",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_dataset_load")),
    )


def downgrade() -> None:
    op.drop_table("dataset_load")
    op.drop_table("data_date")
