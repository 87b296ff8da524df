"""The audit trail's verification in memory (every kind of breach), and its key and seal files."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from creditdesk.adapters.audit_evidence import AuditKeyFile, AuditSealFile
from creditdesk.domain.audit import (
    GENESIS_HASH,
    AuditHead,
    AuditKeys,
    AuditRecord,
    chain_hash,
    key_id,
    plain_hash_of,
    record_mac,
    signed_head,
)
from creditdesk.domain.audit_seal import make_seal, parse_seal, seal_line
from creditdesk.domain.audit_verify import Breach, BreachKind, verify_trail
from creditdesk.service.errors import Unavailable

KEYS = AuditKeys(bytes(range(32)))
WRONG = AuditKeys(bytes(range(1, 33)))
AT = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)


class Trail:
    """Records and heads as SqlAuditLog writes them, in memory."""

    def __init__(self, keys: AuditKeys = KEYS) -> None:
        self.keys = keys
        self.records: list[AuditRecord] = []
        self.heads: dict[str, AuditHead] = {}

    def append(self, stream: str, times: int = 1) -> Trail:
        for _ in range(times):
            head = self.heads.get(stream)
            n, prev = (head.length + 1, head.last_hash) if head else (1, GENESIS_HASH)
            payload = {"n": n}
            digest = record_mac(self.keys.current, prev, n, AT, "u", "a", "e", stream, payload, stream)
            seq = len(self.records) + 1
            self.records.append(
                AuditRecord(seq, AT, "u", "a", "e", stream, payload, prev, digest, stream, n, self.keys.current_id)
            )
            legacy = head.legacy_length if head else 0
            self.heads[stream] = signed_head(self.keys, stream, n, digest, legacy)
        return self

    def legacy(self, stream: str, times: int) -> Trail:
        """Plain SHA-256 records, and the head migration 0009 gives them."""
        prev = GENESIS_HASH
        for n in range(1, times + 1):
            digest = chain_hash(prev, n, AT, "u", "a", "e", stream, {"n": n}, stream)
            seq = len(self.records) + 1
            self.records.append(AuditRecord(seq, AT, "u", "a", "e", stream, {"n": n}, prev, digest, stream, n))
            prev = digest
        self.heads[stream] = signed_head(self.keys, stream, times, prev, legacy_length=times)
        return self

    def get(self, stream: str, n: int) -> AuditRecord:
        return next(r for r in self.records if r.stream == stream and r.stream_seq == n)

    def put(self, record: AuditRecord) -> None:
        self.records = [record if r.seq == record.seq else r for r in self.records]

    def drop(self, stream: str, *positions: int) -> None:
        self.records = [r for r in self.records if not (r.stream == stream and r.stream_seq in positions)]

    def verify(self, seal: str | None = None, keys: AuditKeys = KEYS) -> list[Breach]:
        ordered = sorted(self.records, key=lambda r: (r.stream, r.stream_seq))
        return verify_trail(ordered, self.heads, keys, seal)

    def seal(self) -> str:
        return seal_line(make_seal(self.heads.values(), AT, self.keys))


def trail() -> Trail:
    return Trail().append("C1", 4).append("system", 3).append("C2", 2)


def first(breaches: list[Breach]) -> Breach:
    assert breaches, "the tampering went unnoticed"
    return breaches[0]


def rehash(t: Trail, stream: str, start: int, digest_of: Callable[[AuditRecord], str], end: int = 10**9) -> None:
    """What an attacker does after editing ``start``: recompute the stream's hashes from there."""
    prev = t.get(stream, start - 1).hash if start > 1 else GENESIS_HASH
    for record in sorted((r for r in t.records if r.stream == stream), key=lambda r: r.stream_seq):
        if start <= record.stream_seq <= end:
            moved = replace(record, prev_hash=prev)
            moved = replace(moved, hash=digest_of(moved))
            t.put(moved)
            prev = moved.hash


def wrong_mac(r: AuditRecord) -> str:
    return record_mac(WRONG.current, r.prev_hash, r.stream_seq, r.at, r.actor, r.action, r.entity, r.entity_id,
                      r.payload, r.stream)  # fmt: skip


def our_mac(r: AuditRecord) -> str:
    return record_mac(KEYS.current, r.prev_hash, r.stream_seq, r.at, r.actor, r.action, r.entity, r.entity_id,
                      r.payload, r.stream)  # fmt: skip


def test_an_untouched_trail_verifies_with_its_seal() -> None:
    t = trail()
    assert t.verify() == []
    assert t.verify(t.seal()) == []


def test_an_edited_record_in_the_middle_or_at_the_end() -> None:
    t = trail()
    t.put(replace(t.get("C1", 2), payload={"n": 99}))
    breach = first(t.verify())
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.EDITED, "C1", 2)
    assert breach.record == t.get("C1", 2)
    t = trail()
    t.put(replace(t.get("C1", 4), actor="mallory"))
    assert (first(t.verify()).kind, first(t.verify()).stream_seq) == (BreachKind.EDITED, 4)


