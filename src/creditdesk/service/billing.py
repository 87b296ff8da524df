"""Invoices, payments and disputes: what turns reservations into receivables and receivables into cash."""

from __future__ import annotations

from dataclasses import dataclass, replace

from creditdesk.domain.documents import Invoice, OpenItem, Payment, SettlementKind
from creditdesk.domain.ledger import Delta, EntryKind
from creditdesk.domain.money import MAX_MINOR, Money
from creditdesk.domain.orders import Order
from creditdesk.domain.settlement import settle_payment
from creditdesk.service.books import Change, groups_of, known_company_code, record, spread, to_account
from creditdesk.service.commands import Idempotent, Locked, run
from creditdesk.service.errors import Conflict, InvalidInput, NotFound
from creditdesk.service.ports import Clock, OpenItemRow, Posting, UnitOfWork
from creditdesk.service.results import DisputeResult, InvoiceResult, PaymentResult, Replayed
from creditdesk.service.segments import may_act_for


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
        booked = _booked_invoice(uow, invoice, state.currency)  # in the account currency (docs/currencies.md)
        amount = booked.amount.minor
        code = _invoice_company_code(uow, invoice, cmd.actor)
        booked = replace(booked, company_code=code)
        groups = groups_of(uow, state, invoice.invoice_date, lock=True, company_code=code)
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
            postings = spread(
                state, EntryKind.POST, invoice.invoice_id, delta, groups, booked.doc_amount, booked.fx_rate
            )
            uow.orders.save_order(invoiced)
            order = invoiced
        else:
            receivable = Delta(receivable=amount)
            postings = spread(
                state, EntryKind.POST, invoice.invoice_id, receivable, groups, booked.doc_amount, booked.fx_rate
            )
            consumed = 0
        uow.receivables.add_invoice(booked)
        if not invoice.disputed and invoice.due_date < tx.today:
            uow.credit_accounts.store_overdue(invoice.customer_id, state.overdue + amount, tx.today)
        audit = {"invoice_id": invoice.invoice_id, "amount": invoice.amount.to_json(), "consumed": consumed}
        if booked.fx_rate is not None:
            audit |= {"booked": booked.amount.to_json(), "currency": state.currency, "fx_rate": booked.fx_rate}
        record(uow, invoice.customer_id, cmd.actor, Change("invoice.posted", postings, audit), tx.at, order)
        increase = postings[0].delta.exposure  # the customer's own posting comes first
        return InvoiceResult(
            booked, Money.from_minor(consumed, state.currency), Money.from_minor(increase, state.currency)
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
        return apply_payment(tx, payment, cmd.actor)

    key = Idempotent(f"payment:{payment.payment_id}", request)
    return run(uow, clock, lambda _: payment.customer_id, act, key)


def apply_payment(tx: Locked, payment: Payment, actor: str) -> PaymentResult:
    """Apply a payment (cash, credit note, write-off) on the locked account: allocations, ledger,
    overdue watermark, audit. Also used by a dispute resolved by credit note (service/disputes.py)."""
    uow, state, today = tx.uow, tx.state, tx.today
    if uow.receivables.payment_exists(payment.payment_id):
        raise Conflict(f"payment {payment.payment_id!r} already exists")
    paid = payment  # as paid; ``payment`` from here on in the account currency (docs/currencies.md)
    converted, rate = to_account(uow, paid.amount, state.currency, paid.payment_date)
    if converted.currency != paid.amount.currency:
        payment = replace(paid, amount=converted, doc_amount=paid.amount, fx_rate=str(rate.rate))
    if payment.invoice_id is not None:
        owner = uow.receivables.invoice_customer(payment.invoice_id)
        if owner != payment.customer_id:
            found = "does not exist" if owner is None else f"belongs to customer {owner!r}"
            raise InvalidInput(f"invoice {payment.invoice_id!r} {found}")
    payment = replace(payment, company_code=_payment_company_code(uow, payment, actor))
    # A foreign payment settles items by their document amounts: it may take more than it covers.
    enough = payment.amount.minor if paid is payment else MAX_MINOR
    items = uow.receivables.open_items(payment.customer_id, payment.invoice_id, enough, payment.company_code)
    settlement = settle_payment(paid, converted, rate, [_open_item(i, state.currency) for i in items])
    allocations = settlement.allocations
    applied = sum(a.amount.minor for a in allocations)
    unapplied = settlement.unapplied.minor
    by_id = {i.invoice_id: i for i in items}
    # A payment settles an item's undisputed part first; only that part counts as overdue.
    overdue_paid = sum(
        min(a.amount.minor, by_id[a.invoice_id].undisputed) for a in allocations if by_id[a.invoice_id].due_date < today
    )
    uow.receivables.add_payment(payment, allocations, unapplied)
    if overdue_paid:
        uow.credit_accounts.store_overdue(payment.customer_id, state.overdue - overdue_paid, today)
    groups = groups_of(uow, state, payment.payment_date, lock=True, company_code=payment.company_code)
    delta = Delta(receivable=-applied, unapplied=unapplied)
    postings = spread(state, EntryKind.PAYMENT, payment.payment_id, delta, groups, payment.doc_amount, payment.fx_rate)
    audit = {"payment_id": payment.payment_id, "applied": applied, "unapplied": unapplied}
    if payment.fx_rate is not None:
        audit |= {"paid": paid.amount.to_json(), "currency": paid.amount.currency, "fx_rate": payment.fx_rate}
    if not settlement.difference.is_zero():
        # The realised exchange difference moves no bucket: the ledger keeps it as the entry's source.
        kind, difference = EntryKind.FX_DIFFERENCE, settlement.difference
        fx = Posting("customer", state.customer_id, kind, payment.payment_id, Delta(), difference, payment.fx_rate)
        postings.append(fx)
        audit["fx_difference"] = settlement.difference.to_json()
    record(uow, payment.customer_id, actor, Change("payment.received", postings, audit), tx.at, None)
    return PaymentResult(payment, tuple(allocations), Money.from_minor(unapplied, state.currency))


def _booked_invoice(uow: UnitOfWork, invoice: Invoice, currency: str) -> Invoice:
    """The invoice in the account currency at its date's rate, keeping what was issued."""
    converted, rate = to_account(uow, invoice.amount, currency, invoice.invoice_date)
    if converted.currency == invoice.amount.currency:
        return invoice
    return replace(invoice, amount=converted, doc_amount=invoice.amount, fx_rate=str(rate.rate))


def _open_item(row: OpenItemRow, currency: str) -> OpenItem:
    doc = Money.from_minor(row.doc_open_minor, row.doc_currency) if row.doc_currency and row.doc_open_minor else None
    return OpenItem(row.invoice_id, row.due_date, Money.from_minor(row.open_minor, currency), doc)


def _invoice_company_code(uow: UnitOfWork, invoice: Invoice, actor: str) -> str | None:
    """An invoice of an order is in the order's company code (named again, or left out)."""
    code = known_company_code(uow, invoice.company_code)
    if invoice.order_id is not None:
        order = uow.orders.order(invoice.order_id)
        if order is not None and invoice.company_code is None:
            code = order.company_code
        elif order is not None and order.company_code != code:
            raise InvalidInput(
                f"invoice {invoice.invoice_id!r} names company code {code}, its order {order.order_id!r} "
                f"{order.company_code or 'none'}"
            )
    may_act_for(uow, actor, code)
    return code


def _payment_company_code(uow: UnitOfWork, payment: Payment, actor: str) -> str | None:
    """A payment settles open items of one company code: the one it names, or its invoice's."""
    code = known_company_code(uow, payment.company_code)
    if payment.invoice_id is not None:
        named = uow.receivables.invoice_company_code(payment.invoice_id)
        if payment.company_code is None:
            code = named
        elif named != code:
            raise InvalidInput(
                f"payment {payment.payment_id!r} names company code {code}, its invoice {payment.invoice_id!r} "
                f"{named or 'none'}"
            )
    may_act_for(uow, actor, code)
    return code


def _invoice_owner(uow: UnitOfWork, invoice_id: str) -> str:
    customer_id = uow.receivables.invoice_customer(invoice_id)
    if customer_id is None:
        raise NotFound(
            f"invoice {invoice_id!r} does not exist", code="not_found", values={"what": "invoice", "id": invoice_id}
        )
    return customer_id


def change_disputed(tx: Locked, item: OpenItemRow, disputed_minor: int) -> Locked:
    """Set the part of an invoice under dispute (the sum of its open dispute cases, or the whole
    open amount for a flag) and move the overdue watermark by what leaves or re-enters the
    overdue rules. Returns the locked account as it now stands."""
    if disputed_minor < 0:
        raise InvalidInput(f"a disputed amount cannot be negative; got {disputed_minor}")
    before = item.undisputed
    after = max(0, item.open_minor - disputed_minor)
    tx.uow.receivables.set_disputed_amount(item.invoice_id, disputed_minor)
    if before == after or not (item.open_minor > 0 and item.due_date < tx.today):
        return tx
    # The watermark counts undisputed overdue amounts up to today (set by the lock).
    overdue = tx.state.overdue + after - before
    tx.uow.credit_accounts.store_overdue(tx.state.customer_id, overdue, tx.today)
    return replace(tx, state=replace(tx.state, overdue=overdue))


def flag_dispute(cmd: FlagDispute, uow: UnitOfWork, clock: Clock) -> DisputeResult:
    """Mark an invoice disputed (or settled): a disputed item leaves the overdue rules, not receivables."""
    if not cmd.reason.strip():
        raise InvalidInput("a dispute flag needs a reason")

    def act(tx: Locked) -> DisputeResult:
        uow, state = tx.uow, tx.state
        item = uow.receivables.open_item(cmd.invoice_id)
        assert item is not None
        if item.disputed != cmd.disputed:
            change_disputed(tx, item, item.open_minor if cmd.disputed else 0)
            audit = {"invoice_id": cmd.invoice_id, "disputed": cmd.disputed, "reason": cmd.reason}
            record(uow, state.customer_id, cmd.actor, Change("invoice.dispute", [], audit), tx.at, None)
        return DisputeResult(cmd.invoice_id, state.customer_id, cmd.disputed)

    result = run(uow, clock, lambda u: _invoice_owner(u, cmd.invoice_id), act)
    assert not isinstance(result, Replayed), "a dispute flag has no command id: it is never replayed"
    return result
