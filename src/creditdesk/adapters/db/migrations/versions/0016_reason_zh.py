"""limit requests and limit changes keep the Chinese beside a reason the system wrote

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("limit_requests", "limit_changes"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("reason_zh", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in ("limit_changes", "limit_requests"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("reason_zh")
