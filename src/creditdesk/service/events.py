"""Outbound events: what each command did, and a projection that rebuilds state from them.

Every event carries its stream (the customer) and its place in it, the ledger postings it
made and the orders it changed. Replaying the events in any delivery order, with
duplicates, rebuilds the accounts' totals and the orders' states exactly: duplicates are
dropped by (stream, seq), each stream is applied in sequence, and totals are sums.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from creditdesk.domain.orders import Order
from creditdesk.service.ports import Posting

BUCKETS = ("receivable", "reserved", "delivered", "unapplied")


def order_state(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "status": order.status.value,
        "reserved": order.reserved,
        "delivered": order.delivered,
    }


def event_payload(customer_id: str, postings: list[Posting], orders: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "postings": [
            {
                "account_kind": p.account_kind,
                "account_id": p.account_id,
                "kind": p.kind.value,
                "ref_id": p.ref_id,
                **{f"{name}_delta": getattr(p.delta, name) for name in BUCKETS},
            }
            for p in postings
        ],
        "orders": orders,
    }


@dataclass(frozen=True, slots=True)
class Event:
    stream: str
    seq: int
    type: str
    payload: dict[str, Any]


def project(events: Iterable[Event]) -> dict[str, Any]:
    """The state the events describe: account totals per account and each order's last state."""
    unique = {(event.stream, event.seq): event for event in events}
    accounts: dict[str, dict[str, int]] = {}
    orders: dict[str, dict[str, Any]] = {}
    for key in sorted(unique):
        event = unique[key]
        for posting in event.payload.get("postings", []):
            account = accounts.setdefault(
                f"{posting['account_kind']}:{posting['account_id']}", dict.fromkeys(BUCKETS, 0)
            )
            for name in BUCKETS:
                account[name] += posting[f"{name}_delta"]
        for order in event.payload.get("orders", []):
            orders[order["order_id"]] = order
    return {"accounts": accounts, "orders": orders}


def canonical_state(state: dict[str, Any]) -> bytes:
    """Byte-stable JSON of a state, for comparing a replay with the database."""
    return json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
