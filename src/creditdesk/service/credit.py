"""The credit engine: orders, deliveries, invoices, payments, releases, with one write path.

Every command locks the customer's credit account (and the pooled-limit groups above it)
before it reads anything it decides on, and writes its ledger postings, the order's state,
the audit record, the outbound event and its idempotency record in that one transaction.
Everything that raises exposure on our own decision (a new order, an upward amendment, a
release from a block, a reopened order) goes through ``_reserve``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from creditdesk.domain.decisions import Decision, Outcome, ReasonCode
from creditdesk.domain.documents import Invoice, OpenItem, OrderStatus, Payment, SettlementKind, allocate_payment
from creditdesk.domain.fx import MissingRate, Rate, identity
from creditdesk.domain.ledger import BalanceOutOfRange, Delta, EntryKind, Totals
from creditdesk.domain.money import AmountTooLarge, Money, bounded_minor
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.domain.rules import CheckInputs, GroupPosition, evaluate
from creditdesk.service.auth import refuse_non_person
from creditdesk.service.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.events import event_payload, order_state
from creditdesk.service.ports import (
    AccountState,
    Clock,
    GroupAccountState,
    OrderRecord,
    Posting,
    UnitOfWork,
)

# --- commands ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    order_id: str
    customer_id: str
    amount: Money
    actor: str
    order_date: date | None = None
    delivery_date: date | None = None
    valid_until: date | None = None


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


@dataclass(frozen=True, slots=True)
class PostInvoice:
    invoice: Invoice
    actor: str


@dataclass(frozen=True, slots=True)
class ReceivePayment:
    payment: Payment
    actor: str


@dataclass(frozen=True, slots=True)
class ResolveOrder:
    """A credit controller's release or rejection of a held order, with the reason for it."""

    order_id: str
    actor: str
    role: Role
    comment: str
    release: bool = True


@dataclass(frozen=True, slots=True)
class Result:
    status: int  # 201 created, 200 done or replayed
    body: dict[str, Any]
    replayed: bool = False


@dataclass
class _Change:
    """What one command does to the books, written together by ``_record``."""

    event: str
    postings: list[Posting] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)


HELD = (OrderStatus.BLOCKED.value, OrderStatus.REVIEW.value, OrderStatus.RELEASE_PENDING.value)


# --- idempotency ---------------------------------------------------------------------------


def request_hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def _replayed(uow: UnitOfWork, command_id: str, request: dict[str, Any]) -> Result | None:
    stored = uow.credit.outcome(command_id)
    if stored is None:
        return None
    if stored.request_hash != request_hash(request):
        raise Conflict(f"{command_id} was already used with a different request")
    return Result(200, stored.body, replayed=True)


def _finish(uow: UnitOfWork, command_id: str, request: dict[str, Any], result: Result) -> Result:
    uow.credit.save_outcome(command_id, request_hash(request), result.status, result.body)
    uow.commit()
    return result


# --- reading and locking -------------------------------------------------------------------


def _lock(uow: UnitOfWork, customer_id: str, today: date, at: datetime) -> AccountState:
    """Lock the account (SQLite: the writer lock; PostgreSQL: the row) and bring it up to today."""
    state = uow.credit.account(customer_id, today, lock=True)
    if state is None:
        raise NotFound(f"customer {customer_id!r} does not exist")
    if not state.overdue_is_stored:
        uow.credit.store_overdue(customer_id, state.overdue, today)
    if state.next_expiry is not None and state.next_expiry < today:
        _expire(uow, state, today, at)
        refreshed = uow.credit.account(customer_id, today, lock=True)
        assert refreshed is not None
        state = refreshed
    return state


def _to_account(uow: UnitOfWork, amount: Money, currency: str, on: date) -> tuple[Money, Rate]:
    if amount.currency == currency:
        return amount, identity(currency, on)
    try:
        rate = uow.credit.rate(amount.currency, currency, on)
    except MissingRate as error:
        raise InvalidInput(str(error)) from None
    return _bounded_account_amount(rate.convert(amount)), rate


def _groups(uow: UnitOfWork, state: AccountState, on: date, *, lock: bool) -> list[tuple[GroupAccountState, Rate]]:
    if state.group_id is None:
        return []
    found = []
    for group in uow.credit.groups_over(state.group_id, lock=lock):
        rate = identity(state.currency, on) if group.currency == state.currency else None
        if rate is None:
            try:
                rate = uow.credit.rate(state.currency, group.currency, on)
            except MissingRate as error:
                raise InvalidInput(f"group {group.group_id}: {error}") from None
        found.append((group, rate))
    return found


