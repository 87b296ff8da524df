"""Orders as reservations: submit, amend, deliver, cancel, reopen, and the expiry sweep.

Each handler is the order aggregate's transition plus what it does to the books, run by the
one command runner (lock, replay, act, store the outcome, commit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TypeVar

from creditdesk.domain.ledger import Delta, EntryKind
from creditdesk.domain.money import Money
from creditdesk.domain.orders import Order, Transition
from creditdesk.service.books import (
    Change,
    bounded_account_amount,
    groups_of,
    known_company_code,
    order_rate,
    record,
    spread,
    to_account,
)
from creditdesk.service.commands import Idempotent, Locked, run
from creditdesk.service.credit_check import decision_record, reserve
from creditdesk.service.errors import Conflict, InvalidInput, NotFound
from creditdesk.service.ports import Clock, Posting, UnitOfWork
from creditdesk.service.results import Amendment, OrderResult, Replayed
from creditdesk.service.segments import may_act_for

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    order_id: str
    customer_id: str
    amount: Money
    actor: str
    order_date: date | None = None
    delivery_date: date | None = None
    valid_until: date | None = None
    company_code: str | None = None  # the selling entity; None: the one company


@dataclass(frozen=True, slots=True)
class AmendOrder:
    amendment_id: str
    order_id: str
    amount: Money
    actor: str


@dataclass(frozen=True, slots=True)
class CancelOrder:
    order_id: str
    actor: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ReopenOrder:
    reopen_id: str
    order_id: str
    actor: str


@dataclass(frozen=True, slots=True)
class DeliverOrder:
    delivery_id: str
    order_id: str
    actor: str
    amount: Money | None = None  # None: everything still reserved


def _positive(amount: Money) -> None:
    if not amount.amount > 0:
        raise InvalidInput(f"the amount must be positive; got {amount.amount}")


def existing_order(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.orders.order(order_id)
    if order is None:
        raise NotFound(f"order {order_id!r} does not exist", code="not_found", values={"what": "order", "id": order_id})
    return order


def run_on_order(
    uow: UnitOfWork,
    clock: Clock,
    order_id: str,
    act: Callable[[Locked, Order], R],
    key: Idempotent | None = None,
) -> R | Replayed:
    """``act`` on the order, re-read under its customer's lock (the first read finds the customer)."""
    return run(
        uow,
        clock,
        lambda u: existing_order(u, order_id).customer_id,
        lambda tx: act(tx, existing_order(tx.uow, order_id)),
        key,
    )


