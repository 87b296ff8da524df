"""Dispute cases."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlDisputes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