def decide(
    uow: UnitOfWork, state: AccountState, amount: Money, today: date, groups: list[tuple[GroupAccountState, Rate]]
) -> Decision:
    policy = uow.credit.check_policy()
    rules = policy.rules_for(state.segment, state.risk_class)
    beyond = 0
    if rules.horizon_days is not None:
        beyond = uow.credit.reserved_beyond(state.customer_id, today + timedelta(days=rules.horizon_days))
    inputs = CheckInputs(
        customer_id=state.customer_id,
        currency=state.currency,
        segment=state.segment,
        risk_class=state.risk_class,
        status=state.status,
        limit=state.limit,
        totals=state.totals,
        limit_valid_to=state.limit_valid_to,
        next_review_on=state.next_review_on,
        oldest_open_due=state.oldest_open_due,
        overdue=state.overdue,
        dunning_level=state.dunning_level,
        dunning_since=state.dunning_since,
        reserved_beyond_horizon=beyond,
        groups=tuple(
            GroupPosition(group.group_id, group.currency, group.limit, group.totals.exposure, rate)
            for group, rate in groups
        ),
    )
    return evaluate(rules, inputs, amount, today, policy.version)


def _spread(
    state: AccountState,
    kind: EntryKind,
    ref_id: str,
    delta: Delta,
    groups: list[tuple[GroupAccountState, Rate]],
    source: Money | None = None,
    fx_rate: str | None = None,
) -> list[Posting]:
    """The customer's posting and the same movement on every pooled group above it; refused
    (422) when it would take any of those balances beyond the bound of one balance."""
    _within_bounds(state.totals, delta, f"customer {state.customer_id}")
    postings = [Posting("customer", state.customer_id, kind, ref_id, delta, source, fx_rate)]
    for group, rate in groups:
        moved = delta.scaled(rate)
        _within_bounds(group.totals, moved, f"group {group.group_id}")
        postings.append(Posting("group", group.group_id, kind, ref_id, moved, source, str(rate.rate)))
    return postings


def _within_bounds(totals: Totals, delta: Delta, account: str) -> None:
    """Each document is within MAX_MINOR; many of them summed on one account may not be."""
    try:
        totals.moved_by(delta, account)
    except BalanceOutOfRange as error:
        raise InvalidInput(str(error), [FieldProblem(("body", "amount"), "BALANCE_TOO_LARGE", str(error))]) from None


def _bounded_account_amount(amount: Money) -> Money:
    """An amount converted into the account currency may pass the bound its own did not."""
    try:
        bounded_minor(amount.minor, amount.currency)
    except AmountTooLarge as error:
        detail = f"in the account currency: {error}"
        raise InvalidInput(detail, [FieldProblem(("body", "amount"), "AMOUNT_TOO_LARGE", detail)]) from None
    return amount


def _record(
    uow: UnitOfWork, customer_id: str, actor: str, change: _Change, at: datetime, order: OrderRecord | None
) -> None:
    """Ledger postings, outbound event and audit record of one command, in its transaction."""
    if change.postings:
        uow.credit.post(change.postings, at)
    payload = event_payload(customer_id, change.postings, [order_state(order)] if order is not None else [])
    uow.credit.emit(customer_id, change.event, payload, at)
    uow.audit.append(actor, change.event, "customer", customer_id, {**change.audit, **payload}, stream=customer_id)


# --- the reservation function --------------------------------------------------------------


def _reserve(
    uow: UnitOfWork,
    state: AccountState,
    ref_id: str,
    amount: Money,
    today: date,
    order_date: date,
    *,
    valid_until: date | None,
    override: bool = False,
    source: Money | None = None,
    fx_rate: str | None = None,
) -> tuple[Decision, list[Posting]]:
    """Check ``amount`` (account currency) against the locked account; postings when it fits.

    ``override`` is a documented release by someone with the authority to accept what the
    rules refused: the postings are made although the decision stays as the rules gave it.
    A reservation for an order valid until a date makes sure the sweep will find it then.
    """
    if valid_until is not None and valid_until < today:
        raise Conflict(f"the order was valid until {valid_until}; submit a new order")
    groups = _groups(uow, state, order_date, lock=True)
    decision = decide(uow, state, amount, today, groups)
    if decision.outcome is not Outcome.APPROVED and not override:
        return decision, []
    # Invariant: without an override, a reservation always fits what the rules allow.
    assert override or amount.minor <= decision.approvable.minor, "an approved reservation fits its limit"
    if valid_until is not None and (state.next_expiry is None or valid_until < state.next_expiry):
        uow.credit.set_next_expiry(state.customer_id, valid_until)
    delta = Delta(reserved=amount.minor)
    return decision, _spread(state, EntryKind.RESERVE, ref_id, delta, groups, source, fx_rate)


