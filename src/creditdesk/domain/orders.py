"""The sales order as a credit reservation: its states and the transitions between them.

An order is a pending reservation (TigerBeetle's two-phase transfer): accepted, it reserves its
amount in the account currency; delivered, the reserved part moves to delivered-not-invoiced;
invoiced, it is posted as a receivable; cancelled or expired, it is voided. Orders the rules
held (blocked, review) reserve nothing until a credit controller releases or rejects them.

The aggregate is immutable: every transition returns the order as it is afterwards, or raises
``OrderStateError`` when the order's state does not allow it. What the transition does to the
account's books (postings, decisions) is the service's work; which transitions exist and what
they leave behind is decided here, in one table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from creditdesk.domain.decisions import Outcome
from creditdesk.domain.money import Money


class OrderStatus(StrEnum):
    OPEN = "open"  # accepted: its amount is reserved (or delivered, not yet invoiced)
    BLOCKED = "blocked"  # held by a blocking rule; reserves nothing until released
    REVIEW = "review"  # held for a credit controller's review; reserves nothing until released
    RELEASE_PENDING = "release_pending"  # a release beyond its requester's authority awaits a second approver
    INVOICED = "invoiced"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


HELD = frozenset({OrderStatus.BLOCKED, OrderStatus.REVIEW, OrderStatus.RELEASE_PENDING})
_OPEN = frozenset({OrderStatus.OPEN})


class Transition(StrEnum):
    AMEND = "amend"
    DELIVER = "deliver"
    INVOICE = "invoice"
    CANCEL = "cancel"
    EXPIRE = "expire"
    REOPEN = "reopen"
    REQUEST_RELEASE = "request_release"  # beyond the releaser's authority: a second approver decides
    RELEASE = "release"
    REJECT = "reject"


# Which states each transition starts from, and what the refusal says otherwise.
RULES: dict[Transition, tuple[frozenset[OrderStatus], str]] = {
    Transition.AMEND: (_OPEN | HELD, "only open or held orders can be amended"),
    Transition.DELIVER: (_OPEN, "only open orders are delivered"),
    Transition.INVOICE: (_OPEN, "only open orders are invoiced"),
    # An expired order's reservation is already released: cancelling it changes nothing.
    Transition.CANCEL: (_OPEN | HELD | {OrderStatus.EXPIRED}, "it cannot be cancelled"),
    Transition.EXPIRE: (_OPEN, "only open orders expire"),
    Transition.REOPEN: (
        frozenset({OrderStatus.CANCELLED, OrderStatus.EXPIRED}),
        "only cancelled or expired orders reopen",
    ),
    Transition.REQUEST_RELEASE: (
        frozenset({OrderStatus.BLOCKED, OrderStatus.REVIEW}),
        "only blocked or review orders wait for a second approver",
    ),
    Transition.RELEASE: (HELD, "only blocked or review orders are resolved"),
    Transition.REJECT: (HELD, "only blocked or review orders are resolved"),
}

_STATUS_FOR = {
    Outcome.APPROVED: OrderStatus.OPEN,
    Outcome.BLOCKED: OrderStatus.BLOCKED,
    Outcome.REVIEW: OrderStatus.REVIEW,
}


class OrderStateError(Exception):
    """A transition the order's state (or its figures) does not allow: a conflict, not bad input."""


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    customer_id: str
    order_date: date
    amount: Money  # as ordered, in the order's currency
    account_minor: int  # in the account currency, at ``fx_rate``
    fx_rate: str | None
    status: OrderStatus
    reserved: int
    delivered: int
    delivery_date: date | None
    valid_until: date | None
    decision: dict[str, Any] | None  # the decision as recorded with the order (its JSON)
    resolution: dict[str, Any] | None  # who released, rejected or asked for a release, and why
    submitted_by: str | None
    company_code: str | None = None  # the selling entity; None: the one company

    # --- creation -----------------------------------------------------------------------
    @classmethod
    def reserve(
        cls,
        order_id: str,
        customer_id: str,
        order_date: date,
        amount: Money,
        account_minor: int,
        *,
        fx_rate: str | None,
        outcome: Outcome,
        decision: dict[str, Any],
        submitted_by: str,
        delivery_date: date | None = None,
        valid_until: date | None = None,
        company_code: str | None = None,
    ) -> Order:
        """A submitted order: open and reserving its amount when approved, held otherwise."""
        return cls(
            order_id=order_id,
            customer_id=customer_id,
            order_date=order_date,
            amount=amount,
            account_minor=account_minor,
            fx_rate=fx_rate,
            status=_STATUS_FOR[outcome],
            reserved=account_minor if outcome is Outcome.APPROVED else 0,
            delivered=0,
            delivery_date=delivery_date,
            valid_until=valid_until,
            decision=decision,
            resolution=None,
            submitted_by=submitted_by,
            company_code=company_code,
        )

    # --- guards -------------------------------------------------------------------------
    def may(self, transition: Transition) -> bool:
        return self.status in RULES[transition][0]

    def require(self, transition: Transition) -> None:
        """Refuse ``transition`` unless the order's state allows it (callers check this first,
        before the command's own input, so a wrong state wins over a wrong amount)."""
        allowed, why = RULES[transition]
        if self.status not in allowed:
            raise OrderStateError(f"order {self.order_id!r} is {self.status}; {why}")

    @property
    def is_held(self) -> bool:
        return self.status in HELD

    # --- transitions --------------------------------------------------------------------
    def reservation_change(self, account_minor: int) -> int:
        """What amending to ``account_minor`` reserves (+) or releases (-): only an open order
        reserves, and a decrease releases no more than is still reserved."""
        self.require(Transition.AMEND)
        diff = account_minor - self.account_minor
        if self.status is not OrderStatus.OPEN:
            return 0
        return diff if diff > 0 else -min(-diff, self.reserved)

    def amend(self, amount: Money, account_minor: int, reserved_change: int) -> Order:
        self.require(Transition.AMEND)
        assert amount.currency == self.amount.currency, "an amendment keeps the order currency"
        return replace(self, amount=amount, account_minor=account_minor, reserved=self.reserved + reserved_change)

    def deliver(self, minor: int | None = None) -> Order:
        """Deliver ``minor`` (account currency) of what is reserved; ``None``: all of it."""
        self.require(Transition.DELIVER)
        moved = self.reserved if minor is None else minor
        if moved > self.reserved:
            raise OrderStateError(
                f"the delivery exceeds what order {self.order_id!r} still reserves; amend the order upward first"
            )
        return replace(self, reserved=self.reserved - moved, delivered=self.delivered + moved)

    def invoice(self) -> Order:
        """Posting consumes the order: nothing stays reserved or delivered-not-invoiced."""
        self.require(Transition.INVOICE)
        return replace(self, status=OrderStatus.INVOICED, reserved=0, delivered=0)

    def cancel(self) -> Order:
        self.require(Transition.CANCEL)
        if self.status is OrderStatus.EXPIRED:
            return self
        if self.delivered > 0:
            raise OrderStateError(f"order {self.order_id!r} has deliveries not yet invoiced; invoice them first")
        return replace(self, status=OrderStatus.CANCELLED, reserved=0)

    def expire(self) -> Order:
        """The validity passed: the reservation goes; a partly delivered order stays open for its invoice."""
        self.require(Transition.EXPIRE)
        status = OrderStatus.EXPIRED if self.delivered == 0 else self.status
        return replace(self, status=status, reserved=0)

    def reopen(self, outcome: Outcome, decision: dict[str, Any]) -> Order:
        """Checked again as a new order would be; a reopened order has no validity date."""
        self.require(Transition.REOPEN)
        reserved = self.account_minor if outcome is Outcome.APPROVED else 0
        return replace(self, status=_STATUS_FOR[outcome], reserved=reserved, decision=decision, valid_until=None)

    def request_release(self, request: dict[str, Any], decision: dict[str, Any]) -> Order:
        self.require(Transition.REQUEST_RELEASE)
        return replace(self, status=OrderStatus.RELEASE_PENDING, resolution=request, decision=decision)

    def release(self, resolution: dict[str, Any], decision: dict[str, Any]) -> Order:
        self.require(Transition.RELEASE)
        return replace(
            self, status=OrderStatus.OPEN, reserved=self.account_minor, resolution=resolution, decision=decision
        )

    def reject(self, resolution: dict[str, Any]) -> Order:
        self.require(Transition.REJECT)
        return replace(self, status=OrderStatus.REJECTED, resolution=resolution)
