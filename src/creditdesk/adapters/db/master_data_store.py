"""Customer versions, changes, deactivation and merges."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlMasterData:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
