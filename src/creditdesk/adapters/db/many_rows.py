"""One UPDATE applied to many rows, each with values of its own, at the speed each engine likes.

PostgreSQL: one statement for all the rows, their values sent as one array per column
(``UPDATE ... FROM unnest(...)``); a statement per row, even pipelined, costs a round of parsing
and planning each. SQLite: the statement prepared once and run per row (``executemany``), which
is as fast there (and SQLite has neither arrays nor column names for a VALUES list).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, bindparam, column, func, update
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
