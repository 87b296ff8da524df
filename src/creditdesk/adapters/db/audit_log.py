"""The audit trail in the database: records, each stream's head, and the key they are signed with.

The key file travels with the engine (``attach_audit_keys``), so whatever opens a connection
(a unit of work, an importer, a migration) signs with the same key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, insert, select, text, update

from creditdesk.adapters.audit_evidence import AuditKeyFile
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.repositories import utc
from creditdesk.domain.audit import (
    GENESIS_HASH,
    SYSTEM_STREAM,
    AuditHead,
    AuditKeys,
    AuditRecord,
    head_is_authentic,
    record_mac,
    signed_head,
)
from creditdesk.service.errors import Unavailable
from creditdesk.service.ports import Clock

# Any constant; it names the PostgreSQL advisory lock that orders audit appends.
_AUDIT_LOCK_KEY = 0x43_44_41_55
_KEYS_OPTION = "creditdesk_audit_keys"


def attach_audit_keys(engine: Engine, keys: AuditKeyFile) -> None:
    """Every connection of ``engine`` signs and verifies the audit trail with ``keys``."""
    engine.update_execution_options(**{_KEYS_OPTION: keys})


def audit_key_file(connection: Connection) -> AuditKeyFile:
    keys = connection.get_execution_options().get(_KEYS_OPTION)
    if not isinstance(keys, AuditKeyFile):
        raise Unavailable("no audit key file is attached to this database engine (creditdesk.bootstrap attaches it)")
    return keys


HEAD_COLUMNS = [f.name for f in fields(AuditHead)]


def head_from_row(row: Mapping[Any, Any]) -> AuditHead:
    return AuditHead(**{name: row[name] for name in HEAD_COLUMNS})


def head_to_row(head: AuditHead) -> dict[str, Any]:
    return asdict(head)


def record_from_row(row: Mapping[Any, Any]) -> AuditRecord:
    return AuditRecord(
        seq=row["seq"],
        at=utc(row["at"]),
        actor=row["actor"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        payload=json.loads(row["payload"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        stream=row["stream"],
        stream_seq=row["stream_seq"],
        key_id=row["key_id"],
    )


class SqlAuditLog:
    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def keys(self, *, create: bool = False) -> AuditKeys:
        return audit_key_file(self._c).load(create=create)

    def append(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: str,
        payload: dict[str, Any],
        *,
        stream: str = SYSTEM_STREAM,
    ) -> AuditRecord:
        self._lock_system_stream(stream)
        head = self._locked_head(stream)
        keys = self._keys_for(head)
        if head is not None and not head_is_authentic(head, keys):
            # Signing on top of it would launder whatever was done to it.
            raise Unavailable(f"the head of audit stream {stream!r} fails its MAC; run `creditdesk audit verify`")
        stream_seq, prev = (head.length + 1, head.last_hash) if head else (1, GENESIS_HASH)
        at = self._clock.now().replace(microsecond=0)
        # Round-trip through JSON so the MAC'd payload is exactly what is stored.
        stored = json.loads(json.dumps(payload, default=str))
        digest = record_mac(keys.current, prev, stream_seq, at, actor, action, entity, entity_id, stored, stream)
        seq = self._c.execute(
            insert(t.audit_log).returning(t.audit_log.c.seq),
            {
                "stream": stream,
                "stream_seq": stream_seq,
                "at": at,
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "payload": json.dumps(stored, sort_keys=True),
                "prev_hash": prev,
                "hash": digest,
                "key_id": keys.current_id,
            },
        ).scalar_one()
        legacy = head.legacy_length if head else 0
        self._save_head(signed_head(keys, stream, stream_seq, digest, legacy), new=head is None)
        return AuditRecord(
            seq, at, actor, action, entity, entity_id, stored, prev, digest, stream, stream_seq, keys.current_id
        )

    def _lock_system_stream(self, stream: str) -> None:
        if stream == SYSTEM_STREAM and self._c.dialect.name == "postgresql":
            # The system stream has no row of its own to lock before its head exists; the lock
            # lasts until commit. (SQLite: BEGIN IMMEDIATE already serialises writers. A customer
            # stream's writer holds that account's row lock, and its head row is locked below.)
            self._c.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK_KEY})

    def _locked_head(self, stream: str) -> AuditHead | None:
        """The stream's head, locked until commit; refused when missing while the stream has records."""
        row = (
            self._c.execute(select(t.audit_heads).where(t.audit_heads.c.stream == stream).with_for_update())
            .mappings()
            .first()
        )
        if row is None and self._has_records(stream):
            raise Unavailable(f"audit stream {stream!r} has records but no head; run `creditdesk audit verify`")
        return head_from_row(row) if row is not None else None

    def _keys_for(self, head: AuditHead | None) -> AuditKeys:
        keys = self.keys(create=True)
        if head is not None and keys.by_id(head.key_id) is None:
            # Signed by a key this process has not read yet: rotated since by another process.
            keys = audit_key_file(self._c).load(refresh=True)
        return keys

    def _has_records(self, stream: str) -> bool:
        query = select(t.audit_log.c.seq).where(t.audit_log.c.stream == stream).limit(1)
        return self._c.execute(query).first() is not None

    def _save_head(self, head: AuditHead, *, new: bool) -> None:
        row = head_to_row(head)
        if new:
            self._c.execute(insert(t.audit_heads), [row])
        else:
            self._c.execute(update(t.audit_heads).where(t.audit_heads.c.stream == head.stream).values(row))

    def begin_snapshot(self) -> None:
        """Read heads and records as of one moment until the transaction ends (call it first).
        SQLite's read transaction sees one snapshot already."""
        if self._c.dialect.name == "postgresql":
            self._c.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))

    def heads(self) -> dict[str, AuditHead]:
        rows = self._c.execute(select(t.audit_heads)).mappings()
        return {row["stream"]: head_from_row(row) for row in rows}

    def records(self) -> Iterator[AuditRecord]:
        """Every record in the order written."""
        yield from self._records(select(t.audit_log).order_by(t.audit_log.c.seq))

    def records_by_stream(self) -> Iterator[AuditRecord]:
        """Every record, stream after stream, each stream in its own order."""
        yield from self._records(select(t.audit_log).order_by(t.audit_log.c.stream, t.audit_log.c.stream_seq))

    def _records(self, query: Select[Any]) -> Iterator[AuditRecord]:
        for row in self._c.execute(query.execution_options(yield_per=1000)).mappings():
            yield record_from_row(row)

    def is_empty(self) -> bool:
        return self._c.execute(select(t.audit_log.c.seq).limit(1)).first() is None

    def count(self) -> int:
        return int(self._c.execute(select(func.count()).select_from(t.audit_log)).scalar_one())
