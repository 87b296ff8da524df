"""What both engines' backups share: their errors and results, what a database holds (its
revision, rows and business digest), and which engine wrote a backup file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, func, inspect, select, table, text

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.digest import business_digest, business_tables
from creditdesk.adapters.db.migrate import alembic_config, head_revision
from creditdesk.service.errors import Conflict, InvalidInput, Unavailable

Kind = Literal["sqlite", "postgresql"]
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
EXTENSIONS: dict[Kind, str] = {"sqlite": "db", "postgresql": "dump"}
VERSION_TABLE = "alembic_version"


class BadBackup(InvalidInput):
    """The file is not a backup this database can be restored from (exit 65); nothing was changed."""


class NotEmpty(Conflict):
    """The database holds a book already: a restore would replace it (exit 1 without --force)."""


@dataclass(frozen=True, slots=True)
class Contents:
    """What a database (or a backup of one) holds."""

    revision: str | None
    tables: int
    rows: int
    digest: str | None  # None: the schema is not this creditdesk's head (its tables differ)

    def as_json(self) -> dict[str, Any]:
        return {"revision": self.revision, "tables": self.tables, "rows": self.rows, "digest": self.digest}


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    kind: Kind
    bytes: int
    contents: Contents

    def as_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "engine": self.kind, "bytes": self.bytes, **self.contents.as_json()}


@dataclass(frozen=True, slots=True)
class Restored:
    kind: Kind
    revision: str | None  # the backup's schema revision (before any upgrade)
    replaced_rows: int  # rows the database held before (0: it was empty)
    kept_aside: Path | None  # SQLite with --force: a copy of what was replaced


# ---------------------------------------------------------------------------------------------
# What a database holds


def engine_kind(engine: Engine) -> Kind:
    name = engine.dialect.name
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise Unavailable(f"backups of {name} databases are not supported (SQLite and PostgreSQL are)")


def extension(engine: Engine) -> str:
    return EXTENSIONS[engine_kind(engine)]


def contents(conn: Connection) -> Contents:
    """Revision, tables, rows and the business digest, read in ``conn``'s transaction. A schema
    at another revision than this code's head (a backup taken before an upgrade) is counted by
    table name, without a digest: the digest reads the tables as this code defines them."""
    present = set(inspect(conn).get_table_names())
    counted = sorted(name for name in t.metadata.tables if name in present)
    rows = sum(_count(conn, name) for name in counted)
    revision = _revision(conn) if VERSION_TABLE in present else None
    at_head = revision is not None and revision == head_revision(conn.engine)
    return Contents(revision, len(counted), rows, business_digest(conn) if at_head else None)


def _count(conn: Connection, name: str) -> int:
    return int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())


def book_rows(engine: Engine) -> int:
    """Rows in the business tables (0: an empty database, with or without its schema)."""
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        return sum(_count(conn, each.name) for each in business_tables() if each.name in present)


def _revision(conn: Connection) -> str | None:
    found = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return None if found is None else str(found)


def known_revision(engine: Engine, revision: str) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def kind_of_file(path: Path) -> Kind:
    """Which engine wrote the backup ``path``, by its first bytes; ``BadBackup`` when neither."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BadBackup(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadBackup(f"{path} is a directory, not a backup file") from None
    if not head:
        raise BadBackup(f"{path} is empty: not a backup")
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BadBackup(f"{path} is not a creditdesk backup: neither a SQLite database nor a PostgreSQL custom-format dump")


def signing_key_ids(engine: Engine) -> list[str]:
    """The ids of the audit keys the database's trail names (records and heads)."""
    with engine.connect() as conn:
        found = set(conn.execute(select(t.audit_log.c.key_id).distinct()).scalars())
        found |= set(conn.execute(select(t.audit_heads.c.key_id).distinct()).scalars())
    return sorted(key for key in found if key)
