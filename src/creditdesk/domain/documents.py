"""Commercial documents: sales orders, invoices, payments and their allocations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from creditdesk.domain.money import Money
from creditdesk.domain.orders import OrderStatus


@dataclass(frozen=True, slots=True)
class SalesOrder:
    order_id: str
    customer_id: str
    order_date: date
    amount: Money
    status: str = OrderStatus.OPEN.value


@dataclass(frozen=True, slots=True)
class Invoice:
    invoice_id: str
    customer_id: str
    invoice_date: date
    due_date: date
    amount: Money
    order_id: str | None = None
    disputed: bool = False
    company_code: str | None = None  # the selling entity; None: the one company
    # As issued when not in the account currency (``amount`` is then converted at ``fx_rate``).
    doc_amount: Money | None = None
    fx_rate: str | None = None

    def days_overdue(self, as_of: date) -> int:
        return max(0, (as_of - self.due_date).days)


class SettlementKind(StrEnum):
    """What lowers a receivable: cash, a credit note (goods returned, a price corrected), or a
    write-off (a bad debt given up). Only cash is collected; only a write-off is a loss."""

    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    WRITE_OFF = "write_off"


@dataclass(frozen=True, slots=True)
class Payment:
    payment_id: str
    customer_id: str
    payment_date: date
    amount: Money
    invoice_id: str | None = None
    kind: SettlementKind = SettlementKind.PAYMENT
    company_code: str | None = None  # settles only this company's open items
    # As paid when not in the account currency (``amount`` is then converted at ``fx_rate``).
    doc_amount: Money | None = None
    fx_rate: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """The part of a payment applied to one invoice."""

    payment_id: str
    invoice_id: str
    amount: Money
    doc_amount: Money | None = None  # what it settles in the invoice's document currency


@dataclass(frozen=True, slots=True)
class OpenItem:
    invoice_id: str
    due_date: date
    open_amount: Money
    doc_open: Money | None = None  # what is open in the document currency, when not the account's


def allocate_payment(payment: Payment, open_items: list[OpenItem]) -> list[Allocation]:
    """Apply a payment to open items.

    A payment naming an invoice goes to that invoice only, up to its open amount;
    one naming none is applied oldest-due first (the usual cash-application rule).
    What is left stays unapplied on account and still lowers the receivable total.
    """
    if payment.invoice_id is not None:
        candidates = [item for item in open_items if item.invoice_id == payment.invoice_id]
    else:
        candidates = sorted(open_items, key=lambda item: (item.due_date, item.invoice_id))
    left = payment.amount
    allocations: list[Allocation] = []
    for item in candidates:
        if left.is_zero() or left.is_negative():
            break
        if item.open_amount.is_zero() or item.open_amount.is_negative():
            continue
        applied = min(left, item.open_amount)
        allocations.append(Allocation(payment.payment_id, item.invoice_id, applied))
        left = left - applied
    return allocations
