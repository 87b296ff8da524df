"""A thin driver of the credit engine for tests: commands with defaults, and state probes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import select

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.reconcile import ReconcileReport, ledger_state, outbox_events, reconcile
from creditdesk.bootstrap import Services
from creditdesk.domain.customers import Customer
from creditdesk.domain.documents import Invoice, Payment
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.presenters import Answer, Outcome, answer
from creditdesk.service import billing, held_orders, orders
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.events import Event, canonical_state, project
from creditdesk.service.ports import Clock, UnitOfWork

C = TypeVar("C")


class Driver:
    def __init__(self, services: Services, currency: str = "EUR") -> None:
        self.services = services
        self.ccy = currency

    @property
    def clock(self) -> FixedClock:
        clock = self.services.clock
        assert isinstance(clock, FixedClock)
        return clock

    def _run(self, handler: Callable[[C, UnitOfWork, Clock], Outcome], cmd: C) -> Answer:
        """Run a command and answer it as the API would (status and body)."""
        return answer(handler(cmd, self.services.uow(), self.clock))

    def money(self, amount: str, currency: str | None = None) -> Money:
        return Money.of(amount, currency or self.ccy)

    def customer(self, customer_id: str, limit: str, *, group_id: str | None = None, segment: str = "standard") -> None:
        customer = Customer(customer_id, customer_id, self.ccy, segment=segment, group_id=group_id)
        register_customer(
            RegisterCustomer(customer, self.money(limit), "tester", Role.ADMIN), self.services.uow(), self.clock
        )

    def order(self, order_id: str, customer_id: str, amount: str, **extra: Any) -> Answer:
        currency = extra.pop("currency", None)
        cmd = orders.SubmitOrder(
            order_id, customer_id, self.money(amount, currency), extra.pop("actor", "sales1"), **extra
        )
        return self._run(orders.submit_order, cmd)

    def amend(self, amendment_id: str, order_id: str, amount: str) -> Answer:
        cmd = orders.AmendOrder(amendment_id, order_id, self.money(amount), "sales1")
        return self._run(orders.amend_order, cmd)

    def cancel(self, order_id: str) -> Answer:
        return self._run(orders.cancel_order, orders.CancelOrder(order_id, "sales1"))

    def deliver(self, delivery_id: str, order_id: str, amount: str | None = None) -> Answer:
        cmd = orders.DeliverOrder(delivery_id, order_id, "warehouse", self.money(amount) if amount else None)
        return self._run(orders.deliver_order, cmd)

    def invoice(
        self, invoice_id: str, customer_id: str, amount: str, *, order_id: str | None = None, days: int = 30, **kw: Any
    ) -> Answer:
        today = self.clock.today()
        invoice = Invoice(
            invoice_id, customer_id, today, today + timedelta(days=days), self.money(amount), order_id, **kw
        )
        return self._run(billing.post_invoice, billing.PostInvoice(invoice, "billing"))

    def pay(self, payment_id: str, customer_id: str, amount: str, invoice_id: str | None = None) -> Answer:
        payment = Payment(payment_id, customer_id, self.clock.today(), self.money(amount), invoice_id)
        return self._run(billing.receive_payment, billing.ReceivePayment(payment, "cash"))

    def resolve(self, order_id: str, actor: str, role: Role, *, release: bool = True) -> Answer:
        cmd = held_orders.ResolveOrder(order_id, actor, role, "checked with sales", release)
        return self._run(held_orders.resolve_order, cmd)

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
