"""Invoices, payments and disputes: what turns reservations into receivables and receivables into cash."""

from __future__ import annotations

from dataclasses import dataclass

from creditdesk.domain.documents import Invoice, OpenItem, Payment, SettlementKind, allocate_payment
from creditdesk.domain.ledger import Delta, EntryKind
from creditdesk.domain.money import Money
from creditdesk.domain.orders import Order
from creditdesk.service.books import Change, groups_of, record, spread
from creditdesk.service.commands import Idempotent, Locked, run
from creditdesk.service.errors import Conflict, InvalidInput, NotFound
from creditdesk.service.ports import Clock, UnitOfWork
from creditdesk.service.results import DisputeResult, InvoiceResult, PaymentResult, Replayed


@dataclass(frozen=True, slots=True)
class PostInvoice:
    invoice: Invoice
    actor: str


@dataclass(frozen=True, slots=True)
class ReceivePayment:
    payment: Payment
    actor: str


@dataclass(frozen=True, slots=True)
class FlagDispute:
    invoice_id: str
    disputed: bool
    reason: str
    actor: str


def _positive(amount: Money) -> None:
    if not amount.amount > 0:
        raise InvalidInput(f"the amount must be positive; got {amount.amount}")


def _in_account_currency(what: str, amount: Money, currency: str) -> None:
    if amount.currency != currency:
        raise InvalidInput(f"{what} are in the account currency {currency}; got {amount.currency}")


def post_invoice(cmd: PostInvoice, uow: UnitOfWork, clock: Clock) -> InvoiceResult | Replayed:
    invoice = cmd.invoice
    _positive(invoice.amount)
    if invoice.due_date < invoice.invoice_date:
        raise InvalidInput(f"the due date {invoice.due_date} is before the invoice date {invoice.invoice_date}")
    request = {
        "invoice_id": invoice.invoice_id,
        "customer_id": invoice.customer_id,
        "invoice_date": invoice.invoice_date,
        "due_date": invoice.due_date,
        "amount": invoice.amount.to_json(),
        "currency": invoice.amount.currency,
        "order_id": invoice.order_id,
        "disputed": invoice.disputed,
    }

    def act(tx: Locked) -> InvoiceResult:
        uow, state = tx.uow, tx.state
        if uow.receivables.invoice_customer(invoice.invoice_id) is not None:
            raise Conflict(f"invoice {invoice.invoice_id!r} already exists")
        _in_account_currency("invoices", invoice.amount, state.currency)
        amount = invoice.amount.minor
        groups = groups_of(uow, state, invoice.invoice_date, lock=True)
        order: Order | None = None
        if invoice.order_id is not None:
            order = uow.orders.order(invoice.order_id)
            if order is None or order.customer_id != invoice.customer_id:
                raise InvalidInput(f"order {invoice.order_id!r} is not an order of customer {invoice.customer_id!r}")
            invoiced = order.invoice()
            from_delivered = min(amount, order.delivered)
            consumed = from_delivered + min(amount - from_delivered, order.reserved)
            # Posting consumes the order; whatever it did not post is released (two-phase close).
            delta = Delta(receivable=amount, reserved=-order.reserved, delivered=-order.delivered)
            postings = spread(state, EntryKind.POST, invoice.invoice_id, delta, groups)
            uow.orders.save_order(invoiced)
            order = invoiced
        else:
            postings = spread(state, EntryKind.POST, invoice.invoice_id, Delta(receivable=amount), groups)
            consumed = 0
        uow.receivables.add_invoice(invoice)
        if not invoice.disputed and invoice.due_date < tx.today:
            uow.credit_accounts.store_overdue(invoice.customer_id, state.overdue + amount, tx.today)
        audit = {"invoice_id": invoice.invoice_id, "amount": invoice.amount.to_json(), "consumed": consumed}
        record(uow, invoice.customer_id, cmd.actor, Change("invoice.posted", postings, audit), tx.at, order)
        increase = postings[0].delta.exposure  # the customer's own posting comes first
        return InvoiceResult(
            invoice, Money.from_minor(consumed, state.currency), Money.from_minor(increase, state.currency)
        )

    key = Idempotent(f"invoice:{invoice.invoice_id}", request)
    return run(uow, clock, lambda _: invoice.customer_id, act, key)


