"""Backups of a PostgreSQL database, and restores from them, by its client programs.

PostgreSQL: ``pg_dump -Fc`` reads a snapshot exported by a ``REPEATABLE READ`` transaction that
also counts the rows and computes the digest, so the digest printed is the dump's, exactly.
``pg_restore --clean --if-exists``'s script runs in psql in one transaction, after dropping the
tables the database holds, and is committed only when the whole archive was read. The
connection goes to the client programs through the environment (``PGPASSWORD`` and friends),
never on their command line.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from creditdesk.service.errors import Unavailable

from .common import VERSION_TABLE, BadBackup, Contents, contents

# SQLAlchemy URL query parameters that libpq also reads from the environment.
_PG_QUERY_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "gssencmode": "PGGSSENCMODE",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}
_PG_CONNECTION_ENV = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE")


def back_up(engine: Engine, target: Path, pg_dump: Path, during: Callable[[], None] | None, snapshot: bool) -> Contents:
    """pg_dump reads the snapshot this transaction exported, while the same transaction reads
    what goes into the digest: both see the same committed state."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        exported = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
        if during is not None:
            during()
        command = [str(pg_dump), "--format=custom", f"--file={target}", "--no-password"]
        if snapshot:
            command.append(f"--snapshot={exported}")
        with subprocess.Popen(
            command, env=pg_environment(engine.url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        ) as dump:
            try:
                found = contents(conn)
            finally:
                _, errors = dump.communicate()
        if dump.returncode != 0:
            raise Unavailable(f"pg_dump failed (exit {dump.returncode}): {_first_lines(errors)}{_version_hint(errors)}")
    return found


def restore(engine: Engine, backup: Path, pg_restore: Path, psql: Path) -> None:
    """One transaction, all of it or nothing: the tables the database holds now are dropped
    (those of a newer schema too, which ``--clean`` would not know of), then pg_restore's script
    (``--clean --if-exists``: what the backup holds, dropped and created again) runs in psql, and
    the COMMIT is sent only when pg_restore read the whole archive without an error."""
    url = engine.url
    with engine.connect() as conn:
        schema = conn.dialect.default_schema_name or "public"
        present = inspect(conn).get_table_names(schema=schema)
    quote_name = engine.dialect.identifier_preparer.quote
    drops = "".join(f"DROP TABLE IF EXISTS {quote_name(schema)}.{quote_name(name)} CASCADE;\n" for name in present)
    script = [str(pg_restore), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-", str(backup)]
    session = [
        str(psql),
        "--no-psqlrc",
        "--quiet",
        "--no-password",
        "--set=ON_ERROR_STOP=1",
        f"--dbname={url.database}",
    ]
    env = pg_environment(url)
    with tempfile.TemporaryFile("w+") as script_errors, tempfile.TemporaryFile("w+") as session_errors:
        with subprocess.Popen(
            session, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=session_errors
        ) as sql:
            assert sql.stdin is not None
            complete = False
            try:
                sql.stdin.write(f"SET client_min_messages = warning;\nBEGIN;\n{drops}".encode())
                with subprocess.Popen(script, env=env, stdout=subprocess.PIPE, stderr=script_errors) as restoring:
                    assert restoring.stdout is not None
                    shutil.copyfileobj(restoring.stdout, sql.stdin)
                complete = restoring.returncode == 0
                if complete:
                    sql.stdin.write(b"COMMIT;\n")
            except BrokenPipeError:
                complete = False  # psql stopped at an error: its transaction is rolled back
            finally:
                with contextlib.suppress(BrokenPipeError):
                    sql.stdin.close()  # without a COMMIT, psql's session ends and its transaction with it
        script_errors.seek(0)
        session_errors.seek(0)
        errors = f"{script_errors.read()}\n{session_errors.read()}".strip()
    if not complete or sql.returncode != 0:
        message = f"the restore failed, nothing was changed: {_first_lines(errors) or f'psql exit {sql.returncode}'}"
        if re.search(r"could not connect|connection to server|authentication|password", errors, re.IGNORECASE):
            raise Unavailable(message)
        raise BadBackup(message)


def backup_revision(path: Path, pg_restore: Path) -> str:
    """The schema revision in a custom-format dump (``pg_restore`` reads the archive: a damaged
    one fails here, before anything is touched)."""
    listing = subprocess.run([str(pg_restore), "--list", str(path)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BadBackup(f"{path} is not a readable PostgreSQL dump: {_first_lines(listing.stderr)}")
    if not re.search(rf"TABLE DATA \S+ {VERSION_TABLE} ", listing.stdout):
        raise BadBackup(f"{path} is a PostgreSQL dump, but not of a creditdesk database (no schema revision)")
    data = subprocess.run(
        [str(pg_restore), "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = data.stdout.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("COPY ") and VERSION_TABLE in line]
    values = []
    if data.returncode == 0 and starts:
        for line in lines[starts[0] + 1 :]:
            if line == "\\.":
                break
            values.append(line.strip())
    if len(values) != 1:
        raise BadBackup(f"{path}: its schema revision cannot be read ({_first_lines(data.stderr) or 'no row'})")
    return values[0]


# ---------------------------------------------------------------------------------------------
# The PostgreSQL client programs


def pg_environment(url: URL) -> dict[str, str]:
    """libpq's environment for ``url``: the password travels here, never on a command line."""
    env = {key: value for key, value in os.environ.items() if key not in _PG_CONNECTION_ENV}
    if url.host:
        env["PGHOST"] = url.host
    if url.port:
        env["PGPORT"] = str(url.port)
    if url.username:
        env["PGUSER"] = url.username
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    if url.database:
        env["PGDATABASE"] = url.database
    for key, value in url.query.items():
        variable = _PG_QUERY_ENV.get(key)
        if variable:
            env[variable] = value if isinstance(value, str) else ",".join(value)
    return env


def tool(name: str, bin_dir: Path | None) -> Path:
    where = str(bin_dir) if bin_dir else None
    found = shutil.which(name, path=where)
    if found is None:
        place = f"in {bin_dir} (CREDITDESK_PG_BIN_DIR)" if bin_dir else "on PATH"
        raise Unavailable(
            f"{name} not found {place}: install the PostgreSQL client programs of the server's major "
            "version, or set CREDITDESK_PG_BIN_DIR to the folder that holds them"
        )
    return Path(found)


def _first_lines(errors: str, count: int = 3) -> str:
    return " | ".join(line.strip() for line in errors.strip().splitlines()[:count])


def _version_hint(errors: str) -> str:
    if "version mismatch" in errors:
        return " (pg_dump must be at least the server's major version: set CREDITDESK_PG_BIN_DIR)"
    return ""
