"""Verifying the audit trail: each record's MAC and link, each stream against its head, every
stream against the latest seal. Each breach says which stream, which record and what happened.

Streams are read one at a time in stream_seq order, holding one record and at most one
suspect, so a trail of any size verifies in constant memory.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import groupby
from operator import attrgetter

from creditdesk.domain.audit import (
    GENESIS_HASH,
    AuditHead,
    AuditKeys,
    AuditRecord,
    head_is_authentic,
    mac_of,
    plain_hash_of,
)
from creditdesk.domain.audit_seal import MalformedSeal, Seal, parse_seal, seal_is_authentic


class BreachKind(StrEnum):
    EDITED = "edited"
    DELETED_IN_MIDDLE = "deleted in the middle"
    TAIL_DELETED = "tail deleted"
    CHAIN_DELETED = "chain deleted"
    REWRITTEN = "rewritten"
    REORDERED = "re-ordered"
    HEAD_MISMATCH = "head mismatch"
    SEAL_MISMATCH = "seal mismatch"


@dataclass(frozen=True, slots=True)
class Breach:
    kind: BreachKind
    stream: str | None  # None: the seal itself
    stream_seq: int | None
    message: str
    record: AuditRecord | None = None  # the first record found broken, when there is one

    @property
    def seq(self) -> int | None:
        return self.record.seq if self.record is not None else None

    def where(self) -> str:
        if self.stream is None:
            return "the seal file"
        return f"stream {self.stream}" + (f", record {self.stream_seq}" if self.stream_seq is not None else "")

    def __str__(self) -> str:
        return f"{self.where()}: {self.kind}: {self.message}"


@dataclass(frozen=True, slots=True)
class _Sealed:
    length: int
    last_hash: str
    at: datetime


def verify_trail(
    records: Iterable[AuditRecord],
    heads: Mapping[str, AuditHead],
    keys: AuditKeys,
    seal_line: str | None = None,
) -> list[Breach]:
    """Every breach of the trail, the earliest record first; [] when it is intact.

    ``records`` come ordered by stream, then stream_seq; ``seal_line`` is the seal file's
    latest line (None: nothing sealed yet)."""
    seal, breaches = _read_seal(seal_line, keys)
    seen: set[str] = set()
    for stream, group in groupby(records, key=attrgetter("stream")):
        seen.add(stream)
        check = _StreamCheck(stream, heads.get(stream), keys, _sealed(seal, stream))
        for record in group:
            check.feed(record)
        breach = check.finish()
        if breach is not None:
            breaches.append(breach)
    breaches.extend(_vanished_chains(heads, seal, seen))
    return sorted(breaches, key=_earliest_first)


def _earliest_first(breach: Breach) -> tuple[bool, int, str, int]:
    return (breach.seq is None, breach.seq or 0, breach.stream or "", breach.stream_seq or 0)


def _read_seal(line: str | None, keys: AuditKeys) -> tuple[Seal | None, list[Breach]]:
    if line is None:
        return None, []
    try:
        seal = parse_seal(line)
    except MalformedSeal as error:
        return None, [Breach(BreachKind.SEAL_MISMATCH, None, None, f"its last line is {error}")]
    if not seal_is_authentic(seal, keys):
        message = f"the latest seal ({seal.at.isoformat()}) fails its MAC: the seal file was altered"
        return None, [Breach(BreachKind.SEAL_MISMATCH, None, None, message)]
    return seal, []


def _sealed(seal: Seal | None, stream: str) -> _Sealed | None:
    if seal is None or stream not in seal.streams:
        return None
    length, last_hash = seal.streams[stream]
    return _Sealed(length, last_hash, seal.at)


def _span(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first}..{last}"


def _vanished_chains(heads: Mapping[str, AuditHead], seal: Seal | None, seen: set[str]) -> list[Breach]:
    """Streams a head or the seal knows of that have no record left."""
    gone = BreachKind.CHAIN_DELETED
    found = [
        Breach(gone, stream, 1, f"its head says {head.length} records and none is left: the whole chain was deleted")
        for stream, head in sorted(heads.items())
        if stream not in seen
    ]
    if seal is not None:
        at = seal.at.isoformat()
        found += [
            Breach(gone, stream, 1, f"it was sealed on {at} with {length} records; its records and its head are gone")
            for stream, (length, _) in sorted(seal.streams.items())
            if stream not in seen and stream not in heads
        ]
    return found


class _StreamCheck:
    """One stream's records in stream_seq order; ``finish`` gives its first breach, if any.

    A MAC mismatch or a broken link is held as a suspect until a later record (or the head)
    tells what happened: an edit leaves the hash its successor links to; a rewrite replaces it;
    a re-ordered record links to one that comes after it; a deleted one is linked to by none."""

    def __init__(self, stream: str, head: AuditHead | None, keys: AuditKeys, sealed: _Sealed | None) -> None:
        self.stream = stream
        self.head = head
        self.keys = keys
        self.sealed = sealed
        self.last: AuditRecord | None = None
        self.suspect: AuditRecord | None = None
        self.suspect_link = False  # the suspect's link is broken (otherwise its MAC)
        self.hashes: dict[int, str] = {}  # the hashes at the head's and the seal's positions
        self.watched = {head.length if head else 0, sealed.length if sealed else 0}
        self.breach = self._head_breach()

    def feed(self, record: AuditRecord) -> None:
        if self.breach is not None:
            return
        if self.suspect is not None:
            self.breach = self._resolve(self.suspect, record)
            return
        self.breach = self._check(record)
        if self.breach is None and self.suspect is None:
            self.last = record
            if record.stream_seq in self.watched:
                self.hashes[record.stream_seq] = record.hash

    def finish(self) -> Breach | None:
        if self.breach is None and self.suspect is not None:
            self.breach = self._resolve_at_end(self.suspect)
        return self.breach or self._against_head() or self._against_seal()

    def _breach(
        self, kind: BreachKind, message: str, record: AuditRecord | None = None, stream_seq: int | None = None
    ) -> Breach:
        position = stream_seq if stream_seq is not None else (record.stream_seq if record else None)
        return Breach(kind, self.stream, position, message, record)

    def _head_breach(self) -> Breach | None:
        if self.head is None:
            message = "it has records but no head row: its head was deleted, or its records added by hand"
            return self._breach(BreachKind.HEAD_MISMATCH, message)
        if not head_is_authentic(self.head, self.keys):
            return self._breach(BreachKind.HEAD_MISMATCH, "its head row fails its MAC: the head was altered")
        return None

    def _check(self, record: AuditRecord) -> Breach | None:
        expected = self.last.stream_seq + 1 if self.last else 1
        if record.stream_seq != expected:
            return self._out_of_sequence(record, expected)
        if self.last is not None and record.seq < self.last.seq:
            message = f"it was written before record {self.last.stream_seq} (seq {record.seq} < {self.last.seq})"
            return self._breach(BreachKind.REORDERED, message, record)
        if record.prev_hash != (self.last.hash if self.last else GENESIS_HASH):
            self.suspect, self.suspect_link = record, True
            return None
        return self._check_digest(record)

    def _out_of_sequence(self, record: AuditRecord, expected: int) -> Breach:
        if record.stream_seq > expected:
            message = f"{_span(expected, record.stream_seq - 1)} missing before record {record.stream_seq}"
            return self._breach(BreachKind.DELETED_IN_MIDDLE, message, record, expected)
        message = f"record {record.stream_seq} comes again after record {expected - 1}"
        return self._breach(BreachKind.REORDERED, message, record)

    def _is_legacy(self, record: AuditRecord) -> bool:
        return self.head is not None and record.stream_seq <= self.head.legacy_length

    def _digest_holds(self, record: AuditRecord) -> bool:
        if self._is_legacy(record):
            return record.key_id is None and record.hash == plain_hash_of(record)
        key = self.keys.by_id(record.key_id)
        return key is not None and hmac.compare_digest(mac_of(record, key), record.hash)

    def _check_digest(self, record: AuditRecord) -> Breach | None:
        if self._digest_holds(record):
            return None
        rewritten = BreachKind.REWRITTEN
        if self._is_legacy(record):
            if record.key_id is not None:
                return self._breach(BreachKind.EDITED, "a legacy record now names a MAC key", record)
        elif record.key_id is None:
            return self._breach(rewritten, "its MAC was replaced by a plain SHA-256 hash (MAC mismatch)", record)
        elif self.keys.by_id(record.key_id) is None:
            return self._breach(rewritten, f"its MAC names a key that is not ours ({record.key_id})", record)
        elif record.hash == plain_hash_of(record):
            return self._breach(rewritten, "its hash was recomputed as plain SHA-256 (MAC mismatch)", record)
        self.suspect, self.suspect_link = record, False
        return None

    def _resolve(self, suspect: AuditRecord, record: AuditRecord) -> Breach | None:
        """What the next record (or, for a broken link, any later one) says about the suspect."""
        if self.suspect_link:
            if record.hash != suspect.prev_hash:
                return None
            message = f"it links to record {record.stream_seq}, which comes after it: records were re-ordered"
            return self._breach(BreachKind.REORDERED, message, suspect)
        vouched = record.prev_hash == suspect.hash and self._digest_holds(record)
        return self._edited(suspect) if vouched else self._rewritten(suspect)

    def _resolve_at_end(self, suspect: AuditRecord) -> Breach:
        if self.suspect_link:
            return self._unlinked(suspect)
        head = self.head
        vouched = head is not None and head.length == suspect.stream_seq and head.last_hash == suspect.hash
        return self._edited(suspect) if vouched else self._rewritten(suspect)

    def _edited(self, suspect: AuditRecord) -> Breach:
        message = "its content no longer matches its MAC (changed after it was written)"
        return self._breach(BreachKind.EDITED, message, suspect)

    def _rewritten(self, suspect: AuditRecord) -> Breach:
        message = "its MAC does not verify and its hash was replaced (MAC mismatch): rewritten without our key"
        return self._breach(BreachKind.REWRITTEN, message, suspect)

    def _unlinked(self, suspect: AuditRecord) -> Breach:
        legacy_end = self.head.legacy_length if self.head else 0
        if legacy_end and suspect.stream_seq == legacy_end + 1:
            message = "it no longer links to the last legacy record: the legacy records before it were rewritten"
            return self._breach(BreachKind.REWRITTEN, message, suspect)
        message = (
            f"it does not link to record {suspect.stream_seq - 1}, nor to any record of the stream: "
            "a record before it was deleted and the rest renumbered, or its link altered"
        )
        return self._breach(BreachKind.DELETED_IN_MIDDLE, message, suspect)

    def _against_head(self) -> Breach | None:
        head, last = self.head, self.last
        if head is None or last is None:
            return None
        n = last.stream_seq
        if n < head.length:
            message = f"{_span(n + 1, head.length)} gone: its head says {head.length} records, {n} are left"
            return self._breach(BreachKind.TAIL_DELETED, message, stream_seq=n + 1)
        if self.hashes.get(head.length) != head.last_hash:
            message = f"record {head.length}'s hash is not its head's last hash: the chain was rewritten"
            return self._breach(BreachKind.HEAD_MISMATCH, message, stream_seq=head.length)
        if n > head.length:
            message = (
                f"{_span(head.length + 1, n)} beyond its head (length {head.length}): "
                "the head was rolled back, or records added by hand"
            )
            return self._breach(BreachKind.HEAD_MISMATCH, message, stream_seq=head.length + 1)
        return None

    def _against_seal(self) -> Breach | None:
        sealed, last = self.sealed, self.last
        if sealed is None or last is None:
            return None
        n, at = last.stream_seq, sealed.at.isoformat()
        if n < sealed.length:
            message = f"{_span(n + 1, sealed.length)} sealed on {at} gone, its head rolled back to length {n}"
            return self._breach(BreachKind.TAIL_DELETED, message, stream_seq=n + 1)
        if self.hashes.get(sealed.length) != sealed.last_hash:
            message = f"record {sealed.length}'s hash differs from the seal of {at}: the chain was rewritten"
            return self._breach(BreachKind.SEAL_MISMATCH, message, stream_seq=sealed.length)
        return None
