"""Statements over many rows at the speed each engine likes: an UPDATE and an INSERT with values
of each row's own, and a SELECT of the rows among many keys.

PostgreSQL: one statement for all the rows, their values sent as one array per column
(``UPDATE ... FROM unnest(...)``, ``key = ANY(...)``) or COPY for an INSERT;
a statement per row, even pipelined, or an IN list of many parameters costs a round of parsing
and planning each. SQLite: the statement prepared once and run per row (``executemany``), or an
IN list a few hundred keys at a time, which is as fast there (and SQLite has neither arrays nor
column names for a VALUES list).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Column, Connection, Select, Table, any_, bindparam, column, func, insert, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine


def update_each(
    conn: Connection,
    table: Table,
    key: str,
    columns: dict[str, TypeEngine[Any]],
    rows: Sequence[tuple[Any, ...]],
    assign: Callable[[Any], dict[str, Any]],
) -> None:
    """``UPDATE table SET assign(v) WHERE table.key = v.<first column>`` for each row ``v``.

    ``columns``: the name and type of each value of a row (the first: the key's);
    ``assign(v)``: the new values, as expressions of ``v.<name>`` (and of the table's columns)."""
    names = list(columns)
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        arrays = [bindparam(f"v_{name}", type_=ARRAY(kind)) for name, kind in columns.items()]
        given = func.unnest(*arrays).table_valued(*(column(name, kind) for name, kind in columns.items()))
        given = given.render_derived(name="v")
        conn.execute(
            update(table).where(table.c[key] == given.c[names[0]]).values(**assign(given.c)),
            {f"v_{name}": [row[index] for row in rows] for index, name in enumerate(names)},
        )
        return
    params = SimpleNamespace(**{name: bindparam(f"v_{name}", type_=kind) for name, kind in columns.items()})
    conn.execute(
        update(table).where(table.c[key] == getattr(params, names[0])).values(**assign(params)),
        [{f"v_{name}": value for name, value in zip(names, row, strict=True)} for row in rows],
    )


def insert_each(conn: Connection, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """``INSERT INTO table (names) VALUES row`` for each row; on PostgreSQL by COPY (the fastest
    way in, and its values need no array literal, whose quoting psycopg does in Python)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
        driver: Any = conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])


def rows_among(conn: Connection, query: Select[Any], key: Column[Any], keys: Sequence[Any]) -> Iterator[Any]:
    """The rows of ``query`` whose ``key`` is one of ``keys`` (its FOR UPDATE, if any, kept)."""
    if conn.dialect.name == "postgresql":
        if keys:
            yield from conn.execute(query.where(key == any_(bindparam("keys", list(keys), type_=ARRAY(key.type)))))
        return
    for start in range(0, len(keys), 500):
        yield from conn.execute(query.where(key.in_(keys[start : start + 500])))
