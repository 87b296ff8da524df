"""The order aggregate's state machine: every (state, transition) pair, allowed or refused."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from creditdesk.domain.decisions import Outcome
from creditdesk.domain.money import Money
from creditdesk.domain.orders import Order, OrderStateError, OrderStatus, Transition

S = OrderStatus
T = Transition
DECISION = {"decision": "approved"}


def order(status: OrderStatus, *, reserved: int | None = None, delivered: int = 0) -> Order:
    base = Order.reserve(
        "SO-1",
        "C1",
        date(2026, 3, 1),
        Money.of("100", "EUR"),
        10_000,
        fx_rate=None,
        outcome=Outcome.APPROVED,
        decision=DECISION,
        submitted_by="sales1",
    )
    if reserved is None:
        reserved = 10_000 if status is S.OPEN else 0
    return replace(base, status=status, reserved=reserved, delivered=delivered)


# Each transition applied with plausible arguments (amounts in minor units of the account currency).
APPLY: dict[Transition, Callable[[Order], Order]] = {
    T.AMEND: lambda o: o.amend(Money.of("80", "EUR"), 8_000, o.reservation_change(8_000)),
    T.DELIVER: lambda o: o.deliver(4_000),
    T.INVOICE: lambda o: o.invoice(),
    T.CANCEL: lambda o: o.cancel(),
    T.EXPIRE: lambda o: o.expire(),
    T.REOPEN: lambda o: o.reopen(Outcome.APPROVED, DECISION),
    T.REQUEST_RELEASE: lambda o: o.request_release({"requested_by": "ctrl1"}, DECISION),
    T.RELEASE: lambda o: o.release({"by": "ctrl2"}, DECISION),
    T.REJECT: lambda o: o.reject({"by": "ctrl2"}),
}

# Written out by hand, not derived from the aggregate's own table: (from, transition) -> to.
ALLOWED: dict[tuple[OrderStatus, Transition], OrderStatus] = {
    (S.OPEN, T.AMEND): S.OPEN,
    (S.BLOCKED, T.AMEND): S.BLOCKED,
    (S.REVIEW, T.AMEND): S.REVIEW,
    (S.RELEASE_PENDING, T.AMEND): S.RELEASE_PENDING,
    (S.OPEN, T.DELIVER): S.OPEN,
    (S.OPEN, T.INVOICE): S.INVOICED,
    (S.OPEN, T.CANCEL): S.CANCELLED,
    (S.BLOCKED, T.CANCEL): S.CANCELLED,
    (S.REVIEW, T.CANCEL): S.CANCELLED,
    (S.RELEASE_PENDING, T.CANCEL): S.CANCELLED,
    (S.EXPIRED, T.CANCEL): S.EXPIRED,  # nothing left to release: a no-op
    (S.OPEN, T.EXPIRE): S.EXPIRED,
    (S.CANCELLED, T.REOPEN): S.OPEN,
    (S.EXPIRED, T.REOPEN): S.OPEN,
    (S.BLOCKED, T.REQUEST_RELEASE): S.RELEASE_PENDING,
    (S.REVIEW, T.REQUEST_RELEASE): S.RELEASE_PENDING,
    (S.BLOCKED, T.RELEASE): S.OPEN,
    (S.REVIEW, T.RELEASE): S.OPEN,
    (S.RELEASE_PENDING, T.RELEASE): S.OPEN,
    (S.BLOCKED, T.REJECT): S.REJECTED,
    (S.REVIEW, T.REJECT): S.REJECTED,
    (S.RELEASE_PENDING, T.REJECT): S.REJECTED,
}


@pytest.mark.parametrize(("status", "transition"), list(itertools.product(OrderStatus, Transition)))
def test_every_state_and_transition(status: OrderStatus, transition: Transition) -> None:
    before = order(status)
    if (status, transition) in ALLOWED:
        assert before.may(transition)
        assert APPLY[transition](before).status is ALLOWED[(status, transition)]
    else:
        assert not before.may(transition)
        with pytest.raises(OrderStateError, match=f"order 'SO-1' is {status.value}; "):
            APPLY[transition](before)


def test_the_table_covers_every_transition() -> None:
    assert set(APPLY) == set(Transition)


@pytest.mark.parametrize(
    ("outcome", "status", "reserved"),
    [(Outcome.APPROVED, S.OPEN, 10_000), (Outcome.BLOCKED, S.BLOCKED, 0), (Outcome.REVIEW, S.REVIEW, 0)],
)
def test_reserve_opens_an_approved_order_and_holds_the_others(
    outcome: Outcome, status: OrderStatus, reserved: int
) -> None:
    submitted = Order.reserve(
        "SO-9", "C1", date(2026, 3, 1), Money.of("100", "EUR"), 10_000,
        fx_rate=None, outcome=outcome, decision=DECISION, submitted_by="sales1",
    )  # fmt: skip
    assert (submitted.status, submitted.reserved, submitted.delivered) == (status, reserved, 0)
    reopened = order(S.CANCELLED).reopen(outcome, DECISION)
    assert (reopened.status, reopened.reserved, reopened.valid_until) == (status, reserved, None)


def test_partial_then_full_delivery_moves_reserved_to_delivered() -> None:
    partly = order(S.OPEN).deliver(4_000)
    assert (partly.status, partly.reserved, partly.delivered) == (S.OPEN, 6_000, 4_000)
    fully = partly.deliver()
    assert (fully.status, fully.reserved, fully.delivered) == (S.OPEN, 0, 10_000)
    with pytest.raises(OrderStateError, match="exceeds what order 'SO-1' still reserves"):
        partly.deliver(6_001)


def test_invoicing_consumes_reserved_and_delivered() -> None:
    invoiced = order(S.OPEN).deliver(4_000).invoice()
    assert (invoiced.status, invoiced.reserved, invoiced.delivered) == (S.INVOICED, 0, 0)


def test_a_delivered_order_is_not_cancelled_and_expiry_keeps_it_open() -> None:
    delivered = order(S.OPEN).deliver(4_000)
    with pytest.raises(OrderStateError, match="deliveries not yet invoiced"):
        delivered.cancel()
    expired = delivered.expire()
    assert (expired.status, expired.reserved, expired.delivered) == (S.OPEN, 0, 4_000)
    assert order(S.EXPIRED).cancel() == order(S.EXPIRED)


@pytest.mark.parametrize(
    ("status", "reserved", "new_minor", "change"),
    [
        (S.OPEN, 10_000, 12_000, 2_000),  # an increase is reserved (if the rules allow it)
        (S.OPEN, 10_000, 7_000, -3_000),
        (S.OPEN, 2_000, 7_000, -2_000),  # after a delivery: no more released than still reserved
        (S.BLOCKED, 0, 12_000, 0),  # a held order reserves nothing
    ],
)
def test_an_amendment_reserves_or_releases_the_difference(
    status: OrderStatus, reserved: int, new_minor: int, change: int
) -> None:
    before = order(status, reserved=reserved)
    assert before.reservation_change(new_minor) == change
    after = before.amend(Money.from_minor(new_minor, "EUR"), new_minor, change)
    assert (after.status, after.account_minor, after.reserved) == (status, new_minor, reserved + change)
