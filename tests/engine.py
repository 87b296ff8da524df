"""A thin driver of the credit engine for tests: commands with defaults, and state probes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.reconcile import ReconcileReport, ledger_state, outbox_events, reconcile
from creditdesk.bootstrap import Services
from creditdesk.domain.customers import Customer
from creditdesk.domain.documents import Invoice, Payment
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service import credit
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.events import Event, canonical_state, project


class Driver:
    def __init__(self, services: Services, currency: str = "EUR") -> None:
        self.services = services
        self.ccy = currency

    @property
    def clock(self) -> FixedClock:
        clock = self.services.clock
        assert isinstance(clock, FixedClock)
        return clock

    def money(self, amount: str, currency: str | None = None) -> Money:
        return Money.of(amount, currency or self.ccy)

    def customer(self, customer_id: str, limit: str, *, group_id: str | None = None, segment: str = "standard") -> None:
        customer = Customer(customer_id, customer_id, self.ccy, segment=segment, group_id=group_id)
        register_customer(
            RegisterCustomer(customer, self.money(limit), "tester", Role.ADMIN), self.services.uow(), self.clock
        )

    def order(self, order_id: str, customer_id: str, amount: str, **extra: Any) -> credit.Result:
        currency = extra.pop("currency", None)
        cmd = credit.SubmitOrder(
            order_id, customer_id, self.money(amount, currency), extra.pop("actor", "sales1"), **extra
        )
        return credit.submit_order(cmd, self.services.uow(), self.clock)

    def amend(self, amendment_id: str, order_id: str, amount: str) -> credit.Result:
        cmd = credit.AmendOrder(amendment_id, order_id, self.money(amount), "sales1")
        return credit.amend_order(cmd, self.services.uow(), self.clock)

    def cancel(self, order_id: str) -> credit.Result:
        return credit.cancel_order(credit.CancelOrder(order_id, "sales1"), self.services.uow(), self.clock)

    def deliver(self, delivery_id: str, order_id: str, amount: str | None = None) -> credit.Result:
        cmd = credit.DeliverOrder(delivery_id, order_id, "warehouse", self.money(amount) if amount else None)
        return credit.deliver_order(cmd, self.services.uow(), self.clock)

    def invoice(
        self, invoice_id: str, customer_id: str, amount: str, *, order_id: str | None = None, days: int = 30, **kw: Any
    ) -> credit.Result:
        today = self.clock.today()
        invoice = Invoice(
            invoice_id, customer_id, today, today + timedelta(days=days), self.money(amount), order_id, **kw
        )
        return credit.post_invoice(credit.PostInvoice(invoice, "billing"), self.services.uow(), self.clock)

    def pay(self, payment_id: str, customer_id: str, amount: str, invoice_id: str | None = None) -> credit.Result:
        payment = Payment(payment_id, customer_id, self.clock.today(), self.money(amount), invoice_id)
        return credit.receive_payment(credit.ReceivePayment(payment, "cash"), self.services.uow(), self.clock)

    def resolve(self, order_id: str, actor: str, role: Role, *, release: bool = True) -> credit.Result:
        cmd = credit.ResolveOrder(order_id, actor, role, "checked with sales", release)
        return credit.resolve_order(cmd, self.services.uow(), self.clock)

    def move(self, days: int) -> date:
        self.clock.at += timedelta(days=days)
        return self.clock.today()

    # probes ------------------------------------------------------------------------------
    def totals(self, account: str) -> dict[str, int]:
        with self.services.engine.connect() as conn:
            state = ledger_state(conn)
        found: dict[str, int] = state["accounts"].get(account, {})
        return found

    def order_row(self, order_id: str) -> dict[str, Any]:
        with self.services.engine.connect() as conn:
            row = conn.execute(select(t.orders).where(t.orders.c.order_id == order_id)).mappings().one()
        return dict(row)

    def reconcile(self) -> ReconcileReport:
        with self.services.engine.connect() as conn:
            return reconcile(conn)

    def events(self) -> list[Event]:
        with self.services.engine.connect() as conn:
            return outbox_events(conn)

    def state_bytes(self) -> bytes:
        with self.services.engine.connect() as conn:
            return canonical_state(ledger_state(conn))

    def replay_bytes(self, events: list[Event]) -> bytes:
        return canonical_state(project(events))
