"""The customer page's sections that came with issue 20: each module's ``section`` reads what its
template partial (``_section_NAME.html``) shows, on the page's read-only connection."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from creditdesk.entrypoints.web.sections import cover, disputes, master_data, notes, segments

NAMES = ("master_data", "segments", "disputes", "cover", "notes")


def load(conn: Connection, customer_id: str, as_of: date) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in (master_data, segments, disputes, cover, notes):
        found.update(module.section(conn, customer_id, as_of))
    return found
