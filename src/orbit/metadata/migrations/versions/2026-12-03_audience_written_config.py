"""Audiences keep the config as the client wrote it (G2 flat or G3 dotted filters), so answers
echo it in the client's notation; `config` stays the normalized form runs use. Null for older rows.

Revision ID: 0007_audience_written_config
Revises: 0006_site_confidence
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_audience_written_config"
down_revision = "0006_site_confidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audience") as batch:
        batch.add_column(sa.Column("written_config", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audience") as batch:
        batch.drop_column("written_config")
