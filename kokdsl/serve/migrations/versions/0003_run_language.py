"""A follow-up run keeps the language its overview is written in.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("followup_runs") as batch:
        batch.add_column(sa.Column("lang", sa.String(length=2), nullable=False, server_default="sv"))


def downgrade() -> None:
    with op.batch_alter_table("followup_runs") as batch:
        batch.drop_column("lang")
