"""Credit insurance, guarantees, letters of credit and claims."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlCover:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
