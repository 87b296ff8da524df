"""the customers indexed by their name as the pages sort it (lower case), for the collections
worklist sorted by name at a million customers: a page walks the customers in that order

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_customers_name_key", "customers", [sa.text("lower(name)"), "customer_id"])


def downgrade() -> None:
    op.drop_index("ix_customers_name_key", table_name="customers")
