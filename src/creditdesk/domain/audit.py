"""A tamper-evident audit trail: each record's hash covers its content and the previous hash.

The trail is split into streams (one per credit account, plus "system"), each its own
chain, so writers on different accounts never wait for one another to append.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64
SYSTEM_STREAM = "system"


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
    stream: str = SYSTEM_STREAM
    stream_seq: int = 0


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
    stream: str = SYSTEM_STREAM,
) -> str:
    """``seq`` is the position in the stream. The system stream's hash leaves the stream name
    out, so records written before streams existed still verify."""
    parts = [prev_hash, str(seq), at.isoformat(), actor, action, entity, entity_id, canonical(payload)]
    if stream != SYSTEM_STREAM:
        parts.append(stream)
    body = "\x1f".join(parts)
    return hashlib.sha256(body.encode()).hexdigest()


def first_broken(records: Iterable[AuditRecord]) -> AuditRecord | None:
    """The first record whose link or hash does not match, or None when every stream holds.

    Each stream's records start at 1 with no gap (a deleted record breaks its stream).
    """
    prev: dict[str, str] = {}
    expected: dict[str, int] = {}
    for record in records:
        stream = record.stream
        recomputed = chain_hash(
            prev.get(stream, GENESIS_HASH),
            record.stream_seq,
            record.at,
            record.actor,
            record.action,
            record.entity,
            record.entity_id,
            record.payload,
            stream,
        )
        if (
            record.stream_seq != expected.get(stream, 1)
            or record.prev_hash != prev.get(stream, GENESIS_HASH)
            or record.hash != recomputed
        ):
            return record
        prev[stream] = record.hash
        expected[stream] = record.stream_seq + 1
    return None
