"""Notes and attachments' records."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlNotes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
