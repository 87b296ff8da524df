"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from creditdesk.adapters.db.tables import metadata
from creditdesk.bootstrap import Services


def test_migrations_match_the_declared_tables(services: Services) -> None:
    with services.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        differences = compare_metadata(context, metadata)
    assert differences == []
