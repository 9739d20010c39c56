"""Stored site analyses: the organization's site-topic history.

Revision ID: 0005_site_analyses
Revises: 0004_runs
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_site_analyses"
down_revision = "0004_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_analysis",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("final_url", sa.String(length=2048), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"],
            name=op.f("fk_site_analysis_organization_id_organization"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_analysis")),
    )
    # The history is listed per organization, newest first.
    op.create_index("ix_site_analysis_org_created", "site_analysis", ["organization_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_site_analysis_org_created", table_name="site_analysis")
    op.drop_table("site_analysis")
