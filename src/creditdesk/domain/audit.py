"""A tamper-evident audit trail: each record's MAC covers its content and the previous hash.

The trail is split into streams (one per credit account, plus "system"), each its own
chain, so writers on different accounts never wait for one another to append. A record's
hash is an HMAC-SHA256 under a key kept outside the database; each stream's head (its
length and last hash) carries a MAC too, and seals (outside the database) pin every head
at a moment. Records written before keyed MACs existed (a stream's first ``legacy_length``
records) keep their plain SHA-256 chain. See docs/audit.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64
SYSTEM_STREAM = "system"
KEY_BYTES = 32
KEY_ID_CHARS = 16


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
    key_id: str | None = None  # None: a legacy record, hashed with plain SHA-256


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
    """The legacy (unkeyed) hash. ``seq`` is the position in the stream. The system stream's
    hash leaves the stream name out, so records written before streams existed still verify."""
    parts = [prev_hash, str(seq), at.isoformat(), actor, action, entity, entity_id, canonical(payload)]
    if stream != SYSTEM_STREAM:
        parts.append(stream)
    body = "\x1f".join(parts)
    return hashlib.sha256(body.encode()).hexdigest()


def key_id(key: bytes) -> str:
    """A key's public name: records, heads and seals say which key made their MAC."""
    return hashlib.sha256(b"creditdesk audit key id\x1f" + key).hexdigest()[:KEY_ID_CHARS]


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """The MAC keys: the current one makes new MACs; retired ones (after a rotation) still verify."""

    current: bytes
    retired: tuple[bytes, ...] = ()

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def by_id(self, wanted: str | None) -> bytes | None:
        for key in (self.current, *self.retired):
            if key_id(key) == wanted:
                return key
        return None


def keyed_mac(key: bytes, kind: str, parts: Iterable[str]) -> str:
    body = "\x1f".join([kind, *parts])
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def record_mac(
    key: bytes,
    prev_hash: str,
    stream_seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    payload: dict[str, Any],
    stream: str,
) -> str:
    parts = [prev_hash, str(stream_seq), at.isoformat(), actor, action, entity, entity_id, canonical(payload), stream]
    return keyed_mac(key, "record/1", parts)


def plain_hash_of(record: AuditRecord) -> str:
    """The record's hash as the legacy scheme (or an attacker without the key) computes it."""
    r = record
    return chain_hash(r.prev_hash, r.stream_seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.payload, r.stream)


def mac_of(record: AuditRecord, key: bytes) -> str:
    r = record
    return record_mac(
        key, r.prev_hash, r.stream_seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.payload, r.stream
    )


@dataclass(frozen=True, slots=True)
class AuditHead:
    """A stream's head: how long it is, its last hash, and how many of its first records are legacy."""

    stream: str
    length: int
    last_hash: str
    legacy_length: int
    key_id: str
    mac: str


def head_mac(key: bytes, stream: str, length: int, last_hash: str, legacy_length: int) -> str:
    return keyed_mac(key, "head/1", [stream, str(length), last_hash, str(legacy_length)])


def signed_head(keys: AuditKeys, stream: str, length: int, last_hash: str, legacy_length: int) -> AuditHead:
    mac = head_mac(keys.current, stream, length, last_hash, legacy_length)
    return AuditHead(stream, length, last_hash, legacy_length, keys.current_id, mac)


def head_is_authentic(head: AuditHead, keys: AuditKeys) -> bool:
    key = keys.by_id(head.key_id)
    if key is None:
        return False
    expected = head_mac(key, head.stream, head.length, head.last_hash, head.legacy_length)
    return hmac.compare_digest(expected, head.mac)
