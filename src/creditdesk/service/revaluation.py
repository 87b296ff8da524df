"""Revaluation of open foreign-currency items at a month-end rate (docs/currencies.md).

An invoice issued in another currency than its account's carries its open amount in the account
currency (``open_minor``) beside what is open in its own (``doc_open_minor``). At a month-end the
carried value is brought to ``doc_open_minor`` at that day's rate (the latest rate on or before
it), rounded once half-even; the difference is posted to the ledger (kind ``revalue``, a
receivable movement) on the customer's account and every pooled group above it, under the
account's lock, one customer at a time, with an audit record naming the rates and the deltas.

Run twice for the same month-end, the second run finds every item at its value and changes
nothing (no posting, no audit record).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from creditdesk.domain.fx import MissingRate, Rate
from creditdesk.domain.ledger import Delta, EntryKind
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.books import Change, groups_of, record, spread
from creditdesk.service.commands import Locked, run
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, ServiceError
from creditdesk.service.jobs import SUCCEEDED, JobStore, run_job
from creditdesk.service.ports import Clock, OpenItemRow, UnitOfWork

JOB = "revalue"
ACTION = "receivables.revalued"


def is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


@dataclass
class Revaluation:
    """What one run did: per customer the receivable delta in its account currency."""

    as_of: date
    customers: int = 0  # customers with open foreign items
    items: int = 0  # open foreign items looked at
    changed: int = 0  # items whose carried value moved
    deltas: dict[str, dict[str, Any]] = field(default_factory=dict)  # customer -> {currency, delta}
    rates: dict[str, str] = field(default_factory=dict)  # "EUR/CNY" -> rate

    def counts(self) -> dict[str, int | str]:
        return {"customers": self.customers, "items": self.items, "changed": self.changed, "moved": len(self.deltas)}

    def as_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), **self.counts(), "rates": self.rates, "deltas": self.deltas}


def _undisputed(item: OpenItemRow, open_minor: int) -> int:
    return 0 if item.disputed else max(0, open_minor - item.disputed_minor)


def run_revaluation(
    store: JobStore,
    as_of: date,
    actor: str,
    role: Role | None,
    read_uow: Callable[[], UnitOfWork],
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    worker: str,
) -> Revaluation:
    """An explicit run (CLI, API), logged in ``job_runs`` as job ``revalue`` for ``as_of``; never
    for a month-end before one already revalued (its older rates would undo the later ones)."""
    _allowed(as_of, actor, role, clock)  # refused requests leave no run behind
    latest = store.days_done([JOB])  # the worker's job runs every day: on a month-end it revalues
    if latest is not None:
        revalued = latest if is_month_end(latest) else latest.replace(day=1) - timedelta(days=1)
        if as_of < revalued:
            raise Conflict(
                f"the receivables were revalued at {revalued} already; an earlier month-end ({as_of}) may not "
                "run after it (its rates would undo the later ones)"
            )
    done: list[Revaluation] = []
    refused: list[ServiceError] = []

    def target() -> dict[str, int | str]:
        try:
            done.append(revalue(as_of, actor, role, read_uow, uow, clock))
        except ServiceError as error:
            refused.append(error)
            raise
        return done[0].counts()

    outcome = run_job(store, JOB, as_of, target, clock, worker, force=True)
    if refused:
        raise refused[0]
    if outcome.status != SUCCEEDED:
        raise RuntimeError(f"the revaluation at {as_of} failed: {outcome.error}")
    return done[0]


def _allowed(as_of: date, actor: str, role: Role | None, clock: Clock) -> None:
    if role is not None and not may(role, Permission.OPERATIONS):
        raise Forbidden(f"a revaluation needs the manager or admin role; {actor} is {role.value}")
    if not is_month_end(as_of):
        raise InvalidInput(f"a revaluation runs at a month-end; {as_of} is not the last day of its month")
    if as_of > clock.today():
        raise InvalidInput(f"a revaluation date may not be in the future; got {as_of} (today is {clock.today()})")


def revalue(
    as_of: date,
    actor: str,
    role: Role | None,
    read_uow: Callable[[], UnitOfWork],
    uow: Callable[[], UnitOfWork],
    clock: Clock,
) -> Revaluation:
    """Revalue every open foreign-currency item at ``as_of``'s rates. ``role`` None: the worker."""
    _allowed(as_of, actor, role, clock)
    result = Revaluation(as_of)
    with read_uow() as reader:
        customers = reader.receivables.customers_with_foreign_items()
        # Every rate first: a missing one stops the run before any account moves.
        missing: list[str] = []
        last = ""
        for cid in customers:
            state = reader.credit_accounts.account(cid, as_of, lock=False)
            assert state is not None
            items = reader.receivables.foreign_open_items(cid)
            for currency in sorted({i.doc_currency for i in items if i.doc_currency is not None}):
                pair = f"{currency}/{state.currency}"
                if pair in result.rates or pair in missing:
                    continue
                try:
                    result.rates[pair] = str(reader.reference.rate(currency, state.currency, as_of).rate)
                except MissingRate as error:
                    missing.append(pair)
                    result.rates.pop(pair, None)
                    last = str(error)
        if missing:
            raise InvalidInput(f"a revaluation at {as_of} needs rates for {', '.join(missing)}: {last}")
    result.customers = len(customers)
    for cid in customers:
        run(uow(), clock, _owner(cid), lambda tx: _revalue_account(tx, as_of, actor, result))
    if result.deltas:  # the run as a whole, beside each customer's record
        with uow() as writer:
            writer.audit.append(actor, "revaluation.run", "revaluation", as_of.isoformat(), result.as_json())
            writer.commit()
    return result


def _owner(customer_id: str) -> Callable[[UnitOfWork], str]:
    return lambda _: customer_id


def _revalue_account(tx: Locked, as_of: date, actor: str, result: Revaluation) -> None:
    uow, state = tx.uow, tx.state
    items = uow.receivables.foreign_open_items(state.customer_id)
    rates: dict[str, Rate] = {}
    moved: list[dict[str, Any]] = []
    total = overdue = 0
    for item in items:
        assert item.doc_currency is not None and item.doc_open_minor is not None
        rate = rates.get(item.doc_currency)
        if rate is None:
            rate = rates[item.doc_currency] = uow.reference.rate(item.doc_currency, state.currency, as_of)
        result.items += 1
        value = rate(item.doc_open_minor)  # minor units of the document currency -> the account's, half-even
        delta = value - item.open_minor
        if delta == 0:
            continue
        uow.receivables.set_open_minor(item.invoice_id, value)
        if item.due_date < tx.today:
            overdue += _undisputed(item, value) - _undisputed(item, item.open_minor)
        total += delta
        result.changed += 1
        moved.append({"invoice_id": item.invoice_id, "before": item.open_minor, "after": value, "delta": delta})
    if not moved:
        return
    if overdue:
        uow.credit_accounts.store_overdue(state.customer_id, state.overdue + overdue, tx.today)
    groups = groups_of(uow, state, as_of, lock=True)
    postings = spread(state, EntryKind.REVALUE, f"revalue:{as_of.isoformat()}", Delta(receivable=total), groups)
    used = {f"{ccy}/{state.currency}": str(rate.rate) for ccy, rate in rates.items()}
    audit = {"as_of": as_of.isoformat(), "currency": state.currency, "delta": total, "rates": used, "items": moved}
    record(uow, state.customer_id, actor, Change(ACTION, postings, audit), tx.at, None)
    result.deltas[state.customer_id] = {"currency": state.currency, "delta": total}
