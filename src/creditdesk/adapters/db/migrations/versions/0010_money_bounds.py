"""money bounds: CHECK constraints on every money column

Every amount, limit, ledger movement and running balance stays within 10^15 minor units either
way (docs/money.md). Written out here rather than read from the code, so this revision stays
what it was when later ones change the tables. SQLite rebuilds each table (batch mode) with its
foreign keys switched off, and checks them all afterwards.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MAX_MINOR = 10**15

MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "credit_accounts": (
        "limit_minor",
        "receivable_minor",
        "reserved_minor",
        "delivered_minor",
        "unapplied_minor",
        "overdue_minor",
        "base_limit_minor",
    ),
    "group_accounts": ("limit_minor", "receivable_minor", "reserved_minor", "delivered_minor", "unapplied_minor"),
    "ledger_entries": ("reserved_delta", "delivered_delta", "receivable_delta", "unapplied_delta", "source_minor"),
    "limit_changes": ("amount_minor",),
    "credit_support": ("amount_minor",),
    "payment_promises": ("amount_minor",),
    "limit_requests": ("amount_minor",),
    "orders": ("amount_minor", "account_minor", "reserved_minor", "delivered_minor"),
    "invoices": ("amount_minor", "open_minor"),
    "payments": ("amount_minor", "unapplied_minor"),
    "payment_allocations": ("amount_minor",),
    "financial_statements": (
        "revenue_minor",
        "total_assets_minor",
        "total_liabilities_minor",
        "current_assets_minor",
        "current_liabilities_minor",
        "equity_minor",
        "net_income_minor",
        "ebit_minor",
        "retained_earnings_minor",
        "cash_minor",
        "inventory_minor",
        "receivables_minor",
        "payables_minor",
        "operating_cash_flow_minor",
    ),
    "bureau_reports": ("recommended_limit_minor",),
}


def _name(table: str, column: str) -> str:
    return f"ck_{table}_{column}_bounded"


@contextmanager
def _foreign_keys_off_on_sqlite() -> Iterator[None]:
    """SQLite rebuilds each table (copy, drop, rename); dropping invoices or payments would break
    the foreign keys of payment_allocations until the copy takes the name. The pragma only
    changes outside a transaction; the keys are checked again before this revision commits."""
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
        for table, columns in MONEY_COLUMNS.items():
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.create_check_constraint(
                        op.f(_name(table, column)), f"{column} BETWEEN -{MAX_MINOR} AND {MAX_MINOR}"
                    )


def downgrade() -> None:
    with _foreign_keys_off_on_sqlite():
        for table, columns in MONEY_COLUMNS.items():
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.drop_constraint(op.f(_name(table, column)), type_="check")
