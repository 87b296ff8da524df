"""limit management: temporary limits, rule-set standing, the monitor's change log, limit requests,
credit support (insurance, guarantees, letters of credit)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_accounts") as batch:
        batch.add_column(sa.Column("base_limit_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("status_source", sa.String(16), nullable=True))
        batch.add_column(sa.Column("status_changed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("increases_frozen_since", sa.Date(), nullable=True))
        batch.add_column(sa.Column("last_increase_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("in_default_since", sa.Date(), nullable=True))
    with op.batch_alter_table("limit_changes") as batch:
        batch.add_column(sa.Column("rule", sa.String(32), nullable=True))
        batch.add_column(sa.Column("policy_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("request_id", sa.String(64), nullable=True))
    op.create_table(
        "account_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("explanation_zh", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_account_changes_customer_id", "account_changes", ["customer_id"])
    op.create_table(
        "credit_support",
        sa.Column("support_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("cover_share", sa.String(12), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_credit_support_support_not_negative")),
    )
    op.create_index("ix_credit_support_customer_id", "credit_support", ["customer_id"])
    op.create_table(
        "limit_requests",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("required_role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_limit_requests_request_not_negative")),
    )
    op.create_index("ix_limit_requests_customer_id", "limit_requests", ["customer_id"])
    op.create_index("ix_limit_requests_status", "limit_requests", ["status"])


def downgrade() -> None:
    op.drop_index("ix_limit_requests_status", "limit_requests")
    op.drop_index("ix_limit_requests_customer_id", "limit_requests")
    op.drop_table("limit_requests")
    op.drop_index("ix_credit_support_customer_id", "credit_support")
    op.drop_table("credit_support")
    op.drop_index("ix_account_changes_customer_id", "account_changes")
    op.drop_table("account_changes")
    with op.batch_alter_table("limit_changes") as batch:
        for name in ("request_id", "policy_version", "rule"):
            batch.drop_column(name)
    with op.batch_alter_table("credit_accounts") as batch:
        for name in (
            "in_default_since",
            "last_increase_on",
            "increases_frozen_since",
            "status_changed_on",
            "status_source",
            "base_limit_minor",
        ):
            batch.drop_column(name)
