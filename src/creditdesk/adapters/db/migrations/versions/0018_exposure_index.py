"""the accounts' exposure indexed, for the customer list sorted by it at a million accounts

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_credit_accounts_exposure",
        "credit_accounts",
        [sa.text("(receivable_minor + reserved_minor + delivered_minor)")],
    )


def downgrade() -> None:
    op.drop_index("ix_credit_accounts_exposure", table_name="credit_accounts")