def decision_body(decision: Decision) -> dict[str, Any]:
    return {
        "decision": decision.outcome.value,
        "reasons": [
            {"code": r.code.value, "reaction": r.reaction.value, "message": r.text("en"), "message_zh": r.text("zh")}
            for r in decision.reasons
        ],
        "currency": decision.limit.currency,
        "limit": decision.limit.to_json(),
        "exposure": {
            "receivables": decision.receivable.to_json(),
            "orders": decision.reserved.to_json(),
            "delivered": decision.delivered.to_json(),
            "total": decision.exposure.to_json(),
        },
        "available": decision.available_before.to_json(),
        "available_after": decision.available_after.to_json(),
        "approvable_up_to": decision.approvable.to_json(),
        "policy_version": decision.policy_version,
    }


def order_body(order: OrderRecord, currency: str, decision: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "status": order.status,
        "amount": order.amount.to_json(),
        "order_currency": order.amount.currency,
        "account_amount": Money.from_minor(order.account_minor, currency).to_json(),
        "fx_rate": order.fx_rate,
        "reserved": Money.from_minor(order.reserved, currency).to_json(),
        "delivered": Money.from_minor(order.delivered, currency).to_json(),
    }
    if decision is not None:
        body.update(decision)
    if order.resolution is not None:
        body["resolution"] = order.resolution
    return body


def held_order_summary(order: OrderRecord) -> dict[str, Any]:
    """One line of the held-orders worklist: what is held, why, and who asked to release it."""
    decision = order.decision or {}
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "order_date": order.order_date.isoformat(),
        "amount": order.amount.to_json(),
        "currency": order.amount.currency,
        "status": order.status,
        "submitted_by": order.submitted_by,
        "reasons": decision.get("reasons", []),
        "approvable_up_to": decision.get("approvable_up_to"),
        "release_requested_by": (order.resolution or {}).get("requested_by"),
    }


def _status_for(outcome: Outcome) -> str:
    return {
        Outcome.APPROVED: OrderStatus.OPEN.value,
        Outcome.BLOCKED: OrderStatus.BLOCKED.value,
        Outcome.REVIEW: OrderStatus.REVIEW.value,
    }[outcome]


# --- orders --------------------------------------------------------------------------------


def submit_order(cmd: SubmitOrder, uow: UnitOfWork, clock: Clock) -> Result:
    if not cmd.amount.amount > 0:
        raise InvalidInput(f"the amount must be positive; got {cmd.amount.amount}")
    today, at = clock.today(), clock.now()
    order_date = cmd.order_date or today
    request = {
        "order_id": cmd.order_id,
        "customer_id": cmd.customer_id,
        "amount": cmd.amount.to_json(),
        "currency": cmd.amount.currency,
        "order_date": cmd.order_date,
        "delivery_date": cmd.delivery_date,
        "valid_until": cmd.valid_until,
    }
    command_id = f"order:{cmd.order_id}"
    with uow:
        state = _lock(uow, cmd.customer_id, today, at)
        if (replay := _replayed(uow, command_id, request)) is not None:
            return replay  # a retry gets the stored outcome, whatever day it comes on
        if cmd.valid_until is not None and cmd.valid_until < max(order_date, today):
            raise InvalidInput(f"valid_until {cmd.valid_until} has passed (order date {order_date}, today {today})")
        longest = uow.credit.check_policy().max_reservation_days
        if cmd.valid_until is not None and (cmd.valid_until - order_date).days > longest:
            raise InvalidInput(
                f"valid_until {cmd.valid_until} is more than {longest} days after the order date {order_date} "
                "(the policy's max_reservation_days)"
            )
        if uow.credit.order(cmd.order_id) is not None:
            raise Conflict(f"order {cmd.order_id!r} already exists (imported or submitted under another route)")
        amount, rate = _to_account(uow, cmd.amount, state.currency, order_date)
        fx_rate = str(rate.rate) if rate.base != rate.quote else None
        decision, postings = _reserve(
            uow,
            state,
            cmd.order_id,
            amount,
            today,
            order_date,
            valid_until=cmd.valid_until,
            source=cmd.amount,
            fx_rate=fx_rate,
        )
        order = OrderRecord(
            order_id=cmd.order_id,
            customer_id=cmd.customer_id,
            order_date=order_date,
            amount=cmd.amount,
            account_minor=amount.minor,
            fx_rate=fx_rate,
            status=_status_for(decision.outcome),
            reserved=amount.minor if postings else 0,
            delivered=0,
            delivery_date=cmd.delivery_date,
            valid_until=cmd.valid_until,
            decision=decision_body(decision),
            resolution=None,
            submitted_by=cmd.actor,
        )
        uow.credit.add_order(order)
        change = _Change(f"order.{decision.outcome.value}", postings, {"codes": decision.codes})
        _record(uow, cmd.customer_id, cmd.actor, change, at, order)
        body = order_body(order, state.currency, order.decision)
        return _finish(uow, command_id, request, Result(201, body))


