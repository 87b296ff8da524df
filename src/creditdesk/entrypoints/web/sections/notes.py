"""The customer page's section: notes and attachments."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection


def section(conn: Connection, customer_id: str, as_of: date) -> dict[str, Any]:
    return {}
