"""the collections worklist's overdue items of the newest batch run, indexed for each sort: the
page ranks, filters and pages them in SQL at a million customers

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from creditdesk.domain.money import MAX_MINOR

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_worklist",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("batch_runs.run_id"), nullable=False),
        sa.Column("invoice_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("open_minor", sa.BigInteger(), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("pd", sa.Float(), nullable=False),
        sa.Column("expected_loss", sa.Float(), nullable=False),
        sa.CheckConstraint(f"open_minor BETWEEN -{MAX_MINOR} AND {MAX_MINOR}", name="open_minor_bounded"),
    )
    op.create_index("ix_kept_worklist_customer_id", "kept_worklist", ["customer_id"])
    op.create_index("ix_kept_worklist_days", "kept_worklist", ["days_past_due"])
    op.create_index("ix_kept_worklist_amount", "kept_worklist", ["open_minor"])
    op.create_index("ix_kept_worklist_due", "kept_worklist", ["due_date", "invoice_id"])
    op.create_index(
        "ix_kept_worklist_loss",
        "kept_worklist",
        [sa.text("expected_loss DESC"), sa.text("open_minor DESC"), "invoice_id"],
    )
    op.create_index(
        "ix_kept_worklist_disputed",
        "kept_worklist",
        ["disputed", sa.text("expected_loss DESC"), sa.text("open_minor DESC"), "invoice_id"],
    )


def downgrade() -> None:
    op.drop_table("kept_worklist")
