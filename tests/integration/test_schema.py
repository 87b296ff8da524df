"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, CheckConstraint, inspect

from creditdesk.adapters.db.tables import metadata
from creditdesk.bootstrap import Services


# SQLite's indexes on an expression are not reflected; the test below checks the one by name.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_match_the_declared_tables(services: Services) -> None:
    with services.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrations_build_every_check_constraint_the_tables_declare(services: Services) -> None:
    """compare_metadata does not compare CHECK constraints: the money bounds (migration 0010)
    and the older rules, by name, on both engines."""
    inspector = inspect(services.engine)
    for table in metadata.sorted_tables:
        declared = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
        built = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert built == declared, table.name


def test_every_money_column_is_bounded() -> None:
    for table in metadata.sorted_tables:
        checks = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
        for column in table.columns:
            if isinstance(column.type, BigInteger) and column.name.endswith(("_minor", "_delta")):
                assert f"ck_{table.name}_{column.name}_bounded" in checks, f"{table.name}.{column.name}"


def test_the_customer_list_reads_the_largest_exposures_from_their_index(services: Services) -> None:
    """A million accounts are not sorted in a request: the exposure, as the list orders by it,
    is the indexed expression (SQLite uses an index on an expression only for the same one)."""
    from sqlalchemy import select, text

    from creditdesk.adapters.db import tables as t

    with services.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            found = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_credit_accounts_exposure'")
            )
            assert "receivable_minor + reserved_minor" in found.scalar_one()
            return
        query = select(t.credit_accounts.c.customer_id).order_by(t.EXPOSURE.desc()).limit(5)
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "USING INDEX ix_credit_accounts_exposure" in plan, plan