def submit_order(cmd: SubmitOrder, uow: UnitOfWork, clock: Clock) -> OrderResult | Replayed:
    _positive(cmd.amount)
    request = {
        "order_id": cmd.order_id,
        "customer_id": cmd.customer_id,
        "amount": cmd.amount.to_json(),
        "currency": cmd.amount.currency,
        "order_date": cmd.order_date,
        "delivery_date": cmd.delivery_date,
        "valid_until": cmd.valid_until,
    }
    if cmd.company_code is not None:  # stored requests from before company codes stay comparable
        request["company_code"] = cmd.company_code

    def act(tx: Locked) -> OrderResult:
        uow, state, today = tx.uow, tx.state, tx.today
        order_date = cmd.order_date or today
        if cmd.valid_until is not None and cmd.valid_until < max(order_date, today):
            raise InvalidInput(f"valid_until {cmd.valid_until} has passed (order date {order_date}, today {today})")
        longest = uow.reference.check_policy().max_reservation_days
        if cmd.valid_until is not None and (cmd.valid_until - order_date).days > longest:
            raise InvalidInput(
                f"valid_until {cmd.valid_until} is more than {longest} days after the order date {order_date} "
                "(the policy's max_reservation_days)"
            )
        if uow.orders.order(cmd.order_id) is not None:
            raise Conflict(f"order {cmd.order_id!r} already exists (imported or submitted under another route)")
        company_code = known_company_code(uow, cmd.company_code)
        may_act_for(uow, cmd.actor, company_code)
        amount, rate = to_account(uow, cmd.amount, state.currency, order_date)
        fx_rate = str(rate.rate) if rate.base != rate.quote else None
        decision, postings = reserve(
            uow, state, cmd.order_id, amount, today, order_date,
            valid_until=cmd.valid_until, source=cmd.amount, fx_rate=fx_rate, company_code=company_code,
        )  # fmt: skip
        order = Order.reserve(
            cmd.order_id,
            cmd.customer_id,
            order_date,
            cmd.amount,
            amount.minor,
            fx_rate=fx_rate,
            outcome=decision.outcome,
            decision=decision_record(decision),
            submitted_by=cmd.actor,
            delivery_date=cmd.delivery_date,
            valid_until=cmd.valid_until,
            company_code=company_code,
        )
        assert order.reserved == (amount.minor if postings else 0), "an order reserves exactly what was posted"
        uow.orders.add_order(order)
        change = Change(f"order.{decision.outcome.value}", postings, {"codes": decision.codes})
        record(uow, cmd.customer_id, cmd.actor, change, tx.at, order)
        return OrderResult(order, state.currency, order.decision, created=True)

    key = Idempotent(f"order:{cmd.order_id}", request)
    return run(uow, clock, lambda _: cmd.customer_id, act, key)


def amend_order(cmd: AmendOrder, uow: UnitOfWork, clock: Clock) -> OrderResult | Replayed:
    _positive(cmd.amount)
    request = {"order_id": cmd.order_id, "amount": cmd.amount.to_json(), "currency": cmd.amount.currency}

    def act(tx: Locked, order: Order) -> OrderResult:
        uow, state = tx.uow, tx.state
        if cmd.amount.currency != order.amount.currency:
            raise InvalidInput(
                f"an amendment keeps the order currency {order.amount.currency}; got {cmd.amount.currency}"
            )
        order.require(Transition.AMEND)
        new_minor = bounded_account_amount(order_rate(order, state.currency).convert(cmd.amount)).minor
        diff = new_minor - order.account_minor
        change = order.reservation_change(new_minor)
        decision = None
        postings: list[Posting] = []
        if change > 0:
            checked, postings = reserve(
                uow, state, order.order_id, Money.from_minor(change, state.currency), tx.today, order.order_date,
                valid_until=order.valid_until, company_code=order.company_code,
            )  # fmt: skip
            decision = decision_record(checked)
            if not postings:
                refused = Change("order.amendment_refused", [], {"codes": checked.codes, "diff": diff})
                record(uow, order.customer_id, cmd.actor, refused, tx.at, order)
                return OrderResult(order, state.currency, decision, amendment=Amendment.REFUSED)
        elif change < 0:
            groups = groups_of(uow, state, order.order_date, lock=True, company_code=order.company_code)
            postings = spread(state, EntryKind.RELEASE, order.order_id, Delta(reserved=change), groups)
        amended = order.amend(cmd.amount, new_minor, change)
        uow.orders.save_order(amended)
        record(uow, order.customer_id, cmd.actor, Change("order.amended", postings, {"diff": diff}), tx.at, amended)
        return OrderResult(amended, state.currency, decision, amendment=Amendment.APPLIED)

    return run_on_order(uow, clock, cmd.order_id, act, Idempotent(f"amend:{cmd.amendment_id}", request))