def _held_or_open(uow: UnitOfWork, order_id: str) -> OrderRecord:
    order = uow.credit.order(order_id)
    if order is None:
        raise NotFound(f"order {order_id!r} does not exist")
    return order


def _locked_order(
    uow: UnitOfWork, order_id: str, command_id: str, request: dict[str, Any], today: date, at: datetime
) -> Result | tuple[OrderRecord, AccountState]:
    """The order and its locked account, or the stored outcome when the command was seen before."""
    order = _held_or_open(uow, order_id)
    state = _lock(uow, order.customer_id, today, at)
    if (replay := _replayed(uow, command_id, request)) is not None:
        return replay
    return _held_or_open(uow, order_id), state  # re-read under the lock


def amend_order(cmd: AmendOrder, uow: UnitOfWork, clock: Clock) -> Result:
    if not cmd.amount.amount > 0:
        raise InvalidInput(f"the amount must be positive; got {cmd.amount.amount}")
    today, at = clock.today(), clock.now()
    request = {"order_id": cmd.order_id, "amount": cmd.amount.to_json(), "currency": cmd.amount.currency}
    command_id = f"amend:{cmd.amendment_id}"
    with uow:
        found = _locked_order(uow, cmd.order_id, command_id, request, today, at)
        if isinstance(found, Result):
            return found
        order, state = found
        if cmd.amount.currency != order.amount.currency:
            raise InvalidInput(
                f"an amendment keeps the order currency {order.amount.currency}; got {cmd.amount.currency}"
            )
        if order.status not in (OrderStatus.OPEN.value, *HELD):
            raise Conflict(f"order {cmd.order_id!r} is {order.status}; only open or held orders can be amended")
        new_minor = _bounded_account_amount(_order_rate(order, state.currency).convert(cmd.amount)).minor
        diff = new_minor - order.account_minor
        decision_json: dict[str, Any] | None = None
        postings: list[Posting] = []
        if order.status == OrderStatus.OPEN.value and diff > 0:
            decision, postings = _reserve(
                uow,
                state,
                order.order_id,
                Money.from_minor(diff, state.currency),
                today,
                order.order_date,
                valid_until=order.valid_until,
            )
            decision_json = decision_body(decision)
            if not postings:
                body = {**order_body(order, state.currency, decision_json), "amendment": "refused"}
                change = _Change("order.amendment_refused", [], {"codes": decision.codes, "diff": diff})
                _record(uow, order.customer_id, cmd.actor, change, at, order)
                return _finish(uow, command_id, request, Result(200, body))
        elif order.status == OrderStatus.OPEN.value and diff < 0:
            released = min(-diff, order.reserved)
            groups = _groups(uow, state, order.order_date, lock=True)
            postings = _spread(state, EntryKind.RELEASE, order.order_id, Delta(reserved=-released), groups)
        reserved = order.reserved + sum(p.delta.reserved for p in postings if p.account_kind == "customer")
        order = replace(order, amount=cmd.amount, account_minor=new_minor, reserved=reserved)
        uow.credit.update_order(
            order.order_id, amount_minor=cmd.amount.minor, account_minor=new_minor, reserved_minor=reserved
        )
        _record(uow, order.customer_id, cmd.actor, _Change("order.amended", postings, {"diff": diff}), at, order)
        body = {**order_body(order, state.currency, decision_json), "amendment": "applied"}
        return _finish(uow, command_id, request, Result(200, body))


