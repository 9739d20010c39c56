"""Site analyses keep the answer's confidence ("high", "medium", "low"; null for older rows).

Revision ID: 0006_site_confidence
Revises: 0005_site_analyses
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_site_confidence"
down_revision = "0005_site_analyses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("site_analysis") as batch:
        batch.add_column(sa.Column("confidence", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("site_analysis") as batch:
        batch.drop_column("confidence")
