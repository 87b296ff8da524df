"""the nightly batch's runs and the recommended limits it loads back

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from creditdesk.domain.money import MAX_MINOR

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _bounded(name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{name} BETWEEN -{MAX_MINOR} AND {MAX_MINOR}", name=f"{name}_bounded")


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
    )
    op.create_table(
        "batch_limits",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("batch_runs.run_id"), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("pd", sa.Float(), nullable=True),
        sa.Column("segment", sa.String(40), nullable=True),
        sa.Column("current_limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("recommended_minor", sa.BigInteger(), nullable=True),
        sa.Column("formula", sa.Text(), nullable=True),
        sa.Column("working", sa.Text(), nullable=False),
        _bounded("current_limit_minor"),
        _bounded("recommended_minor"),
    )


def downgrade() -> None:
    op.drop_table("batch_limits")
    op.drop_table("batch_runs")