def _order_rate(order: OrderRecord, account_currency: str) -> Rate:
    """The rate the order was accepted at: amendments and deliveries keep it, so they never
    book an exchange difference."""
    rate = Decimal(order.fx_rate) if order.fx_rate is not None else Decimal(1)
    return Rate(order.amount.currency, account_currency, rate, order.order_date)


def cancel_order(cmd: CancelOrder, uow: UnitOfWork, clock: Clock) -> Result:
    today, at = clock.today(), clock.now()
    request = {"order_id": cmd.order_id}
    command_id = f"cancel:{cmd.order_id}"
    with uow:
        found = _locked_order(uow, cmd.order_id, command_id, request, today, at)
        if isinstance(found, Result):
            return found
        order, state = found
        if order.status == OrderStatus.EXPIRED.value:
            # Its reservation is already released (perhaps by the sweep just now): nothing to undo.
            return _finish(uow, command_id, request, Result(200, order_body(order, state.currency, None)))
        if order.status not in (OrderStatus.OPEN.value, *HELD):
            raise Conflict(f"order {cmd.order_id!r} is {order.status}; it cannot be cancelled")
        if order.delivered > 0:
            raise Conflict(f"order {cmd.order_id!r} has deliveries not yet invoiced; invoice them first")
        groups = _groups(uow, state, order.order_date, lock=True)
        postings = (
            _spread(state, EntryKind.RELEASE, order.order_id, Delta(reserved=-order.reserved), groups)
            if order.reserved
            else []
        )
        order = replace(order, status=OrderStatus.CANCELLED.value, reserved=0)
        uow.credit.update_order(order.order_id, status=order.status, reserved_minor=0)
        _record(
            uow, order.customer_id, cmd.actor, _Change("order.cancelled", postings, {"reason": cmd.reason}), at, order
        )
        return _finish(uow, command_id, request, Result(200, order_body(order, state.currency, None)))


def reopen_order(cmd: ReopenOrder, uow: UnitOfWork, clock: Clock) -> Result:
    today, at = clock.today(), clock.now()
    request = {"order_id": cmd.order_id}
    command_id = f"reopen:{cmd.reopen_id}"
    with uow:
        found = _locked_order(uow, cmd.order_id, command_id, request, today, at)
        if isinstance(found, Result):
            return found
        order, state = found
        if order.status not in (OrderStatus.CANCELLED.value, OrderStatus.EXPIRED.value):
            raise Conflict(f"order {cmd.order_id!r} is {order.status}; only cancelled or expired orders reopen")
        amount = Money.from_minor(order.account_minor, state.currency)
        decision, postings = _reserve(uow, state, order.order_id, amount, today, order.order_date, valid_until=None)
        order = replace(
            order,
            status=_status_for(decision.outcome),
            reserved=amount.minor if postings else 0,
            decision=decision_body(decision),
            valid_until=None,
        )
        uow.credit.update_order(
            order.order_id,
            status=order.status,
            reserved_minor=order.reserved,
            decision=order.decision,
            valid_until=None,
        )
        _record(
            uow, order.customer_id, cmd.actor, _Change(f"order.reopened.{decision.outcome.value}", postings), at, order
        )
        return _finish(uow, command_id, request, Result(200, order_body(order, state.currency, order.decision)))


def deliver_order(cmd: DeliverOrder, uow: UnitOfWork, clock: Clock) -> Result:
    today, at = clock.today(), clock.now()
    request = {"order_id": cmd.order_id, "amount": cmd.amount.to_json() if cmd.amount else None}
    command_id = f"deliver:{cmd.delivery_id}"
    with uow:
        found = _locked_order(uow, cmd.order_id, command_id, request, today, at)
        if isinstance(found, Result):
            return found
        order, state = found
        if order.status != OrderStatus.OPEN.value:
            raise Conflict(f"order {cmd.order_id!r} is {order.status}; only open orders are delivered")
        minor = order.reserved
        if cmd.amount is not None:
            if cmd.amount.currency != order.amount.currency or not cmd.amount.amount > 0:
                raise InvalidInput(f"a delivery is a positive amount in the order currency {order.amount.currency}")
            minor = _order_rate(order, state.currency).convert(cmd.amount).minor
        if minor > order.reserved:
            raise Conflict(
                f"the delivery exceeds what order {cmd.order_id!r} still reserves; amend the order upward first"
            )
        groups = _groups(uow, state, order.order_date, lock=True)
        postings = _spread(state, EntryKind.DELIVER, order.order_id, Delta(reserved=-minor, delivered=minor), groups)
        order = replace(order, reserved=order.reserved - minor, delivered=order.delivered + minor)
        uow.credit.update_order(order.order_id, reserved_minor=order.reserved, delivered_minor=order.delivered)
        _record(uow, order.customer_id, cmd.actor, _Change("order.delivered", postings), at, order)
        return _finish(uow, command_id, request, Result(200, order_body(order, state.currency, None)))


