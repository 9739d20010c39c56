"""Saved audiences, slot accounting and saved topic lists.

Revision ID: 0003_audiences
Revises: 0002_accounts
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_audiences"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.add_column(sa.Column("used_slots", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "audience",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("config_hash", sa.String(length=64), nullable=False),
        sa.Column("audience_size", sa.BigInteger(), nullable=False),
        sa.Column("last_refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"],
            name=op.f("fk_audience_organization_id_organization"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience")),
    )
    op.create_index(op.f("ix_audience_organization_id"), "audience", ["organization_id"], unique=False)
    op.create_table(
        "topic_list",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("topic_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"],
            name=op.f("fk_topic_list_organization_id_organization"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_list")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_topic_list_organization_id")),
    )
    op.create_index(op.f("ix_topic_list_organization_id"), "topic_list", ["organization_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_topic_list_organization_id"), table_name="topic_list")
    op.drop_table("topic_list")
    op.drop_index(op.f("ix_audience_organization_id"), table_name="audience")
    op.drop_table("audience")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("used_slots")
