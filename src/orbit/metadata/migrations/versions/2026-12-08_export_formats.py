"""Stored exports say what their file holds: Orbit's CSV or an ad platform's upload file
(`export_type`), of the run's rows or of its changes (`source`, with the change kind, threshold
and previous run), and how many rows the file left out (`skipped_row_count`: no usable key;
`truncated`: over the platform's limit). Existing exports are CSV files of the run's rows.

Revision ID: 0011_export_formats
Revises: 0010_suppression_lists
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_export_formats"
down_revision = "0010_suppression_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export") as batch:
        batch.add_column(sa.Column("export_type", sa.String(length=16), nullable=False, server_default="csv"))
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="results"))
        batch.add_column(sa.Column("change_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("min_score_change", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("previous_run_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("skipped_row_count", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("truncated", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("export") as batch:
        for column in ("truncated", "skipped_row_count", "previous_run_id", "min_score_change", "change_kind",
                       "source", "export_type"):
            batch.drop_column(column)