def _expire(uow: UnitOfWork, state: AccountState, today: date, at: datetime) -> None:
    for order in uow.credit.expiring_orders(state.customer_id, today):
        groups = _groups(uow, state, order.order_date, lock=True)
        postings = _spread(state, EntryKind.EXPIRE, order.order_id, Delta(reserved=-order.reserved), groups)
        status = OrderStatus.EXPIRED.value if order.delivered == 0 else order.status
        order = replace(order, status=status, reserved=0)
        uow.credit.update_order(order.order_id, status=status, reserved_minor=0)
        _record(uow, order.customer_id, "system", _Change("order.expired", postings), at, order)
    uow.credit.set_next_expiry(state.customer_id, None)


def expire_orders(customer_ids: list[str], uow_factory: Callable[[], UnitOfWork], clock: Clock) -> int:
    """Sweep expired reservations of the given customers, one transaction per customer."""
    swept = 0
    for customer_id in customer_ids:
        uow = uow_factory()
        with uow:
            _lock(uow, customer_id, clock.today(), clock.now())
            uow.commit()
            swept += 1
    return swept


# --- held orders: release and reject --------------------------------------------------------


def resolve_order(cmd: ResolveOrder, uow: UnitOfWork, clock: Clock) -> Result:
    if not may(cmd.role, Permission.RELEASE_ORDERS):
        raise Forbidden(f"role {cmd.role.value!r} may not release or reject orders")
    if not cmd.comment.strip():
        raise InvalidInput("a release or rejection needs a comment")
    today, at = clock.today(), clock.now()
    with uow:
        order = _held_or_open(uow, cmd.order_id)
        state = _lock(uow, order.customer_id, today, at)
        order = _held_or_open(uow, cmd.order_id)
        if order.status not in HELD:
            raise Conflict(f"order {cmd.order_id!r} is {order.status}; only blocked or review orders are resolved")
        refuse_non_person(uow, cmd.actor, "releasing or rejecting an order")
        if order.submitted_by == cmd.actor:
            raise Forbidden("the person who submitted an order may not release or reject it")
        pending = order.resolution or {}
        if order.status == OrderStatus.RELEASE_PENDING.value and pending.get("requested_by") == cmd.actor:
            raise Forbidden("a release needs a second approver who is not the requester")
        resolution: dict[str, Any] = {
            "by": cmd.actor,
            "role": cmd.role.value,
            "comment": cmd.comment,
            "at": at.isoformat(),
        }
        if pending.get("requested_by"):
            resolution["requested_by"] = pending["requested_by"]
            resolution["request_comment"] = pending.get("comment")
        if not cmd.release:
            order = replace(order, status=OrderStatus.REJECTED.value, resolution={**resolution, "action": "rejected"})
            uow.credit.update_order(order.order_id, status=order.status, resolution=order.resolution)
            _record(uow, order.customer_id, cmd.actor, _Change("order.rejected", [], resolution), at, order)
            uow.commit()
            return Result(200, order_body(order, state.currency, order.decision))
        amount = Money.from_minor(order.account_minor, state.currency)
        policy = uow.credit.check_policy()
        valid_until = order.valid_until
        decision, postings = _reserve(
            uow, state, order.order_id, amount, today, order.order_date, valid_until=valid_until
        )
        if not postings:
            if ReasonCode.CUSTOMER_BLOCKED in {r.code for r in decision.reasons}:
                raise Conflict("the customer's account is blocked; unblock it before releasing orders")
            second = order.status == OrderStatus.RELEASE_PENDING.value
            if second and not policy.may_approve_release(cmd.role, amount):
                raise Forbidden(f"releasing {amount} is beyond the authority of role {cmd.role.value!r}")
            if not second and not policy.may_release(cmd.role, amount):
                request = {
                    "requested_by": cmd.actor,
                    "role": cmd.role.value,
                    "comment": cmd.comment,
                    "at": at.isoformat(),
                }
                order = replace(
                    order,
                    status=OrderStatus.RELEASE_PENDING.value,
                    resolution=request,
                    decision=decision_body(decision),
                )
                uow.credit.update_order(
                    order.order_id, status=order.status, resolution=request, decision=order.decision
                )
                _record(uow, order.customer_id, cmd.actor, _Change("order.release_requested", [], request), at, order)
                uow.commit()
                return Result(202, order_body(order, state.currency, order.decision))
            decision, postings = _reserve(
                uow, state, order.order_id, amount, today, order.order_date, valid_until=valid_until, override=True
            )
            resolution["override"] = decision.codes
        resolution["action"] = "released"
        order = replace(
            order,
            status=OrderStatus.OPEN.value,
            reserved=amount.minor,
            resolution=resolution,
            decision=decision_body(decision),
        )
        uow.credit.update_order(
            order.order_id,
            status=order.status,
            reserved_minor=order.reserved,
            resolution=resolution,
            decision=order.decision,
        )
        _record(uow, order.customer_id, cmd.actor, _Change("order.released", postings, resolution), at, order)
        uow.commit()
        return Result(200, order_body(order, state.currency, order.decision))


