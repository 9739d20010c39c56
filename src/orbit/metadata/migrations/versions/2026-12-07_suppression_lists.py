"""Suppression lists (their items live in the warehouse) and each run's count of suppressed people.

Revision ID: 0010_suppression_lists
Revises: 0009_webhooks
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_suppression_lists"
down_revision = "0009_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suppression_list",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("next_version", sa.Integer(), nullable=False),
        sa.Column("item_count", sa.BigInteger(), nullable=False),
        sa.Column("kind_counts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_suppression_list_organization_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression_list")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_suppression_list_organization_id")),
    )
    op.create_index("ix_suppression_list_organization_id", "suppression_list", ["organization_id"], unique=False)
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("suppressed_count", sa.BigInteger(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("run") as batch:
        batch.drop_column("suppressed_count")
    op.drop_index("ix_suppression_list_organization_id", table_name="suppression_list")
    op.drop_table("suppression_list")