def receive_payment(cmd: ReceivePayment, uow: UnitOfWork, clock: Clock) -> PaymentResult | Replayed:
    payment = cmd.payment
    _positive(payment.amount)
    request = {
        "payment_id": payment.payment_id,
        "customer_id": payment.customer_id,
        "payment_date": payment.payment_date,
        "amount": payment.amount.to_json(),
        "currency": payment.amount.currency,
        "invoice_id": payment.invoice_id,
    }
    if payment.kind is not SettlementKind.PAYMENT:  # stored requests from before kinds stay comparable
        request["kind"] = payment.kind.value

    def act(tx: Locked) -> PaymentResult:
        uow, state, today = tx.uow, tx.state, tx.today
        if uow.receivables.payment_exists(payment.payment_id):
            raise Conflict(f"payment {payment.payment_id!r} already exists")
        _in_account_currency("payments", payment.amount, state.currency)
        if payment.invoice_id is not None:
            owner = uow.receivables.invoice_customer(payment.invoice_id)
            if owner != payment.customer_id:
                found = "does not exist" if owner is None else f"belongs to customer {owner!r}"
                raise InvalidInput(f"invoice {payment.invoice_id!r} {found}")
        items = uow.receivables.open_items(payment.customer_id, payment.invoice_id, payment.amount.minor)
        allocations = allocate_payment(
            payment, [OpenItem(i.invoice_id, i.due_date, Money.from_minor(i.open_minor, state.currency)) for i in items]
        )
        applied = sum(a.amount.minor for a in allocations)
        unapplied = payment.amount.minor - applied
        by_id = {i.invoice_id: i for i in items}
        overdue_paid = sum(
            a.amount.minor
            for a in allocations
            if by_id[a.invoice_id].due_date < today and not by_id[a.invoice_id].disputed
        )
        uow.receivables.add_payment(payment, allocations, unapplied)
        if overdue_paid:
            uow.credit_accounts.store_overdue(payment.customer_id, state.overdue - overdue_paid, today)
        groups = groups_of(uow, state, payment.payment_date, lock=True)
        delta = Delta(receivable=-applied, unapplied=unapplied)
        postings = spread(state, EntryKind.PAYMENT, payment.payment_id, delta, groups)
        audit = {"payment_id": payment.payment_id, "applied": applied, "unapplied": unapplied}
        record(uow, payment.customer_id, cmd.actor, Change("payment.received", postings, audit), tx.at, None)
        return PaymentResult(payment, tuple(allocations), Money.from_minor(unapplied, state.currency))

    key = Idempotent(f"payment:{payment.payment_id}", request)
    return run(uow, clock, lambda _: payment.customer_id, act, key)


def _invoice_owner(uow: UnitOfWork, invoice_id: str) -> str:
    customer_id = uow.receivables.invoice_customer(invoice_id)
    if customer_id is None:
        raise NotFound(f"invoice {invoice_id!r} does not exist")
    return customer_id


def flag_dispute(cmd: FlagDispute, uow: UnitOfWork, clock: Clock) -> DisputeResult:
    """Mark an invoice disputed (or settled): a disputed item leaves the overdue rules, not receivables."""
    if not cmd.reason.strip():
        raise InvalidInput("a dispute flag needs a reason")

    def act(tx: Locked) -> DisputeResult:
        uow, state, today = tx.uow, tx.state, tx.today
        item = uow.receivables.open_item(cmd.invoice_id)
        assert item is not None
        if item.disputed != cmd.disputed:
            uow.receivables.set_disputed(cmd.invoice_id, cmd.disputed)
            if item.open_minor > 0 and item.due_date < today:
                # The watermark counts undisputed overdue items up to today (set by the lock).
                change = -item.open_minor if cmd.disputed else item.open_minor
                uow.credit_accounts.store_overdue(state.customer_id, state.overdue + change, today)
            audit = {"invoice_id": cmd.invoice_id, "disputed": cmd.disputed, "reason": cmd.reason}
            record(uow, state.customer_id, cmd.actor, Change("invoice.dispute", [], audit), tx.at, None)
        return DisputeResult(cmd.invoice_id, state.customer_id, cmd.disputed)

    result = run(uow, clock, lambda u: _invoice_owner(u, cmd.invoice_id), act)
    assert not isinstance(result, Replayed), "a dispute flag has no command id: it is never replayed"
    return result