# --- invoices and payments -----------------------------------------------------------------


def post_invoice(cmd: PostInvoice, uow: UnitOfWork, clock: Clock) -> Result:
    invoice = cmd.invoice
    if not invoice.amount.amount > 0:
        raise InvalidInput(f"the amount must be positive; got {invoice.amount.amount}")
    if invoice.due_date < invoice.invoice_date:
        raise InvalidInput(f"the due date {invoice.due_date} is before the invoice date {invoice.invoice_date}")
    today, at = clock.today(), clock.now()
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
    command_id = f"invoice:{invoice.invoice_id}"
    with uow:
        state = _lock(uow, invoice.customer_id, today, at)
        if (replay := _replayed(uow, command_id, request)) is not None:
            return replay
        if uow.credit.invoice_customer(invoice.invoice_id) is not None:
            raise Conflict(f"invoice {invoice.invoice_id!r} already exists")
        if invoice.amount.currency != state.currency:
            raise InvalidInput(f"invoices are in the account currency {state.currency}; got {invoice.amount.currency}")
        amount = invoice.amount.minor
        groups = _groups(uow, state, invoice.invoice_date, lock=True)
        postings: list[Posting] = []
        order: OrderRecord | None = None
        if invoice.order_id is not None:
            order = uow.credit.order(invoice.order_id)
            if order is None or order.customer_id != invoice.customer_id:
                raise InvalidInput(f"order {invoice.order_id!r} is not an order of customer {invoice.customer_id!r}")
            if order.status != OrderStatus.OPEN.value:
                raise Conflict(f"order {invoice.order_id!r} is {order.status}; only open orders are invoiced")
            from_delivered = min(amount, order.delivered)
            from_reserved = min(amount - from_delivered, order.reserved)
            # Posting consumes the order; whatever it did not post is released (two-phase close).
            postings += _spread(
                state,
                EntryKind.POST,
                invoice.invoice_id,
                Delta(receivable=amount, reserved=-order.reserved, delivered=-order.delivered),
                groups,
            )
            order = replace(order, status=OrderStatus.INVOICED.value, reserved=0, delivered=0)
            uow.credit.update_order(order.order_id, status=order.status, reserved_minor=0, delivered_minor=0)
            consumed = from_delivered + from_reserved
        else:
            postings += _spread(state, EntryKind.POST, invoice.invoice_id, Delta(receivable=amount), groups)
            consumed = 0
        uow.credit.add_invoice(invoice)
        if not invoice.disputed and invoice.due_date < today:
            uow.credit.store_overdue(invoice.customer_id, state.overdue + amount, today)
        audit = {"invoice_id": invoice.invoice_id, "amount": invoice.amount.to_json(), "consumed": consumed}
        _record(uow, invoice.customer_id, cmd.actor, _Change("invoice.posted", postings, audit), at, order)
        body = {
            "invoice_id": invoice.invoice_id,
            "customer_id": invoice.customer_id,
            "amount": invoice.amount.to_json(),
            "currency": invoice.amount.currency,
            "order_id": invoice.order_id,
            "consumed_reservation": Money.from_minor(consumed, state.currency).to_json(),
            "exposure_increase": Money.from_minor(
                sum(p.delta.exposure for p in postings[:1]), state.currency
            ).to_json(),
        }
        return _finish(uow, command_id, request, Result(201, body))


