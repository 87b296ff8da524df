"""Dunning and promises to pay through the seasons of one overdue invoice, on SQLite and
PostgreSQL: levels by age, a promise that pauses escalation, the promise broken, the credit
check reading the level, the account cleared when paid, and the worklist's order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pytest

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.collections import Promise
from creditdesk.domain.documents import Invoice, Payment
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.billing import PostInvoice, ReceivePayment, post_invoice, receive_payment
from creditdesk.service.collections import _Move, _move, positions, run_dunning, worklist
from creditdesk.service.collections import record_promise as record_promise_as
from creditdesk.service.credit_check import what_if
from creditdesk.service.errors import Conflict, InvalidInput
from creditdesk.service.policies import activate_check_policy
from tests.helpers import write_csv

POLICY = """
name: dunning
checks:
  default: {limit: block, overdue_days: off, overdue_share: off, dunning_level: 3, dunning_reaction: review}
"""
CUSTOMERS = """customer_id,name,currency,segment,payment_terms_days,credit_limit
C1,Slow Payer,EUR,standard,30,10000.00
C2,Quarrel Ltd,EUR,standard,30,10000.00
"""

# An analyst records them (the service refuses a role that may not write documents).
record_promise = partial(record_promise_as, role=Role.ANALYST)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def morning(clock: FixedClock, day: date) -> None:
    clock.at = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)


def test_dunning_levels_promises_and_the_check(services: Services, tmp_path: Path) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    morning(clock, date(2024, 1, 31))
    activate_check_policy("dunning", POLICY, "admin", Role.ADMIN, services.uow(), clock)
    report = import_file(
        "customers", write_csv(tmp_path / "c.csv", CUSTOMERS), services.engine, clock, actor="t", role=Role.ADMIN
    )
    assert report.ok, report.errors[:3]
    post_invoice(
        PostInvoice(Invoice("A", "C1", date(2024, 1, 31), date(2024, 3, 1), eur("1000")), "erp"), services.uow(), clock
    )
    disputed = Invoice("B", "C2", date(2024, 1, 20), date(2024, 2, 19), eur("5000"), disputed=True)
    post_invoice(PostInvoice(disputed, "erp"), services.uow(), clock)

    def run(day: date) -> dict[str, object]:
        morning(clock, day)
        return run_dunning(positions(services.receivables().frames(day), day), services.uow, clock, day).as_json()

    def level(customer: str = "C1") -> int:
        with services.uow() as uow:
            return uow.collections.dunning_levels()[customer][0]

    # 9 days past due: a reminder; 19 days: a call. The disputed item is never dunned.
    assert [(c["customer_id"], c["after"]) for c in run(date(2024, 3, 10))["changes"]] == [("C1", 1)]  # type: ignore[index]
    assert [(c["customer_id"], c["after"]) for c in run(date(2024, 3, 20))["changes"]] == [("C1", 2)]  # type: ignore[index]
    assert level("C2") == 0

    morning(clock, date(2024, 3, 25))
    promise = Promise("PR1", "C1", eur("600"), date(2024, 4, 5), date(2024, 3, 25), note="by wire", recorded_by="ann")
    assert record_promise(services.uow(), clock, promise)[1] is True
    assert record_promise(services.uow(), clock, promise)[1] is False  # the same promise again
    with pytest.raises(Conflict):
        record_promise(services.uow(), clock, Promise("PR1", "C1", eur("700"), date(2024, 4, 5), date(2024, 3, 25)))
    with pytest.raises(InvalidInput, match="account currency"):
        record_promise(
            services.uow(), clock, Promise("PR2", "C1", Money.of("1", "USD"), date(2024, 4, 5), date(2024, 3, 25))
        )

    # 32 days past due would be a final notice, but the promise holds the level at 2 until 8 April.
    assert run(date(2024, 4, 2))["changes"] == []
    assert what_if("C1", eur("100"), services.check_uow(), clock).codes == []
    morning(clock, date(2024, 4, 4))
    receive_payment(
        ReceivePayment(Payment("PAY1", "C1", date(2024, 4, 4), eur("300"), "A"), "bank"), services.uow(), clock
    )
    assert run(date(2024, 4, 8))["changes"] == []  # 300 of 600 so far, and it may still come
    broken = run(date(2024, 4, 9))
    assert broken["broken"] == ["PR1"] and [c["after"] for c in broken["changes"]] == [3]  # type: ignore[index]
    decision = what_if("C1", eur("100"), services.check_uow(), clock)
    assert decision.outcome.value == "review" and decision.codes == ["DUNNING"]
    assert "dunning level 3" in decision.reasons[0].message
    assert run(date(2024, 4, 9))["changes"] == []  # a second run the same day changes nothing
    # A run that read level 2 before another run moved it to 3 moves nothing under the lock.
    with services.uow() as uow:
        assert _move(uow, clock, date(2024, 4, 9), _Move("C1", 2, 3, None, False)) is None

    with services.uow() as uow:
        levels, promises = uow.collections.dunning_levels(), uow.collections.promises()
        (entry,) = [c for c in uow.management.changes("C1") if c.after == "3"]
    assert entry.rule == "DUNNING" and "promise to pay was broken" in entry.en and "付款承诺未兑现" in entry.zh
    assert entry.inputs == {"days_past_due": "39", "overdue": "700.00", "promise_broken": "true"}
    items = worklist(services.receivables().frames(date(2024, 4, 9)), date(2024, 4, 9), 0.5, 0.1, levels, promises)
    # B: 5,000 × 0.1 × 0.5 = 250 ranks above A: 700 × 0.1 × 0.5 = 35; B waits for its dispute.
    assert [(i["invoice_id"], i["expected_loss"], i["dunning_level"]) for i in items] == [
        ("B", "250.00", 0),
        ("A", "35.00", 3),
    ]
    assert items[0]["action_en"].startswith("resolve the dispute") and items[1]["action_zh"] == "最后通知；新订单需复核"

    morning(clock, date(2024, 4, 10))
    receive_payment(
        ReceivePayment(Payment("PAY2", "C1", date(2024, 4, 10), eur("700"), "A"), "bank"), services.uow(), clock
    )
    assert [(c["before"], c["after"]) for c in run(date(2024, 4, 11))["changes"]] == [(3, 0)]  # type: ignore[index]
    assert what_if("C1", eur("100"), services.check_uow(), clock).codes == []
