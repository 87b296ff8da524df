"""Backups of a SQLite database, and restores from them.

SQLite: the online backup API copies one read snapshot of the live file, a step of pages at a
time, while the server goes on writing (in WAL mode writers never wait for a reader); the copy
is checked (``PRAGMA integrity_check``, a schema revision) and renamed into place. A restore
writes the backup into the database file through the same API, in one write transaction, so
an open connection sees the old book or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from creditdesk.service.errors import Unavailable

from .common import VERSION_TABLE, BadBackup, Contents, contents
from .files import new_private_file


def _sqlite_file(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise Unavailable(f"only a SQLite database in a file can be backed up or restored, not {database!r}")
    return Path(database)


def _sqlite_connect(path: Path, mode: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode={mode}", uri=True, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


@contextlib.contextmanager
def _sqlite_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    try:
        conn = _sqlite_connect(path, "ro")
    except sqlite3.Error as error:
        raise BadBackup(f"{path} cannot be opened as a SQLite database: {error}") from None
    try:
        yield conn
    finally:
        conn.close()


def _sqlite_checked(conn: sqlite3.Connection, path: Path) -> str:
    """The revision of a SQLite backup that passes ``PRAGMA integrity_check``."""
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = (
            conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone() if VERSION_TABLE in names else None
        )
    except sqlite3.Error as error:
        raise BadBackup(f"{path} is a damaged SQLite database: {error}") from None
    if problems != ["ok"]:
        raise BadBackup(f"{path} is a damaged SQLite database: {'; '.join(map(str, problems))}")
    if revision is None or "customers" not in names:
        raise BadBackup(f"{path} is a SQLite database, but not a creditdesk one (no schema revision)")
    return str(revision[0])


def back_up(url: URL, target: Path, during: Callable[[], None] | None, snapshot: bool, pages: int) -> Contents:
    source_path = _sqlite_file(url)
    try:
        source = _sqlite_connect(source_path, "rw")  # never creates a file that is not there
    except sqlite3.Error as error:
        raise Unavailable(f"the database {source_path} cannot be opened: {error}") from None
    try:
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            # One read transaction across every step: the steps copy one snapshot, and writes by
            # other connections meanwhile do not restart the copy (they go to the WAL).
            if snapshot:
                source.execute("BEGIN")
                source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            source.backup(copy, pages=pages, progress=_once(during))
            if snapshot:
                source.execute("COMMIT")
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _sqlite_checked(copy, target)
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise Unavailable(f"the backup of {source_path} failed: {error}") from None
    finally:
        source.close()
    reader = create_engine(f"sqlite:///{target}", poolclass=NullPool)
    try:
        with reader.connect() as conn:
            return contents(conn)
    finally:
        reader.dispose()


def _once(during: Callable[[], None] | None) -> Callable[[int, int, int], None] | None:
    """A backup progress callback that calls ``during`` after the first step."""
    if during is None:
        return None
    called: list[bool] = []

    def progress(_status: int, _remaining: int, _total: int) -> None:
        if not called:
            called.append(True)
            during()

    return progress


def backup_revision(path: Path) -> str:
    """The schema revision of the SQLite backup ``path``, checked (``BadBackup`` otherwise)."""
    with _sqlite_readonly(path) as conn:
        return _sqlite_checked(conn, path)


def restore(engine: Engine, backup: Path, *, keep_aside: bool, now: datetime) -> Path | None:
    live = _sqlite_file(engine.url)
    live.parent.mkdir(parents=True, exist_ok=True)
    aside = None
    engine.dispose()
    try:
        with _sqlite_readonly(backup) as source:
            target = sqlite3.connect(live, isolation_level=None, timeout=30)
            try:
                if keep_aside:
                    aside = new_private_file(live.with_name(f"{live.name}.{now.strftime('%Y%m%d-%H%M%S')}.bak"))
                    kept = sqlite3.connect(aside, isolation_level=None)
                    try:
                        target.backup(kept)
                        kept.execute("PRAGMA journal_mode=DELETE")
                    finally:
                        kept.close()
                # One write transaction on the live file: its readers see the old or the new book.
                source.backup(target)
                target.execute("PRAGMA journal_mode=WAL")
            finally:
                target.close()
    except sqlite3.Error as error:
        raise Unavailable(f"the restore into {live} failed, nothing was changed: {error}") from None
    return aside