def test_a_record_deleted_in_the_middle_with_or_without_renumbering() -> None:
    t = trail()
    t.drop("C1", 2)
    breach = first(t.verify())
    assert (breach.kind, breach.stream_seq, breach.message) == (
        BreachKind.DELETED_IN_MIDDLE,
        2,
        "record 2 missing before record 3",
    )
    t.records = [
        replace(r, stream_seq=r.stream_seq - 1) if r.stream == "C1" and r.stream_seq > 2 else r for r in t.records
    ]
    breach = first(t.verify())
    assert (breach.kind, breach.stream_seq) == (BreachKind.DELETED_IN_MIDDLE, 2)
    assert "a record before it was deleted" in breach.message


def test_the_first_record_deleted() -> None:
    t = trail()
    t.drop("system", 1)
    breach = first(t.verify())
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.DELETED_IN_MIDDLE, "system", 1)


def test_the_tail_deleted() -> None:
    t = trail()
    t.drop("system", 2, 3)
    breach = first(t.verify())
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.TAIL_DELETED, "system", 2)
    assert breach.message == "records 2..3 gone: its head says 3 records, 1 are left"


def test_a_whole_chain_deleted_is_found_by_its_head_or_by_the_seal() -> None:
    t = trail()
    sealed = t.seal()
    t.drop("C2", 1, 2)
    assert (first(t.verify()).kind, first(t.verify()).stream) == (BreachKind.CHAIN_DELETED, "C2")
    del t.heads["C2"]
    assert t.verify() == []  # nothing in the database remembers it...
    breach = first(t.verify(sealed))  # ...the seal does
    assert (breach.kind, breach.stream) == (BreachKind.CHAIN_DELETED, "C2") and "sealed" in breach.message


def test_a_rewrite_with_recomputed_plain_hashes() -> None:
    t = trail()
    t.put(replace(t.get("C1", 2), payload={"n": 99}))
    rehash(t, "C1", 2, plain_hash_of)
    breach = first(t.verify())
    assert (breach.kind, breach.stream_seq) == (BreachKind.REWRITTEN, 2)
    assert "plain SHA-256" in breach.message
    t.records = [replace(r, key_id=None) if r.stream == "C1" else r for r in t.records]  # a downgrade, too
    assert "plain SHA-256" in first(t.verify()).message


def test_a_rewrite_with_a_wrong_key() -> None:
    t = trail()
    t.put(replace(t.get("C1", 2), payload={"n": 99}))
    rehash(t, "C1", 2, wrong_mac)
    breach = first(t.verify())
    assert (breach.kind, breach.stream_seq) == (BreachKind.REWRITTEN, 2) and "MAC mismatch" in breach.message
    t.records = [
        replace(r, key_id=WRONG.current_id) if r.stream == "C1" and r.stream_seq >= 2 else r for r in t.records
    ]
    assert "not ours" in first(t.verify()).message
    t.heads["C1"] = signed_head(WRONG, "C1", 4, t.get("C1", 4).hash, 0)  # the head re-signed, with that key
    breach = first(t.verify())
    assert (breach.kind, breach.stream) == (BreachKind.HEAD_MISMATCH, "C1") and "fails its MAC" in breach.message


def test_records_re_ordered() -> None:
    t = trail()
    two, three = t.get("C1", 2), t.get("C1", 3)
    t.put(replace(two, stream_seq=3))
    t.put(replace(three, stream_seq=2))
    breach = first(t.verify())
    assert (breach.kind, breach.stream) == (BreachKind.REORDERED, "C1") and "re-ordered" in breach.message
    t = trail()
    two, three = t.get("C1", 2), t.get("C1", 3)
    swapped = {two.seq: replace(two, seq=three.seq), three.seq: replace(three, seq=two.seq)}  # the order written
    t.records = [swapped.get(r.seq, r) for r in t.records]
    breach = first(t.verify())
    assert (breach.kind, breach.stream_seq) == (BreachKind.REORDERED, 3) and "written before record 2" in breach.message


def test_a_head_altered_missing_or_behind_its_records() -> None:
    t = trail()
    t.heads["C1"] = replace(t.heads["C1"], length=3)
    assert "fails its MAC" in first(t.verify()).message
    t = trail()
    del t.heads["C1"]
    assert "no head row" in first(t.verify()).message
    t = trail()
    t.heads["C1"] = signed_head(KEYS, "C1", 3, t.get("C1", 3).hash, 0)  # rolled back, records kept
    breach = first(t.verify())
    assert (breach.kind, breach.stream_seq) == (BreachKind.HEAD_MISMATCH, 4) and "beyond its head" in breach.message


def test_a_head_rolled_back_with_its_tail_is_caught_by_the_seal_only() -> None:
    t = trail()
    older = t.heads["C1"]
    t.append("C1", 2)
    sealed = t.seal()
    t.heads["C1"] = older
    t.drop("C1", 5, 6)
    assert t.verify() == []  # a valid older head: the database alone cannot tell
    breach = first(t.verify(sealed))
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.TAIL_DELETED, "C1", 5)
    assert "sealed" in breach.message and "rolled back to length 4" in breach.message


