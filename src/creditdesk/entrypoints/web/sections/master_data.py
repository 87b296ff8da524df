"""The customer page's section: history of the master data, status and merges."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from creditdesk.adapters.db.master_data_store import SqlMasterData
from creditdesk.service.master_data import segment_values


def section(conn: Connection, customer_id: str, as_of: date) -> dict[str, Any]:
    store = SqlMasterData(conn)
    current = store.customer(customer_id)
    if current is None:
        return {}
    versions = store.history(customer_id)
    rows = [
        {
            "version": v["version"],
            "valid_from": v["valid_from"],
            "valid_to": v["valid_to"],
            "changed_by": v["changed_by"],
            "source": v["source"],
            "changes": [
                (name, _shown(before), _shown(after)) for name, (before, after) in sorted(v["changes"].items())
            ],
            "in_force": v["valid_from"] <= as_of and (v["valid_to"] is None or as_of < v["valid_to"]),
        }
        for v in reversed(versions)  # newest first
    ]
    merged_from = sorted(
        after for v in versions for name, (_, after) in v["changes"].items() if name == "merged_from" and after
    )
    return {
        "master_data_status": current["status"],
        "master_data_merged_into": current["merged_into"],
        "master_data_merged_from": merged_from,
        "master_data_versions": rows,
        "master_data_current": current,
        "master_data_segments": segment_values(),
    }


def _shown(value: Any) -> str:
    return "–" if value is None else str(value)
