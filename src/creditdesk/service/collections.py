"""Collections: promises to pay, the daily dunning run and the collector's worklist.

The dunning run sees the ledger as it stood on its day (items dated and paid by then). For each
customer it settles open promises (kept by cash received since they were made, broken the day
after their last day) and moves the dunning level (see ``creditdesk.domain.collections``). Each
move is locked, logged in the account's change log with its inputs and an English and Chinese
explanation, and audited; the credit check reads the level (rule ``dunning_level``).

The worklist ranks the overdue items by expected loss (PD × LGD × open amount; PD 1 beyond 90
days past due), then by amount, with each customer's level, next action, promise and disputes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from creditdesk.domain.authority import SYSTEM
from creditdesk.domain.collections import (
    ACTIONS,
    Promise,
    PromiseStatus,
    dunning_level,
    promise_outcome,
)
from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.risk.rating import UNSCORED_PD
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, RecordedChange, UnitOfWork

if TYPE_CHECKING:  # the worklist and the dunning run read the ledger with pandas; promises do not
    import pandas as pd

    from creditdesk.service.receivables import LedgerFrames

DEFAULT_AFTER_DAYS = 90
DISPUTE_ACTION = ("resolve the dispute before dunning", "先处理争议，再催款")


def record_promise(uow: UnitOfWork, clock: Clock, promise: Promise, role: Role) -> tuple[Promise, bool]:
    """Store a promise to pay; the same promise again is a no-op (``False``), a different one
    under the same id a conflict. ``role``: the recorder's, who must be allowed to write
    documents, on every path (API, CLI, web)."""
    if not may(role, Permission.WRITE_DOCUMENTS):
        raise Forbidden(
            f"role {role.value!r} may not record promises to pay", code="role_may_not", values={"role": role.value}
        )
    if not promise.amount.amount > 0:
        raise InvalidInput(f"a promise is for a positive amount; got {promise.amount.amount}")
    if promise.promised_on < promise.made_on:
        raise InvalidInput(f"the promised day {promise.promised_on} is before the day it was made {promise.made_on}")
    with uow:
        account = uow.management.account(promise.customer_id, lock=True)
        if account is None:
            raise NotFound(
                f"customer {promise.customer_id!r} does not exist",
                code="not_found",
                values={"what": "customer", "id": promise.customer_id},
            )
        if account.currency != promise.amount.currency:
            raise InvalidInput(
                f"promises are in the account currency {account.currency}; got {promise.amount.currency}"
            )
        if (
            promise.invoice_id is not None
            and uow.receivables.invoice_customer(promise.invoice_id) != promise.customer_id
        ):
            raise InvalidInput(f"invoice {promise.invoice_id!r} is not an invoice of {promise.customer_id!r}")
        stored = uow.collections.promise(promise.promise_id)
        if stored is not None:
            same = (stored.customer_id, stored.amount, stored.promised_on, stored.invoice_id) == (
                promise.customer_id,
                promise.amount,
                promise.promised_on,
                promise.invoice_id,
            )
            if not same:
                raise Conflict(f"promise {promise.promise_id!r} already exists with other terms")
            return stored, False
        uow.collections.add_promise(promise)
        uow.audit.append(
            promise.recorded_by,
            "collections.promise",
            "customer",
            promise.customer_id,
            {"promise_id": promise.promise_id, "amount": promise.amount.to_json(), "by": str(promise.promised_on)},
            stream=promise.customer_id,
        )
        uow.commit()
    return promise, True


@dataclass(frozen=True, slots=True)
class Position:
    """A customer's overdue position on the run's day: undisputed items only."""

    customer_id: str
    currency: str
    days_past_due: int
    overdue_minor: int


def undisputed_items(items: pd.DataFrame) -> pd.DataFrame:
    """``items`` with ``undisputed_minor``: what of each open amount is not under dispute. An
    invoice with dispute cases: less the cases open on the day (``disputed_minor``, point in
    time); one without (an import's or an old flag): nothing when flagged."""
    part = items.get("disputed_minor", 0)
    free = (items["open_minor"] - part).clip(lower=0)
    flagged = items["disputed"].astype(bool)
    if "has_cases" in items:
        flagged &= ~items["has_cases"].astype(bool)
    return items.assign(undisputed_minor=free.where(~flagged, 0))


def positions(frames: LedgerFrames, as_of: date) -> dict[str, Position]:
    from creditdesk.service.receivables import items_on

    items = undisputed_items(items_on(frames, as_of))
    # The disputed part of an item leaves dunning; the rest of it stays.
    late = items.loc[(items["undisputed_minor"] > 0) & (items["days_past_due"] > 0)]
    grouped = late.groupby(["customer_id", "currency"]).agg(
        days=("days_past_due", "max"), overdue=("undisputed_minor", "sum")
    )
    return {
        cid: Position(cid, currency, int(row.days), int(row.overdue)) for (cid, currency), row in grouped.iterrows()
    }


@dataclass
class DunningRun:
    as_of: date
    changes: list[dict[str, Any]] = field(default_factory=list)
    promises: dict[str, list[str]] = field(default_factory=lambda: {"kept": [], "broken": []})

    def as_json(self) -> dict[str, Any]:
        levels: dict[str, int] = {}
        for change in self.changes:
            levels[str(change["after"])] = levels.get(str(change["after"]), 0) + 1
        return {"as_of": self.as_of.isoformat(), "changes": self.changes, "to_level": levels, **self.promises}


def run_dunning(
    found: Mapping[str, Position], uow_factory: Callable[[], UnitOfWork], clock: Clock, as_of: date
) -> DunningRun:
    """Settle the promises due and move each customer's dunning level by its position on
    ``as_of`` (``positions`` of the ledger, or the night's run's: entrypoints/kept_lines.py)."""
    run = DunningRun(as_of)
    with uow_factory() as uow:
        levels = uow.collections.dunning_levels()
        open_promises = uow.collections.promises(status=PromiseStatus.OPEN)
    still_open: set[str] = set()
    just_broken: set[str] = set()
    for promise in open_promises:
        if promise.made_on > as_of:
            continue  # not yet made on the run's day
        with uow_factory() as uow:
            cash = uow.collections.cash_received(promise.customer_id, promise.made_on, min(as_of, promise.due_by))
            outcome = promise_outcome(promise, Money.from_minor(cash, promise.amount.currency), as_of)
            if outcome is PromiseStatus.OPEN:
                still_open.add(promise.customer_id)
                continue
            uow.collections.resolve_promise(promise.promise_id, outcome, as_of)
            uow.commit()
        run.promises[outcome.value].append(promise.promise_id)
        if outcome is PromiseStatus.BROKEN:
            just_broken.add(promise.customer_id)
    moves: list[_Move] = []
    for cid in sorted(set(found) | {c for c, (level, _) in levels.items() if level > 0}):
        current = levels.get(cid, (0, None))[0]
        position = found.get(cid)
        days = position.days_past_due if position else 0
        after = dunning_level(days, current, promise_open=cid in still_open, promise_broken=cid in just_broken)
        if after != current:
            moves.append(_Move(cid, current, after, position, cid in just_broken))
    for first in range(0, len(moves), MOVES_PER_TRANSACTION):
        with uow_factory() as uow:
            moved = [_move(uow, clock, as_of, move) for move in moves[first : first + MOVES_PER_TRANSACTION]]
            uow.commit()
        run.changes.extend(change for change in moved if change is not None)
    return run


#: Level moves written in one transaction: a first run on a large book moves hundreds of
#: thousands, and a transaction each cost a fifth of the time again; a few hundred at once hold
#: their accounts' locks for a fraction of a second.
MOVES_PER_TRANSACTION = 200


@dataclass(frozen=True)
class _Move:
    customer_id: str
    before: int
    after: int
    position: Position | None
    broken: bool


def _move(uow: UnitOfWork, clock: Clock, as_of: date, move: _Move) -> dict[str, Any] | None:
    """Move the level under the account's lock, in the caller's transaction; None when it moved
    in between (another run)."""
    customer_id, before, after, position, broken = move.customer_id, move.before, move.after, move.position, move.broken
    days = position.days_past_due if position else 0
    overdue = str(Money.from_minor(position.overdue_minor, position.currency).amount) if position else "0"
    action_en, action_zh = ACTIONS[after]
    why_en = f"oldest undisputed item {days} days past due, {overdue} overdue" if days else "nothing overdue"
    why_zh = f"最早的无争议未清项逾期 {days} 天，逾期金额 {overdue}" if days else "无逾期"
    if broken:
        why_en, why_zh = why_en + "; a promise to pay was broken", why_zh + "；付款承诺未兑现"
    account = uow.management.account(customer_id, lock=True)
    if account is None:
        raise NotFound(
            f"customer {customer_id!r} does not exist",
            code="not_found",
            values={"what": "customer", "id": customer_id},
        )
    if uow.collections.dunning_level(customer_id) != before:
        return None
    uow.management.set_dunning(customer_id, after, as_of if after else None)
    uow.management.record(
        RecordedChange(
            customer_id=customer_id,
            effective_on=as_of,
            rule="DUNNING",
            field="dunning_level",
            before=str(before),
            after=str(after),
            inputs={"days_past_due": str(days), "overdue": overdue, "promise_broken": str(broken).lower()},
            policy_version=None,
            en=f"dunning level {before} → {after}: {why_en}; {action_en}",
            zh=f"催款级别 {before} → {after}：{why_zh}；{action_zh}",
            actor=SYSTEM,
            recorded_at=clock.now(),
        )
    )
    uow.audit.append(
        SYSTEM,
        "collections.dunning",
        "customer",
        customer_id,
        {"from": before, "to": after, "days_past_due": days},
        stream=customer_id,
    )
    return {"customer_id": customer_id, "before": before, "after": after, "days_past_due": days, "overdue": overdue}


def open_worklist(frames: LedgerFrames, as_of: date, lgd: float, uow: UnitOfWork) -> list[dict[str, Any]]:
    """The worklist with the dunning levels and promises as stored."""
    with uow:
        levels, promises = uow.collections.dunning_levels(), uow.collections.promises()
    return worklist(frames, as_of, lgd, UNSCORED_PD, levels, promises)


#: An overdue item's columns as the worklist ranks them (``overdue_items``; the nightly batch keeps
#: them so, adapters/db/kept_worklist.py).
ITEM_COLUMNS = (
    *("customer_id", "invoice_id", "currency", "due_date", "days_past_due", "open_minor", "disputed"),
    *("pd", "expected_loss"),
)


def overdue_items(frames: LedgerFrames, as_of: date, lgd: float, fallback_pd: float) -> pd.DataFrame:
    """The overdue items (``ITEM_COLUMNS``), highest expected loss first, then the largest."""
    from creditdesk.service.receivables import items_on

    items = items_on(frames, as_of)
    late = items.loc[(items["open_minor"] > 0) & (items["days_past_due"] > 0)]
    pds = frames.customers.set_index("customer_id")["pd"]
    pd_of = late["customer_id"].map(pds).astype(float).fillna(fallback_pd)
    pd_of = pd_of.where(late["days_past_due"] <= DEFAULT_AFTER_DAYS, 1.0)
    late = late.assign(pd=pd_of, expected_loss=pd_of * lgd * late["open_minor"])
    late = late.sort_values(["expected_loss", "open_minor", "invoice_id"], ascending=[False, False, True])
    return late[list(ITEM_COLUMNS)]


def latest_promises(promises: list[Promise], as_of: date) -> dict[str, Promise]:
    """Each customer's open promise made by ``as_of``, the latest to pay when it has several
    (``promises`` in the store's order: by customer, day promised, id)."""
    latest: dict[str, Promise] = {}
    for promise in promises:
        if promise.status is PromiseStatus.OPEN and promise.made_on <= as_of:
            latest[promise.customer_id] = promise
    return latest


def worklist(
    frames: LedgerFrames,
    as_of: date,
    lgd: float,
    fallback_pd: float,
    levels: dict[str, tuple[int, date | None]],
    promises: list[Promise],
) -> list[dict[str, Any]]:
    """The overdue items, highest expected loss first."""
    latest = latest_promises(promises, as_of)
    rows = []
    for item in overdue_items(frames, as_of, lgd, fallback_pd).itertuples():
        level, since = levels.get(item.customer_id, (0, None))
        rows.append(worklist_row(item, level, since, latest.get(item.customer_id)))
    return rows


def worklist_row(item: Any, level: int, since: date | None, pledged: Promise | None) -> dict[str, Any]:
    """One line of the worklist: an overdue item (``ITEM_COLUMNS`` as attributes) with its
    customer's dunning level, next action and open promise."""
    disputed = bool(item.disputed)
    action = DISPUTE_ACTION if disputed else ACTIONS[level]
    due = item.due_date.date() if isinstance(item.due_date, datetime) else item.due_date  # a Timestamp's day
    return {
        "customer_id": item.customer_id,
        "invoice_id": item.invoice_id,
        "currency": item.currency,
        "due_date": due.isoformat(),
        "days_past_due": int(item.days_past_due),
        "open_amount": str(Money.from_minor(int(item.open_minor), item.currency).amount),
        "disputed": disputed,
        "dunning_level": level,
        "dunning_since": since.isoformat() if since else None,
        "action_en": action[0],
        "action_zh": action[1],
        "promise_id": pledged.promise_id if pledged else None,
        "promised_amount": str(pledged.amount.amount) if pledged else None,
        "promised_on": pledged.promised_on.isoformat() if pledged else None,
        "pd": round(float(item.pd), 4),
        "expected_loss": str(
            Money.rounded(
                Decimal(str(float(item.expected_loss))).scaleb(-minor_unit_exponent(item.currency)), item.currency
            ).amount
        ),
    }


def promise_json(promise: Promise) -> dict[str, Any]:
    body = asdict(promise)
    return {
        **{k: v for k, v in body.items() if k not in ("amount", "status", "promised_on", "made_on", "resolved_on")},
        "amount": str(promise.amount.amount),
        "currency": promise.amount.currency,
        "promised_on": promise.promised_on.isoformat(),
        "made_on": promise.made_on.isoformat(),
        "status": promise.status.value,
        "resolved_on": promise.resolved_on.isoformat() if promise.resolved_on else None,
    }