def cancel_order(cmd: CancelOrder, uow: UnitOfWork, clock: Clock) -> OrderResult | Replayed:
    def act(tx: Locked, order: Order) -> OrderResult:
        uow, state = tx.uow, tx.state
        cancelled = order.cancel()
        if cancelled is order:  # expired (perhaps by the sweep just now): nothing left to release
            return OrderResult(order, state.currency)
        groups = groups_of(uow, state, order.order_date, lock=True, company_code=order.company_code)
        released = Delta(reserved=-order.reserved)
        postings = spread(state, EntryKind.RELEASE, order.order_id, released, groups) if order.reserved else []
        uow.orders.save_order(cancelled)
        change = Change("order.cancelled", postings, {"reason": cmd.reason})
        record(uow, order.customer_id, cmd.actor, change, tx.at, cancelled)
        return OrderResult(cancelled, state.currency)

    key = Idempotent(f"cancel:{cmd.order_id}", {"order_id": cmd.order_id})
    return run_on_order(uow, clock, cmd.order_id, act, key)


def reopen_order(cmd: ReopenOrder, uow: UnitOfWork, clock: Clock) -> OrderResult | Replayed:
    def act(tx: Locked, order: Order) -> OrderResult:
        uow, state = tx.uow, tx.state
        order.require(Transition.REOPEN)
        amount = Money.from_minor(order.account_minor, state.currency)
        decision, postings = reserve(
            uow, state, order.order_id, amount, tx.today, order.order_date,
            valid_until=None, company_code=order.company_code,
        )  # fmt: skip
        reopened = order.reopen(decision.outcome, decision_record(decision))
        uow.orders.save_order(reopened)
        change = Change(f"order.reopened.{decision.outcome.value}", postings)
        record(uow, order.customer_id, cmd.actor, change, tx.at, reopened)
        return OrderResult(reopened, state.currency, reopened.decision)

    key = Idempotent(f"reopen:{cmd.reopen_id}", {"order_id": cmd.order_id})
    return run_on_order(uow, clock, cmd.order_id, act, key)


def deliver_order(cmd: DeliverOrder, uow: UnitOfWork, clock: Clock) -> OrderResult | Replayed:
    request = {"order_id": cmd.order_id, "amount": cmd.amount.to_json() if cmd.amount else None}

    def act(tx: Locked, order: Order) -> OrderResult:
        uow, state = tx.uow, tx.state
        order.require(Transition.DELIVER)
        minor = None
        if cmd.amount is not None:
            if cmd.amount.currency != order.amount.currency or not cmd.amount.amount > 0:
                raise InvalidInput(f"a delivery is a positive amount in the order currency {order.amount.currency}")
            minor = order_rate(order, state.currency).convert(cmd.amount).minor
        delivered = order.deliver(minor)
        moved = delivered.delivered - order.delivered
        groups = groups_of(uow, state, order.order_date, lock=True, company_code=order.company_code)
        postings = spread(state, EntryKind.DELIVER, order.order_id, Delta(reserved=-moved, delivered=moved), groups)
        uow.orders.save_order(delivered)
        record(uow, order.customer_id, cmd.actor, Change("order.delivered", postings), tx.at, delivered)
        return OrderResult(delivered, state.currency)

    return run_on_order(uow, clock, cmd.order_id, act, Idempotent(f"deliver:{cmd.delivery_id}", request))


def _owner(customer_id: str, _: UnitOfWork) -> str:
    return customer_id


def _nothing(_: Locked) -> None:
    return None


def expire_orders(customer_ids: list[str], uow_factory: Callable[[], UnitOfWork], clock: Clock) -> int:
    """Sweep expired reservations of the given customers, one transaction per customer: locking
    an account expires what is due on it."""
    for customer_id in customer_ids:
        run(uow_factory(), clock, partial(_owner, customer_id), _nothing)
    return len(customer_ids)


def sweep_expired(read_uow: Callable[[], UnitOfWork], uow_factory: Callable[[], UnitOfWork], clock: Clock) -> int:
    """The daily sweep: release the reservations of every account with an order valid before the
    clock's today (``creditdesk orders expire``, the worker's ``expire_orders``); the accounts swept."""
    with read_uow() as uow:
        due = uow.credit_accounts.customers_with_expired_orders(clock.today())
    return expire_orders(due, uow_factory, clock)
