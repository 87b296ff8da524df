"""Settling open items with a payment in any currency (docs/currencies.md).

A payment in the account currency is allocated as it always was (``allocate_payment``). A payment
in another currency is converted once at its date's rate (``converted``), then:

1. it settles the open items issued in its own currency by the **document amount**, oldest due
   first (or the one it names), so what is open in the document currency closes exactly; each
   such allocation lowers the account-currency open amount by the item's **carried value**
   (all of it when the item closes, else its proportional share, rounded down: see ``share``);
2. what is left of it in its own currency is converted at the payment's rate and allocated in the
   account currency to the other items (or stays unapplied);
3. the realised exchange difference is what the converted payment brings beyond what it took
   off the items' carried values and left unapplied: ``converted - applied - unapplied``
   (positive: a gain). It moves no receivable; the caller records it (ledger kind fx_difference).
"""

from __future__ import annotations

from dataclasses import dataclass

from creditdesk.domain.documents import Allocation, OpenItem, Payment
from creditdesk.domain.fx import Rate
from creditdesk.domain.money import Money


@dataclass(frozen=True, slots=True)
class Settlement:
    allocations: list[Allocation]
    unapplied: Money  # account currency
    difference: Money  # account currency: the realised exchange difference (0 for account-currency cash)


def share(total: int, part: int, whole: int) -> int:
    """``total * part / whole`` rounded down, in exact integer arithmetic: a part settled leaves
    something of the other amount open as long as something of its own is (so both amounts of an
    item close together, with its last settlement, however small they are)."""
    assert whole > 0 and 0 <= part <= whole
    return total * part // whole


def _doc_share(item: OpenItem, applied: Money) -> Money | None:
    """What an account-currency allocation settles of the item's document amount."""
    if item.doc_open is None:
        return None
    if applied == item.open_amount:
        return item.doc_open
    return Money.from_minor(share(item.doc_open.minor, applied.minor, item.open_amount.minor), item.doc_open.currency)


def settle_payment(payment: Payment, converted: Money, rate: Rate, items: list[OpenItem]) -> Settlement:
    """``payment.amount`` as paid; ``converted`` = ``rate.convert(payment.amount)`` in the account
    currency (the same Money when the payment is in the account currency)."""
    account = converted.currency
    if payment.invoice_id is not None:
        candidates = [item for item in items if item.invoice_id == payment.invoice_id]
    else:
        candidates = sorted(items, key=lambda item: (item.due_date, item.invoice_id))
    candidates = [item for item in candidates if item.open_amount.minor > 0]
    allocations: list[Allocation] = []
    foreign = payment.amount.currency != account
    left_doc = payment.amount
    settled: set[str] = set()
    if foreign:
        for item in candidates:
            if left_doc.is_zero():
                break
            if item.doc_open is None or item.doc_open.currency != payment.amount.currency or item.doc_open.minor <= 0:
                continue
            doc = min(left_doc, item.doc_open)
            if doc == item.doc_open:
                carried = item.open_amount
            else:
                carried = Money.from_minor(share(item.open_amount.minor, doc.minor, item.doc_open.minor), account)
            allocations.append(Allocation(payment.payment_id, item.invoice_id, carried, doc))
            settled.add(item.invoice_id)
            left_doc = left_doc - doc
        left = rate.convert(left_doc) if settled else converted
    else:
        left = payment.amount
    for item in candidates:
        if left.is_zero() or left.is_negative():
            break
        if item.invoice_id in settled:
            continue
        applied = min(left, item.open_amount)
        allocations.append(Allocation(payment.payment_id, item.invoice_id, applied, _doc_share(item, applied)))
        left = left - applied
    applied_total = sum(a.amount.minor for a in allocations)
    difference = converted.minor - applied_total - left.minor
    return Settlement(allocations, left, Money.from_minor(difference, account))
