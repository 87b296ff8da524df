"""collections: each account's dunning level, and customers' promises to pay

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_accounts") as batch:
        batch.add_column(sa.Column("dunning_level", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("dunning_since", sa.Date(), nullable=True))
    op.create_table(
        "payment_promises",
        sa.Column("promise_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_payment_promises_customer_id", "payment_promises", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_payment_promises_customer_id", "payment_promises")
    op.drop_table("payment_promises")
    with op.batch_alter_table("credit_accounts") as batch:
        batch.drop_column("dunning_since")
        batch.drop_column("dunning_level")
