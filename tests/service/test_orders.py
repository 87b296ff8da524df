"""The credit engine's use cases on fakes: orders, held orders, invoices, payments, disputes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditdesk.adapters.clock import FixedClock
from creditdesk.domain.documents import Invoice, Payment
from creditdesk.domain.money import Money
from creditdesk.domain.orders import OrderStatus
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.api.orders import respond
from creditdesk.entrypoints.presenters import Answer, answer
from creditdesk.service.billing import FlagDispute, PostInvoice, ReceivePayment, flag_dispute, post_invoice
from creditdesk.service.billing import receive_payment as pay
from creditdesk.service.commands import Idempotent
from creditdesk.service.credit_check import what_if
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.held_orders import ResolveOrder, resolve_order
from creditdesk.service.orders import (
    AmendOrder,
    CancelOrder,
    DeliverOrder,
    ReopenOrder,
    SubmitOrder,
    amend_order,
    cancel_order,
    deliver_order,
    expire_orders,
    reopen_order,
    submit_order,
)
from creditdesk.service.ports import StoredOutcome
from creditdesk.service.results import Amendment, InvoiceResult, OrderResult, PaymentResult, Replayed
from tests.fakes import Books, FakeUnitOfWork


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


class Desk:
    """Runs each command in its own unit of work, as the entrypoints do."""

    def __init__(self, books: Books, clock: FixedClock) -> None:
        self.books, self.clock = books, clock

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.books)

    def order(self, order_id: str, amount: str, valid_until: date | None = None) -> OrderResult:
        cmd = SubmitOrder(order_id, "C1", eur(amount), "sales1", valid_until=valid_until)
        return _order(submit_order(cmd, self.uow(), self.clock))

    def amend(self, amendment_id: str, order_id: str, amount: str) -> OrderResult:
        return _order(amend_order(AmendOrder(amendment_id, order_id, eur(amount), "sales1"), self.uow(), self.clock))

    def cancel(self, order_id: str) -> OrderResult:
        return _order(cancel_order(CancelOrder(order_id, "sales1"), self.uow(), self.clock))

    def deliver(self, delivery_id: str, order_id: str, amount: str | None = None) -> OrderResult:
        cmd = DeliverOrder(delivery_id, order_id, "warehouse", eur(amount) if amount else None)
        return _order(deliver_order(cmd, self.uow(), self.clock))

    def invoice(
        self, invoice_id: str, amount: str, order_id: str | None = None, days: int = 30, dated: int = 0
    ) -> InvoiceResult:
        on = self.clock.today() - timedelta(days=dated)
        invoice = Invoice(invoice_id, "C1", on, on + timedelta(days=days), eur(amount), order_id)
        result = post_invoice(PostInvoice(invoice, "billing"), self.uow(), self.clock)
        assert isinstance(result, InvoiceResult)
        return result

    def pay(self, payment_id: str, amount: str) -> PaymentResult:
        payment = Payment(payment_id, "C1", self.clock.today(), eur(amount))
        result = pay(ReceivePayment(payment, "cash"), self.uow(), self.clock)
        assert isinstance(result, PaymentResult)
        return result

    def resolve(self, order_id: str, actor: str, role: Role, *, release: bool = True) -> OrderResult:
        return resolve_order(ResolveOrder(order_id, actor, role, "checked", release), self.uow(), self.clock)

    def totals(self) -> tuple[int, int, int, int]:
        t = self.books.accounts["C1"].totals
        return t.receivable, t.reserved, t.delivered, t.unapplied


def _order(result: object) -> OrderResult:
    assert isinstance(result, OrderResult)
    return result


@pytest.fixture
def desk(books: Books, clock: FixedClock) -> Desk:
    books.open_account("C1", "1000.00")
    return Desk(books, clock)


def test_an_approved_order_reserves_and_a_retry_gets_the_same_outcome(desk: Desk) -> None:
    first = desk.order("O1", "600")
    assert first.created and first.order.status is OrderStatus.OPEN and first.order.reserved == 60_000
    assert desk.totals() == (0, 60_000, 0, 0)
    again = desk.order("O1", "600")
    assert again.replayed  # the first run's receipt: created, with its order and decision
    assert (again.order, again.decision, again.currency) == (first.order, first.decision, first.currency)
    assert desk.totals() == (0, 60_000, 0, 0)  # reserved once
    with pytest.raises(Conflict, match="different request"):
        desk.order("O1", "601")


def test_an_order_over_the_limit_is_held_and_reserves_nothing(desk: Desk) -> None:
    desk.order("O1", "800")
    held = desk.order("O2", "300")
    assert held.order.status is OrderStatus.BLOCKED and held.order.reserved == 0
    assert held.decision is not None and [r["code"] for r in held.decision["reasons"]] == ["OVER_LIMIT"]
    assert desk.totals() == (0, 80_000, 0, 0)
    assert [o.order_id for o in desk.books.orders.values() if o.is_held] == ["O2"]


def test_amendments_reserve_the_increase_only_when_it_fits(desk: Desk) -> None:
    desk.order("O1", "500")
    assert desk.amend("A1", "O1", "900").amendment is Amendment.APPLIED
    refused = desk.amend("A2", "O1", "1100")
    assert refused.amendment is Amendment.REFUSED and refused.order.account_minor == 90_000
    assert desk.amend("A3", "O1", "200").order.reserved == 20_000
    assert desk.totals() == (0, 20_000, 0, 0)


def test_delivery_then_invoice_consumes_the_order_and_a_payment_lowers_receivables(desk: Desk) -> None:
    desk.order("O1", "500")
    assert desk.deliver("D1", "O1", "200").order.delivered == 20_000
    with pytest.raises(Conflict, match="exceeds what order 'O1' still reserves"):
        desk.deliver("D2", "O1", "301")
    posted = desk.invoice("I1", "450", order_id="O1")
    assert posted.consumed == eur("450") and desk.books.orders["O1"].status is OrderStatus.INVOICED
    assert desk.totals() == (45_000, 0, 0, 0)  # the unposted 50.00 is released (two-phase close)
    paid = desk.pay("P1", "500")
    assert [(a.invoice_id, a.amount) for a in paid.allocations] == [("I1", eur("450"))]
    assert paid.unapplied == eur("50") and desk.totals() == (0, 0, 0, 5_000)
    with pytest.raises(Conflict, match="only open orders are invoiced"):
        desk.invoice("I2", "10", order_id="O1")


def test_cancel_releases_once_and_a_cancelled_order_reopens(desk: Desk) -> None:
    desk.order("O1", "500")
    assert desk.cancel("O1").order.status is OrderStatus.CANCELLED
    assert desk.cancel("O1").replayed and desk.totals() == (0, 0, 0, 0)
    with pytest.raises(Conflict, match="only open orders are delivered"):
        desk.deliver("D1", "O1")
    reopened = _order(reopen_order(ReopenOrder("R1", "O1", "sales1"), desk.uow(), desk.clock))
    assert reopened.order.status is OrderStatus.OPEN and desk.totals() == (0, 50_000, 0, 0)


def test_an_expired_reservation_is_swept_and_cancelling_it_changes_nothing(desk: Desk) -> None:
    today = desk.clock.today()
    desk.order("O1", "500", valid_until=today + timedelta(days=5))
    desk.clock.at += timedelta(days=6)
    assert expire_orders(["C1"], desk.uow, desk.clock) == 1
    assert desk.books.orders["O1"].status is OrderStatus.EXPIRED and desk.totals() == (0, 0, 0, 0)
    assert "order.expired" in [event for _, event, _ in desk.books.events]
    events = len(desk.books.events)
    assert desk.cancel("O1").order.status is OrderStatus.EXPIRED
    assert len(desk.books.events) == events  # nothing recorded


def test_a_release_beyond_authority_needs_a_second_person(desk: Desk) -> None:
    desk.order("O1", "900")
    desk.order("O2", "500")  # blocked: over the limit
    with pytest.raises(Forbidden, match="submitted"):
        desk.resolve("O2", "sales1", Role.MANAGER)
    asked = desk.resolve("O2", "ann", Role.ANALYST)
    assert asked.awaiting_approval and asked.order.status is OrderStatus.RELEASE_PENDING
    with pytest.raises(Forbidden, match="second approver"):
        desk.resolve("O2", "ann", Role.MANAGER)
    released = desk.resolve("O2", "mia", Role.MANAGER)
    assert released.order.status is OrderStatus.OPEN and released.order.resolution is not None
    assert released.order.resolution["override"] == ["OVER_LIMIT"]
    assert desk.totals() == (0, 140_000, 0, 0)  # a documented override: over the limit on purpose
    with pytest.raises(Conflict, match="only blocked or review orders are resolved"):
        desk.resolve("O2", "mia", Role.MANAGER, release=False)


def test_a_rejected_order_stays_rejected(desk: Desk) -> None:
    desk.order("O1", "1500")
    assert desk.resolve("O1", "mia", Role.MANAGER, release=False).order.status is OrderStatus.REJECTED
    with pytest.raises(Conflict, match="only cancelled or expired orders reopen"):
        reopen_order(ReopenOrder("R1", "O1", "sales1"), desk.uow(), desk.clock)


def test_a_refused_command_leaves_the_books_as_they_were(desk: Desk) -> None:
    desk.order("O1", "500")
    before = (desk.totals(), len(desk.books.events), dict(desk.books.outcomes))
    with pytest.raises(InvalidInput, match="keeps the order currency"):
        amend_order(AmendOrder("A1", "O1", Money.of("1", "USD"), "sales1"), desk.uow(), desk.clock)
    # Another currency is converted at the invoice date's rate (docs/currencies.md); none here.
    with pytest.raises(InvalidInput, match="no exchange rate from USD to EUR on or before 2026-03-01"):
        desk.books.accounts["C1"].currency = "EUR"
        post_invoice(
            PostInvoice(Invoice("I1", "C1", date(2026, 3, 1), date(2026, 4, 1), Money.of("5", "USD")), "b"),
            desk.uow(),
            desk.clock,
        )
    with pytest.raises(NotFound):
        desk.cancel("NOPE")
    assert (desk.totals(), len(desk.books.events), dict(desk.books.outcomes)) == before


def test_a_disputed_overdue_item_leaves_the_overdue_rules(desk: Desk) -> None:
    desk.invoice("I1", "100", days=30, dated=100)  # due 70 days ago
    assert what_if("C1", eur("10"), desk.uow(), desk.clock).codes == ["OVERDUE", "OVERDUE_SHARE"]
    flagged = flag_dispute(FlagDispute("I1", True, "goods damaged", "analyst1"), desk.uow(), desk.clock)
    assert flagged.disputed and what_if("C1", eur("10"), desk.uow(), desk.clock).codes == []


def test_a_replay_answers_byte_for_byte_as_the_first_run(desk: Desk) -> None:
    first = respond(desk.order("O1", "1500"))  # blocked: its decision and reasons are in the body
    again = respond(desk.order("O1", "1500"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.body == again.body


def test_an_outcome_stored_before_receipts_is_answered_as_it_was(desk: Desk) -> None:
    cmd = SubmitOrder("O1", "C1", eur("10"), "sales1")
    old = {"order_id": "O1", "status": "open", "decision": "approved"}  # an answer body, as stored then
    key = Idempotent("order:O1", _request_of(cmd))
    desk.books.outcomes[key.command_id] = StoredOutcome(key.hash(), old)
    assert submit_order(cmd, desk.uow(), desk.clock) == Replayed(old)
    assert answer(Replayed(old)) == Answer(200, old, replayed=True)


def _request_of(cmd: SubmitOrder) -> dict[str, object]:
    return {
        "order_id": cmd.order_id,
        "customer_id": cmd.customer_id,
        "amount": cmd.amount.to_json(),
        "currency": cmd.amount.currency,
        "order_date": None,
        "delivery_date": None,
        "valid_until": None,
    }
