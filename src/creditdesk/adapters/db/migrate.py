"""Alembic, driven from code so `creditdesk db upgrade` needs no alembic.ini.

Migrating is an explicit step (`creditdesk db upgrade`, a one-off job before the new version
starts): `creditdesk serve` and `/readyz` only compare the database's revision with this
code's head (:func:`schema_status`, :func:`ensure_schema_at_head`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, column, inspect, select, table

from creditdesk.service.errors import Unavailable

_MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_HINT = "run `creditdesk db upgrade`"
_VERSION_TABLE = "alembic_version"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


@cache
def _scripts() -> tuple[str | None, frozenset[str]]:
    """This code's head and every revision it knows (read once: the scripts never change while running)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    return scripts.get_current_head(), frozenset(script.revision for script in scripts.walk_revisions())


class SchemaNotAtHead(Unavailable):
    """The database's schema is not the one this code needs (exit 69, a 503 from /readyz)."""

    def __init__(self, status: SchemaStatus) -> None:
        super().__init__(status.problem() or "the database schema is at head")
        self.schema = status  # (``status`` is the HTTP status: 503)


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: str | None  # the database's revision; None: no schema yet
    head: str | None  # what this code needs
    known: bool  # whether this code knows ``current`` (False: migrated by a newer creditdesk)

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    def problem(self) -> str | None:
        """What is wrong, in a sentence that says what to do; None at head."""
        if self.at_head:
            return None
        if self.current is None:
            return f"the database has no schema yet, this creditdesk needs revision {self.head}: {UPGRADE_HINT}"
        if not self.known:
            return (
                f"database schema is at revision {self.current}, which this creditdesk does not know "
                f"(it needs {self.head}): the database was migrated by a newer creditdesk; run that version"
            )
        return f"database schema is at revision {self.current}, this creditdesk needs {self.head}: {UPGRADE_HINT}"

    def as_json(self) -> dict[str, object]:
        return {"current": self.current, "head": self.head, "at_head": self.at_head}


def schema_status(engine: Engine) -> SchemaStatus:
    """The database's revision beside this code's head (one short read; raises when the database
    does not answer: SQLAlchemy's ``OperationalError``)."""
    head, known = _scripts()
    with engine.connect() as connection:  # not MigrationContext: it logs two lines per call
        if inspect(connection).has_table(_VERSION_TABLE):
            current = connection.execute(select(column("version_num")).select_from(table(_VERSION_TABLE))).scalar()
        else:
            current = None
    return SchemaStatus(current, head, current is None or current in known)


def ensure_schema_at_head(engine: Engine) -> SchemaStatus:
    """Refuse to go on with a schema that is not this code's: ``SchemaNotAtHead`` (an
    ``Unavailable``: the CLI's ``user_errors()`` prints it and exits 69, no traceback)."""
    status = schema_status(engine)
    if not status.at_head:
        raise SchemaNotAtHead(status)
    return status
