"""The customer page's section: notes and attachments (its own and its applications',
disputes' and requests'), the add-note and upload forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from creditdesk.adapters.db.note_store import SqlNotes


def section(conn: Connection, customer_id: str, as_of: date) -> dict[str, Any]:
    store = SqlNotes(conn)
    return {
        "notes_list": store.notes(customer_id=customer_id, limit=50),
        "notes_attachments": store.attachments(customer_id=customer_id),
        "notes_customer_id": customer_id,
    }
