"""the kept worklist's items with what of each is not under dispute, so the daily dunning run
reads each customer's position from the night's run instead of the whole ledger

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from creditdesk.domain.money import MAX_MINOR

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Null for a run loaded before: the dunning run reads the ledger for it.
    with op.batch_alter_table("kept_worklist") as table:
        table.add_column(sa.Column("undisputed_minor", sa.BigInteger(), nullable=True))
        table.create_check_constraint(
            "undisputed_minor_bounded", f"undisputed_minor BETWEEN -{MAX_MINOR} AND {MAX_MINOR}"
        )


def downgrade() -> None:
    with op.batch_alter_table("kept_worklist") as table:
        table.drop_constraint("undisputed_minor_bounded", type_="check")
        table.drop_column("undisputed_minor")
