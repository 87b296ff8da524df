"""Backups of the whole database, and restores from them (docs/backup.md).

The engine's module does the work: sqlite.py (the online backup API) and postgres.py
(``pg_dump`` and ``pg_restore``); common.py holds what both share, files.py the backup files.

The audit MAC key is not in a backup (docs/audit.md): the restored trail verifies only with
the key file that signed it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, inspect

from creditdesk.adapters.db import tables as t
from creditdesk.service.errors import Unavailable

from . import postgres, sqlite
from .common import (
    EXTENSIONS,
    PG_MAGIC,
    SQLITE_MAGIC,
    Backup,
    BadBackup,
    Contents,
    Kind,
    NotEmpty,
    Restored,
    book_rows,
    contents,
    engine_kind,
    extension,
    kind_of_file,
    known_revision,
    signing_key_ids,
)
from .files import fsync, fsync_directory, temporary_beside
from .postgres import pg_environment

# SQLite's pages a backup step: read here at each backup and handed to sqlite.back_up, so that
# setting it on this package takes effect (the tests take many small steps).
STEP_PAGES = 4096  # 16 MB of 4 kB pages a step


# ---------------------------------------------------------------------------------------------
# Back up


def back_up(
    engine: Engine,
    path: Path,
    *,
    pg_bin_dir: Path | None = None,
    during: Callable[[], None] | None = None,
    snapshot: bool = True,
) -> Backup:
    """Write a consistent copy of the whole database to ``path`` (replaced atomically when it
    exists). The contents are those of the copy itself: the snapshot it was taken from.

    ``during`` is called once while the snapshot is held and the copy under way (tests write
    meanwhile, to show that what they write is not in the copy). ``snapshot=False`` is for the
    tests' negative control only: the copy then follows the writers (SQLite's restarts, pg_dump
    takes a snapshot of its own after the digest's)."""
    kind = engine_kind(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    with temporary_beside(path) as temporary:
        if kind == "sqlite":
            found = sqlite.back_up(engine.url, temporary, during, snapshot, STEP_PAGES)
        else:
            found = postgres.back_up(engine, temporary, postgres.tool("pg_dump", pg_bin_dir), during, snapshot)
        if found.revision is None:
            raise Unavailable("the database has no schema yet: nothing to back up (`creditdesk db upgrade` makes one)")
        if kind == "postgresql":
            try:
                verify_backup(temporary, engine, pg_bin_dir=pg_bin_dir)
            except BadBackup as error:
                raise Unavailable(f"the dump pg_dump wrote does not read back: {error.detail}") from None
        fsync(temporary)
        os.replace(temporary, path)
        fsync_directory(path.parent)
    return Backup(path, kind, path.stat().st_size, found)


def verify_backup(path: Path, engine: Engine, *, pg_bin_dir: Path | None = None) -> str:
    """The backup's schema revision, after checking that ``engine``'s kind of database can be
    restored from it (``BadBackup`` otherwise)."""
    kind = engine_kind(engine)
    found = kind_of_file(path)
    if found != kind:
        wanted = {"sqlite": "a SQLite database (--db sqlite:///FILE)", "postgresql": "a PostgreSQL database"}[found]
        raise BadBackup(f"{path} is a {_KIND_NAMES[found]} backup: restore it into {wanted}, not into {kind}")
    if kind == "sqlite":
        revision = sqlite.backup_revision(path)
    else:
        revision = postgres.backup_revision(path, postgres.tool("pg_restore", pg_bin_dir))
    if not known_revision(engine, revision):
        raise BadBackup(
            f"{path} holds schema revision {revision}, which this creditdesk does not know: "
            "it was made by a newer creditdesk; restore it with that version"
        )
    return revision


_KIND_NAMES: dict[Kind, str] = {"sqlite": "SQLite", "postgresql": "PostgreSQL (pg_dump)"}


# ---------------------------------------------------------------------------------------------
# Restore


def restore(
    engine: Engine, path: Path, *, force: bool = False, pg_bin_dir: Path | None = None, now: datetime | None = None
) -> Restored:
    """Replace the database's contents with the backup's. The backup is checked first and a
    database that holds a book is refused without ``force``: either way nothing is changed."""
    revision = verify_backup(path, engine, pg_bin_dir=pg_bin_dir)
    rows = book_rows(engine) if _has_schema(engine) else 0
    if rows and not force:
        raise NotEmpty(
            f"the database holds {rows} rows already; restoring would replace them. "
            "Restore into an empty database, or pass --force (SQLite keeps the current file aside)"
        )
    kind = engine_kind(engine)
    aside = None
    if kind == "sqlite":
        aside = sqlite.restore(engine, path, keep_aside=bool(rows), now=now or datetime.now())
    else:
        postgres.restore(engine, path, postgres.tool("pg_restore", pg_bin_dir), postgres.tool("psql", pg_bin_dir))
    engine.dispose()  # pooled connections may hold the replaced schema's statements
    return Restored(kind, revision, rows, aside)


def _has_schema(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(set(inspect(conn).get_table_names()) & set(t.metadata.tables))


__all__ = [
    "EXTENSIONS",
    "PG_MAGIC",
    "SQLITE_MAGIC",
    "STEP_PAGES",
    "Backup",
    "BadBackup",
    "Contents",
    "Kind",
    "NotEmpty",
    "Restored",
    "back_up",
    "book_rows",
    "contents",
    "engine_kind",
    "extension",
    "kind_of_file",
    "pg_environment",
    "restore",
    "signing_key_ids",
    "verify_backup",
]
