"""A tamper-evident audit trail: each record's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def canonical(payload: dict[str, Any]) -> str:
    """Stable JSON: sorted keys, no whitespace, so the same content always hashes the same."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    payload: dict[str, Any],
) -> str:
    body = "\x1f".join([prev_hash, str(seq), at.isoformat(), actor, action, entity, entity_id, canonical(payload)])
    return hashlib.sha256(body.encode()).hexdigest()


def first_broken(records: Iterable[AuditRecord]) -> AuditRecord | None:
    """The first record whose link or hash does not match, or None when the chain holds.

    Records come in ``seq`` order starting at 1; a gap (a deleted record) breaks the chain.
    """
    prev = GENESIS_HASH
    expected_seq = 1
    for record in records:
        recomputed = chain_hash(
            prev,
            record.seq,
            record.at,
            record.actor,
            record.action,
            record.entity,
            record.entity_id,
            record.payload,
        )
        if record.seq != expected_seq or record.prev_hash != prev or record.hash != recomputed:
            return record
        prev = record.hash
        expected_seq += 1
    return None
