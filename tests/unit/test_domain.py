from datetime import UTC, date, datetime

import pytest

from creditdesk.domain.audit import GENESIS_HASH, AuditKeys, AuditRecord, chain_hash, signed_head
from creditdesk.domain.audit_verify import Breach, BreachKind, verify_trail
from creditdesk.domain.customers import GroupCycle, ancestry
from creditdesk.domain.documents import OpenItem, Payment, allocate_payment
from creditdesk.domain.money import Money


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


class TestAllocation:
    items = [OpenItem("I2", date(2026, 2, 28), eur("50")), OpenItem("I1", date(2026, 1, 31), eur("100"))]

    def test_unallocated_payment_goes_oldest_due_first(self) -> None:
        result = allocate_payment(Payment("P1", "C1", date(2026, 3, 1), eur("120")), self.items)
        assert [(a.invoice_id, a.amount) for a in result] == [("I1", eur("100")), ("I2", eur("20"))]

    def test_named_invoice_only_and_overpayment_stays_unapplied(self) -> None:
        result = allocate_payment(Payment("P1", "C1", date(2026, 3, 1), eur("80"), "I2"), self.items)
        assert [(a.invoice_id, a.amount) for a in result] == [("I2", eur("50"))]


class _Groups:
    def __init__(self, parents: dict[str, str | None]) -> None:
        self.parents = parents

    def parent_of(self, group_id: str) -> str | None:
        return self.parents.get(group_id)


def test_group_ancestry_any_depth_and_cycles() -> None:
    assert ancestry("A", _Groups({"A": "B", "B": "C", "C": None})) == ["A", "B", "C"]
    with pytest.raises(GroupCycle):
        ancestry("A", _Groups({"A": "B", "B": "A"}))


def _chain(n: int) -> list[AuditRecord]:
    records, prev = [], GENESIS_HASH
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, n + 1):
        digest = chain_hash(prev, seq, at, "u", "a", "e", str(seq), {"n": seq})
        records.append(AuditRecord(seq, at, "u", "a", "e", str(seq), {"n": seq}, prev, digest, stream_seq=seq))
        prev = digest
    return records


def first_broken(records: list[AuditRecord]) -> Breach | None:
    """A legacy (plain SHA-256) chain of 5 under its signed head (tests/unit/test_audit_trail.py: the rest)."""
    keys = AuditKeys(b"k" * 32)
    head = signed_head(keys, "system", 5, _chain(5)[-1].hash, legacy_length=5)
    breaches = verify_trail(records, {"system": head}, keys)
    return breaches[0] if breaches else None


def test_audit_chain_detects_edit_and_deletion() -> None:
    records = _chain(5)
    assert first_broken(records) is None
    edited = list(records)
    r = edited[2]
    edited[2] = AuditRecord(
        r.seq, r.at, r.actor, r.action, r.entity, r.entity_id, {"n": 99}, r.prev_hash, r.hash, stream_seq=r.stream_seq
    )
    found = first_broken(edited)
    assert found is not None and found.record == edited[2] and found.kind is BreachKind.EDITED
    deleted = records[:2] + records[3:]
    broken = first_broken(deleted)
    assert broken is not None and broken.seq == 4
