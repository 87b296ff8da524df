"""What the credit commands did, as values: the entrypoints turn them into HTTP answers,
CLI output or web pages (and choose the status codes); the service never does."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from creditdesk.domain.documents import Allocation, Invoice, Payment
from creditdesk.domain.money import Money
from creditdesk.domain.orders import Order


class Amendment(StrEnum):
    APPLIED = "applied"
    REFUSED = "refused"  # the increase did not fit: the order stays as it was


@dataclass(frozen=True, slots=True)
class OrderResult:
    order: Order  # as the command left it
    currency: str  # the account's: reserved and delivered are in it
    decision: dict[str, Any] | None = None  # the check this command made, when it made one
    created: bool = False  # a new order
    awaiting_approval: bool = False  # a release beyond the releaser's authority waits for a second approver
    amendment: Amendment | None = None
    replayed: bool = False  # the stored outcome of an earlier run of the same command


@dataclass(frozen=True, slots=True)
class InvoiceResult:
    invoice: Invoice
    consumed: Money  # the order's reservation (and delivered part) the invoice took over
    exposure_increase: Money
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class PaymentResult:
    payment: Payment
    allocations: tuple[Allocation, ...]
    unapplied: Money
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class DisputeResult:
    invoice_id: str
    customer_id: str
    disputed: bool


@dataclass(frozen=True, slots=True)
class Replayed:
    """A stored outcome from before outcomes were typed: its answer body, returned as it was."""

    body: dict[str, Any]
