"""master data with history, company codes and credit segments, documents in any currency,
credit applications, disputes as cases, insurance claims, notes and attachments

Every existing customer gets its first version, valid from its registration date (or the
beginning of time), so a point-in-time read before any change finds the data as it is.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

MAX_MINOR = 10**15


def _bounds(table: str, *columns: str) -> list[tuple[str, str]]:
    """Each money column's bound (revision 0010): its constraint's name and its condition."""
    return [(f"ck_{table}_{column}_bounded", f"{column} BETWEEN -{MAX_MINOR} AND {MAX_MINOR}") for column in columns]


def _checks(table: str, *columns: str) -> list[sa.CheckConstraint]:
    return [sa.CheckConstraint(condition, name=op.f(name)) for name, condition in _bounds(table, *columns)]


@contextmanager
def _foreign_keys_off_on_sqlite() -> Iterator[None]:
    """As in revision 0010: SQLite rebuilds invoices and payments, which others refer to."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    context = op.get_context()
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").first()
        if broken is not None:
            raise RuntimeError(f"a foreign key broke while rebuilding the tables: {tuple(broken)}")
    finally:
        with context.autocommit_block():
            op.execute("PRAGMA foreign_keys = ON")


def upgrade() -> None:
    with _foreign_keys_off_on_sqlite():
        with op.batch_alter_table("customers") as batch:
            batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="active"))
            batch.add_column(sa.Column("merged_into", sa.String(64), nullable=True))
        with op.batch_alter_table("ledger_entries") as batch:
            batch.alter_column("account_id", type_=sa.String(140), existing_type=sa.String(64), existing_nullable=False)
        with op.batch_alter_table("credit_support") as batch:
            batch.add_column(sa.Column("policy_number", sa.String(64), nullable=True))
            batch.add_column(sa.Column("recorded_by", sa.String(100), nullable=True))
        with op.batch_alter_table("limit_changes") as batch:
            batch.add_column(sa.Column("company_code", sa.String(16), nullable=True))
        with op.batch_alter_table("limit_requests") as batch:
            batch.add_column(sa.Column("company_code", sa.String(16), nullable=True))
        with op.batch_alter_table("orders") as batch:
            batch.add_column(sa.Column("company_code", sa.String(16), nullable=True))
        with op.batch_alter_table("invoices") as batch:
            batch.add_column(sa.Column("company_code", sa.String(16), nullable=True))
            batch.add_column(sa.Column("doc_amount_minor", sa.BigInteger, nullable=True))
            batch.add_column(sa.Column("doc_currency", sa.String(3), nullable=True))
            batch.add_column(sa.Column("fx_rate", sa.String(40), nullable=True))
            batch.add_column(sa.Column("doc_open_minor", sa.BigInteger, nullable=True))
            batch.add_column(sa.Column("disputed_minor", sa.BigInteger, nullable=False, server_default="0"))
            batch.create_check_constraint(op.f("ck_invoices_disputed_not_negative"), "disputed_minor >= 0")
            for name, condition in _bounds("invoices", "doc_amount_minor", "doc_open_minor", "disputed_minor"):
                batch.create_check_constraint(op.f(name), condition)
        with op.batch_alter_table("payments") as batch:
            batch.add_column(sa.Column("company_code", sa.String(16), nullable=True))
            batch.add_column(sa.Column("doc_amount_minor", sa.BigInteger, nullable=True))
            batch.add_column(sa.Column("doc_currency", sa.String(3), nullable=True))
            batch.add_column(sa.Column("fx_rate", sa.String(40), nullable=True))
            for name, condition in _bounds("payments", "doc_amount_minor"):
                batch.create_check_constraint(op.f(name), condition)
        with op.batch_alter_table("users") as batch:
            batch.add_column(sa.Column("company_codes", sa.Text, nullable=True))

    op.create_table(
        "customer_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("segment", sa.String(32), nullable=False),
        sa.Column("group_id", sa.String(64), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("industry", sa.String(64), nullable=True),
        sa.Column("registered_on", sa.Date, nullable=True),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ux_customer_versions_version", "customer_versions", ["customer_id", "version"], unique=True)
    op.execute(
        "INSERT INTO customer_versions (customer_id, version, valid_from, valid_to, name, currency, segment,"
        " group_id, country, industry, registered_on, payment_terms_days, status, changes, source, changed_by,"
        " recorded_at)"
        " SELECT customer_id, 1, COALESCE(registered_on, DATE '1900-01-01'), NULL, name, currency, segment,"
        " group_id, country, industry, registered_on, payment_terms_days, 'active', '{}', 'migration', 'system',"
        " CURRENT_TIMESTAMP FROM customers"
        if op.get_bind().dialect.name != "sqlite"
        else "INSERT INTO customer_versions (customer_id, version, valid_from, valid_to, name, currency, segment,"
        " group_id, country, industry, registered_on, payment_terms_days, status, changes, source, changed_by,"
        " recorded_at)"
        " SELECT customer_id, 1, COALESCE(registered_on, '1900-01-01'), NULL, name, currency, segment,"
        " group_id, country, industry, registered_on, payment_terms_days, 'active', '{}', 'migration', 'system',"
        " CURRENT_TIMESTAMP FROM customers"
    )
    op.create_table(
        "company_codes",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "segment_accounts",
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), primary_key=True),
        sa.Column("company_code", sa.String(16), sa.ForeignKey("company_codes.code"), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("limit_minor", sa.BigInteger, nullable=False),
        sa.Column("receivable_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("reserved_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("delivered_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("unapplied_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.CheckConstraint("limit_minor >= 0", name=op.f("ck_segment_accounts_segment_limit_not_negative")),
        *_checks(
            "segment_accounts",
            "limit_minor",
            "receivable_minor",
            "reserved_minor",
            "delivered_minor",
            "unapplied_minor",
        ),
    )
    op.create_table(
        "credit_applications",
        sa.Column("application_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("segment", sa.String(32), nullable=False),
        sa.Column("group_id", sa.String(64), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("industry", sa.String(64), nullable=True),
        sa.Column("registered_on", sa.Date, nullable=True),
        sa.Column("company_code", sa.String(16), nullable=True),
        sa.Column("requested_limit_minor", sa.BigInteger, nullable=False),
        sa.Column("requested_terms_days", sa.Integer, nullable=False),
        sa.Column("financials", sa.Text, nullable=False, server_default="[]"),
        sa.Column("bureau", sa.Text, nullable=False, server_default="[]"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.String(100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("pd", sa.Float, nullable=True),
        sa.Column("grade", sa.Integer, nullable=True),
        sa.Column("proposed_limit_minor", sa.BigInteger, nullable=True),
        sa.Column("proposed_terms_days", sa.Integer, nullable=True),
        sa.Column("working", sa.Text, nullable=False, server_default="{}"),
        sa.Column("required_role", sa.String(16), nullable=False),
        sa.Column("approvals", sa.Text, nullable=False, server_default="[]"),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_limit_minor", sa.BigInteger, nullable=True),
        sa.Column("decided_terms_days", sa.Integer, nullable=True),
        sa.Column("review_on", sa.Date, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.CheckConstraint("requested_limit_minor >= 0", name=op.f("ck_credit_applications_requested_not_negative")),
        *_checks("credit_applications", "requested_limit_minor", "proposed_limit_minor", "decided_limit_minor"),
    )
    op.create_index("ix_credit_applications_status", "credit_applications", ["status"])
    op.create_table(
        "disputes",
        sa.Column("dispute_id", sa.String(64), primary_key=True),
        sa.Column("invoice_id", sa.String(64), sa.ForeignKey("invoices.invoice_id"), nullable=False),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_on", sa.Date, nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("resolution", sa.Text, nullable=True),
        sa.Column("credit_note_id", sa.String(64), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_disputes_dispute_positive")),
        *_checks("disputes", "amount_minor"),
    )
    op.create_index("ix_disputes_invoice_id", "disputes", ["invoice_id"])
    op.create_index("ix_disputes_customer_id", "disputes", ["customer_id"])
    op.create_index("ix_disputes_status", "disputes", ["status"])
    op.create_table(
        "insurance_claims",
        sa.Column("claim_id", sa.String(64), primary_key=True),
        sa.Column("support_id", sa.String(64), sa.ForeignKey("credit_support.support_id"), nullable=False),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("filed_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paid_minor", sa.BigInteger, nullable=True),
        sa.Column("decided_on", sa.Date, nullable=True),
        sa.Column("filed_by", sa.String(100), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        *_checks("insurance_claims", "amount_minor", "paid_minor"),
    )
    op.create_index("ix_insurance_claims_support_id", "insurance_claims", ["support_id"])
    op.create_index("ix_insurance_claims_customer_id", "insurance_claims", ["customer_id"])
    op.create_table(
        "notes",
        sa.Column("note_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notes_subject", "notes", ["subject_kind", "subject_id"])
    op.create_index("ix_notes_customer_id", "notes", ["customer_id"])
    op.create_table(
        "attachments",
        sa.Column("attachment_id", sa.String(64), primary_key=True),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attachments_subject", "attachments", ["subject_kind", "subject_id"])
    op.create_index("ix_attachments_customer_id", "attachments", ["customer_id"])


def downgrade() -> None:
    for table in (
        "attachments",
        "notes",
        "insurance_claims",
        "disputes",
        "credit_applications",
        "segment_accounts",
        "company_codes",
        "customer_versions",
    ):
        op.drop_table(table)
    with _foreign_keys_off_on_sqlite():
        with op.batch_alter_table("users") as batch:
            batch.drop_column("company_codes")
        with op.batch_alter_table("payments") as batch:
            for name, _ in _bounds("payments", "doc_amount_minor"):
                batch.drop_constraint(op.f(name), type_="check")
            for column in ("fx_rate", "doc_currency", "doc_amount_minor", "company_code"):
                batch.drop_column(column)
        with op.batch_alter_table("invoices") as batch:
            for name, _ in _bounds("invoices", "doc_amount_minor", "doc_open_minor", "disputed_minor"):
                batch.drop_constraint(op.f(name), type_="check")
            batch.drop_constraint(op.f("ck_invoices_disputed_not_negative"), type_="check")
            for column in ("disputed_minor", "doc_open_minor", "fx_rate", "doc_currency", "doc_amount_minor"):
                batch.drop_column(column)
            batch.drop_column("company_code")
        with op.batch_alter_table("orders") as batch:
            batch.drop_column("company_code")
        with op.batch_alter_table("limit_requests") as batch:
            batch.drop_column("company_code")
        with op.batch_alter_table("limit_changes") as batch:
            batch.drop_column("company_code")
        with op.batch_alter_table("credit_support") as batch:
            batch.drop_column("recorded_by")
            batch.drop_column("policy_number")
        with op.batch_alter_table("ledger_entries") as batch:
            batch.alter_column("account_id", type_=sa.String(64), existing_type=sa.String(140), existing_nullable=False)
        with op.batch_alter_table("customers") as batch:
            batch.drop_column("merged_into")
            batch.drop_column("status")
