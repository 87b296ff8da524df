"""The account's books: amounts in the account currency, postings spread to pooled groups, and
the record (ledger, outbound event, audit) every credit command writes in its transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from creditdesk.domain.fx import MissingRate, Rate, identity
from creditdesk.domain.ledger import BalanceOutOfRange, Delta, EntryKind, Totals
from creditdesk.domain.money import AmountTooLarge, Money, bounded_minor
from creditdesk.domain.orders import Order
from creditdesk.service.errors import FieldProblem, InvalidInput
from creditdesk.service.events import event_payload, order_state
from creditdesk.service.ports import AccountState, GroupAccountState, Posting, UnitOfWork

Groups = list[tuple[GroupAccountState, Rate]]


@dataclass
class Change:
    """What one command does to the books, written together by ``record``."""

    event: str
    postings: list[Posting] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)


def to_account(uow: UnitOfWork, amount: Money, currency: str, on: date) -> tuple[Money, Rate]:
    if amount.currency == currency:
        return amount, identity(currency, on)
    try:
        rate = uow.reference.rate(amount.currency, currency, on)
    except MissingRate as error:
        raise InvalidInput(str(error)) from None
    return bounded_account_amount(rate.convert(amount)), rate


def order_rate(order: Order, account_currency: str) -> Rate:
    """The rate the order was accepted at: amendments and deliveries keep it, so they never
    book an exchange difference."""
    rate = Decimal(order.fx_rate) if order.fx_rate is not None else Decimal(1)
    return Rate(order.amount.currency, account_currency, rate, order.order_date)


def groups_of(uow: UnitOfWork, state: AccountState, on: date, *, lock: bool, company_code: str | None = None) -> Groups:
    """The pools a document of the account moves beside it, each with its rate from the account
    currency: the customer's credit segment in the document's company code (when it has one),
    then the pooled-limit groups above the customer. Locked in that order, after the account."""
    pools = []
    if company_code is not None:
        segment = uow.group_accounts.segment_account(state.customer_id, company_code, lock=lock)
        if segment is not None:
            pools.append(segment)
    if state.group_id is not None:
        pools.extend(uow.group_accounts.groups_over(state.group_id, lock=lock))
    found = []
    for pool in pools:
        rate = identity(state.currency, on) if pool.currency == state.currency else None
        if rate is None:
            try:
                rate = uow.reference.rate(state.currency, pool.currency, on)
            except MissingRate as error:
                raise InvalidInput(f"{pool.kind} {pool.group_id}: {error}") from None
        found.append((pool, rate))
    return found


def known_company_code(uow: UnitOfWork, code: str | None) -> str | None:
    """A document's company code, refused (422) when it is not one of the company codes."""
    if code is not None and uow.reference.company_code(code) is None:
        detail = f"company code {code!r} does not exist (creditdesk company list)"
        raise InvalidInput(detail, [FieldProblem(("body", "company_code"), "UNKNOWN_COMPANY_CODE", detail)])
    return code


def spread(
    state: AccountState,
    kind: EntryKind,
    ref_id: str,
    delta: Delta,
    groups: Groups,
    source: Money | None = None,
    fx_rate: str | None = None,
) -> list[Posting]:
    """The customer's posting and the same movement on every pool beside it (its credit segment,
    the pooled groups above it); refused (422) when it would take any of those balances beyond
    the bound of one balance."""
    _within_bounds(state.totals, delta, f"customer {state.customer_id}")
    postings = [Posting("customer", state.customer_id, kind, ref_id, delta, source, fx_rate)]
    for pool, rate in groups:
        moved = delta.scaled(rate)
        _within_bounds(pool.totals, moved, f"{pool.kind} {pool.group_id}")
        postings.append(Posting(pool.kind, pool.group_id, kind, ref_id, moved, source, str(rate.rate)))
    return postings


def _within_bounds(totals: Totals, delta: Delta, account: str) -> None:
    """Each document is within MAX_MINOR; many of them summed on one account may not be."""
    try:
        totals.moved_by(delta, account)
    except BalanceOutOfRange as error:
        raise InvalidInput(str(error), [FieldProblem(("body", "amount"), "BALANCE_TOO_LARGE", str(error))]) from None


def bounded_account_amount(amount: Money) -> Money:
    """An amount converted into the account currency may pass the bound its own did not."""
    try:
        bounded_minor(amount.minor, amount.currency)
    except AmountTooLarge as error:
        detail = f"in the account currency: {error}"
        raise InvalidInput(detail, [FieldProblem(("body", "amount"), "AMOUNT_TOO_LARGE", detail)]) from None
    return amount


def record(uow: UnitOfWork, customer_id: str, actor: str, change: Change, at: datetime, order: Order | None) -> None:
    """Ledger postings, outbound event and audit record of one command, in its transaction."""
    if change.postings:
        uow.ledger.post(change.postings, at)
    payload = event_payload(customer_id, change.postings, [order_state(order)] if order is not None else [])
    if "codes" in change.audit:
        # A check's reason codes (OVER_LIMIT, OVERDUE, ...): why an order was held, for those
        # who receive the event (docs/events.md); the audit record carries the same list.
        payload["codes"] = list(change.audit["codes"])
    uow.ledger.emit(customer_id, change.event, payload, at)
    uow.audit.append(actor, change.event, "customer", customer_id, {**change.audit, **payload}, stream=customer_id)
