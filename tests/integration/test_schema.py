"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, CheckConstraint, inspect

from creditdesk.adapters.db.tables import metadata
from creditdesk.bootstrap import Services


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