def test_a_seal_against_a_rewritten_chain_and_an_altered_seal() -> None:
    sealed = trail().seal()
    # The same length under valid MACs, other content: what only a key holder could do.
    t = trail()
    t.records = [replace(r, payload={"other": True}) if r.stream == "C2" else r for r in t.records]
    rehash(t, "C2", 1, our_mac)
    t.heads["C2"] = signed_head(KEYS, "C2", 2, t.get("C2", 2).hash, 0)
    assert t.verify() == []
    breach = first(t.verify(sealed))
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.SEAL_MISMATCH, "C2", 2)
    altered = sealed.replace('"C1":[4', '"C1":[3')
    breach = first(trail().verify(altered))
    assert (breach.kind, breach.stream) == (BreachKind.SEAL_MISMATCH, None) and "fails its MAC" in breach.message
    assert first(trail().verify('{"v": 1, "at": "yesterday"')).kind is BreachKind.SEAL_MISMATCH


def test_legacy_records_verify_and_their_rewrite_is_found() -> None:
    t = Trail().legacy("system", 3).append("system", 2)
    assert t.verify() == []
    t.put(replace(t.get("system", 2), actor="mallory"))
    assert (first(t.verify()).kind, first(t.verify()).stream_seq) == (BreachKind.EDITED, 2)
    rehash(t, "system", 2, plain_hash_of, end=3)  # the legacy part recomputed: the first keyed record no longer links
    breach = first(t.verify())
    assert (breach.kind, breach.stream_seq) == (BreachKind.REWRITTEN, 4) and "legacy records" in breach.message
    only_legacy = Trail().legacy("system", 3)
    only_legacy.put(replace(only_legacy.get("system", 3), actor="mallory"))
    rehash(only_legacy, "system", 3, plain_hash_of)
    assert first(only_legacy.verify()).kind is BreachKind.HEAD_MISMATCH


def test_a_keyed_record_cannot_pass_as_legacy() -> None:
    t = Trail().legacy("system", 2).append("system", 2)
    t.put(replace(t.get("system", 3), key_id=None, hash=plain_hash_of(t.get("system", 3))))
    assert first(t.verify()).kind is BreachKind.REWRITTEN


def test_records_signed_by_a_retired_key_still_verify() -> None:
    old = Trail().append("C1", 2)
    rotated = AuditKeys(bytes(range(2, 34)), retired=(KEYS.current,))
    new = Trail(rotated)
    new.records, new.heads = list(old.records), dict(old.heads)
    new.append("C1", 2)
    assert new.verify(keys=rotated) == []
    assert new.verify(new.seal(), keys=rotated) == []
    assert first(new.verify(keys=KEYS)).kind is BreachKind.HEAD_MISMATCH  # without the new key


def test_a_breach_says_where_and_what() -> None:
    t = trail()
    t.drop("C1", 4)
    assert (
        str(first(t.verify()))
        == "stream C1, record 4: tail deleted: record 4 gone: its head says 4 records, 3 are left"
    )


# The key file and the seal file.


def test_the_key_file_is_created_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "var" / "audit.key"
    keys = AuditKeyFile(lambda: path)
    with pytest.raises(Unavailable, match="is missing"):
        keys.load()
    created = keys.load(create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(created.current) == 32
    assert path.read_text() == created.current.hex() + "\n"
    assert AuditKeyFile(lambda: path).load() == created
    assert [p.name for p in path.parent.iterdir()] == ["audit.key"]  # no staging file left


def test_a_key_file_others_may_read_or_malformed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    AuditKeyFile(lambda: path).load(create=True)
    path.chmod(0o644)
    with pytest.raises(Unavailable, match="chmod 600"):
        AuditKeyFile(lambda: path).load()
    path.write_text("not hex\n")
    path.chmod(0o600)
    with pytest.raises(Unavailable, match="malformed"):
        AuditKeyFile(lambda: path).load()


def test_rotation_keeps_the_old_keys(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    keys = AuditKeyFile(lambda: path)
    before = keys.load(create=True)
    new_id = keys.rotate()
    after = keys.load()
    assert after.current_id == new_id != before.current_id and after.retired == (before.current,)
    assert after.by_id(key_id(before.current)) == before.current
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_seal_file_appends_lines_and_reads_the_last(tmp_path: Path) -> None:
    seals = AuditSealFile(tmp_path / "seals.jsonl")
    assert seals.latest() is None
    big = "x" * 100_000  # longer than one read from the end
    for line in ("one", big, "three"):
        seals.append(line)
    assert seals.latest() == "three"
    with open(seals.path, "ab") as file:
        file.write(b'{"cut short')  # a crash in the middle of a write
    assert seals.latest() == '{"cut short'
    seals.append("four")
    assert seals.path.read_text().splitlines()[-2:] == ['{"cut short', "four"]
    assert seals.latest() == "four"
    assert os.stat(seals.path).st_mode & 0o002 == 0


def test_a_seal_line_round_trips() -> None:
    t = trail()
    seal = make_seal(t.heads.values(), AT, KEYS)
    assert parse_seal(seal_line(seal)) == seal
    assert seal.records == 9