def receive_payment(cmd: ReceivePayment, uow: UnitOfWork, clock: Clock) -> Result:
    payment = cmd.payment
    if not payment.amount.amount > 0:
        raise InvalidInput(f"the amount must be positive; got {payment.amount.amount}")
    today, at = clock.today(), clock.now()
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
    command_id = f"payment:{payment.payment_id}"
    with uow:
        state = _lock(uow, payment.customer_id, today, at)
        if (replay := _replayed(uow, command_id, request)) is not None:
            return replay
        if uow.credit.payment_exists(payment.payment_id):
            raise Conflict(f"payment {payment.payment_id!r} already exists")
        if payment.amount.currency != state.currency:
            raise InvalidInput(f"payments are in the account currency {state.currency}; got {payment.amount.currency}")
        if payment.invoice_id is not None:
            owner = uow.credit.invoice_customer(payment.invoice_id)
            if owner != payment.customer_id:
                found = "does not exist" if owner is None else f"belongs to customer {owner!r}"
                raise InvalidInput(f"invoice {payment.invoice_id!r} {found}")
        items = uow.credit.open_items(payment.customer_id, payment.invoice_id, payment.amount.minor)
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
        uow.credit.add_payment(payment, allocations, unapplied)
        if overdue_paid:
            uow.credit.store_overdue(payment.customer_id, state.overdue - overdue_paid, today)
        groups = _groups(uow, state, payment.payment_date, lock=True)
        postings = _spread(
            state,
            EntryKind.PAYMENT,
            payment.payment_id,
            Delta(receivable=-applied, unapplied=unapplied),
            groups,
        )
        audit = {"payment_id": payment.payment_id, "applied": applied, "unapplied": unapplied}
        _record(uow, payment.customer_id, cmd.actor, _Change("payment.received", postings, audit), at, None)
        body = {
            "payment_id": payment.payment_id,
            "customer_id": payment.customer_id,
            "amount": payment.amount.to_json(),
            "currency": payment.amount.currency,
            "allocations": [{"invoice_id": a.invoice_id, "amount": a.amount.to_json()} for a in allocations],
            "unapplied": Money.from_minor(unapplied, state.currency).to_json(),
        }
        return _finish(uow, command_id, request, Result(201, body))


@dataclass(frozen=True, slots=True)
class FlagDispute:
    invoice_id: str
    disputed: bool
    reason: str
    actor: str


def flag_dispute(cmd: FlagDispute, uow: UnitOfWork, clock: Clock) -> Result:
    """Mark an invoice disputed (or settled): a disputed item leaves the overdue rules, not receivables."""
    if not cmd.reason.strip():
        raise InvalidInput("a dispute flag needs a reason")
    today, at = clock.today(), clock.now()
    with uow:
        customer_id = uow.credit.invoice_customer(cmd.invoice_id)
        if customer_id is None:
            raise NotFound(f"invoice {cmd.invoice_id!r} does not exist")
        state = _lock(uow, customer_id, today, at)
        item = uow.credit.open_item(cmd.invoice_id)
        assert item is not None
        if item.disputed != cmd.disputed:
            uow.credit.set_disputed(cmd.invoice_id, cmd.disputed)
            if item.open_minor > 0 and item.due_date < today:
                # The watermark counts undisputed overdue items up to today (set by _lock).
                change = -item.open_minor if cmd.disputed else item.open_minor
                uow.credit.store_overdue(customer_id, state.overdue + change, today)
            audit = {"invoice_id": cmd.invoice_id, "disputed": cmd.disputed, "reason": cmd.reason}
            _record(uow, customer_id, cmd.actor, _Change("invoice.dispute", [], audit), at, None)
            uow.commit()
        return Result(200, {"invoice_id": cmd.invoice_id, "customer_id": customer_id, "disputed": cmd.disputed})


# --- what-if -------------------------------------------------------------------------------


def what_if(customer_id: str, amount: Money, uow: UnitOfWork, clock: Clock) -> Decision:
    """A check that reserves nothing: one read of the account's figures, no lock."""
    if not amount.amount > 0:
        raise InvalidInput(f"the amount must be positive; got {amount.amount}")
    today = clock.today()
    with uow:
        state = uow.credit.account(customer_id, today, lock=False)
        if state is None:
            raise NotFound(f"customer {customer_id!r} does not exist")
        converted, _ = _to_account(uow, amount, state.currency, today)
        return decide(uow, state, converted, today, _groups(uow, state, today, lock=False))
