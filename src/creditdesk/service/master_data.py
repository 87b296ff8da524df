"""Master data that changes with history: customer changes, group moves, deactivation, merges.

Every change writes a new ``customer_versions`` row (valid from the change's business date; the
previous version ends there: half-open [from, to)), updates the ``customers`` row (the newest
version, which every other read uses), and is audited and published (``customer.changed``) in
the same transaction. A group move takes the customer's exposure out of the pooled accounts it
leaves and into those it enters, with ledger postings, while the customer's account is locked
as the credit engine locks it, so no order slips in between. See docs/master-data.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from creditdesk.domain.customers import Segment
from creditdesk.domain.fx import MissingRate, Rate, identity
from creditdesk.domain.ledger import BalanceOutOfRange, Delta, EntryKind, Totals
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.events import event_payload
from creditdesk.service.ports import Clock, Posting, UnitOfWork

# What a change may touch; ``currency`` only while the account has no exposure.
FIELDS = (
    "name",
    "currency",
    "segment",
    "group_id",
    "country",
    "industry",
    "registered_on",
    "payment_terms_days",
)
STATUSES = ("active", "inactive", "merged")
EVENT = "customer.changed"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")


@dataclass(frozen=True, slots=True)
class ChangeCustomer:
    customer_id: str
    values: dict[str, Any]  # only the fields that are given; None clears an optional field
    actor: str
    role: Role | None
    source: str = "api"  # api, web, import:<file>, merge
    as_of: date | None = None  # the change's business date (default: today)


@dataclass
class Changed:
    customer_id: str
    version: int | None  # None: nothing changed
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    postings: list[Posting] = field(default_factory=list)


def require_write(role: Role | None, what: str = "change customer master data") -> None:
    if role is None or not may(role, Permission.WRITE_DOCUMENTS):
        raise Forbidden(f"to {what} needs the {Permission.WRITE_DOCUMENTS.value} permission (analyst or above)")


def check_values(values: dict[str, Any]) -> dict[str, Any]:
    """The business rules of each field; InvalidInput (422) naming every bad one."""
    problems: list[FieldProblem] = []

    def bad(name: str, code: str, message: str) -> None:
        problems.append(FieldProblem(("body", name), code, f"{name}: {message}"))

    for name in values:
        if name not in FIELDS:
            bad(name, "UNKNOWN_FIELD", f"expected one of {', '.join(FIELDS)}")
    name = values.get("name", "x")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        bad("name", "BAD_VALUE", "expected a name of 1 to 200 characters")
    if "segment" in values and values["segment"] not in {s.value for s in Segment}:
        bad(
            "segment",
            "BAD_VALUE",
            f"expected one of {', '.join(s.value for s in Segment)}, found {values['segment']!r}",
        )
    if "currency" in values and not (
        isinstance(values["currency"], str) and re.fullmatch(r"[A-Z]{3}", values["currency"])
    ):
        bad("currency", "BAD_VALUE", "expected an ISO 4217 code such as CNY")
    country = values.get("country")
    if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
        bad("country", "BAD_VALUE", "expected an ISO 3166 code of two capital letters, such as CN")
    group = values.get("group_id")
    if group is not None and not (isinstance(group, str) and _ID.fullmatch(group)):
        bad("group_id", "BAD_ID", "expected an id of letters, digits and ._:/- (at most 64)")
    industry = values.get("industry")
    if industry is not None and not (isinstance(industry, str) and len(industry) <= 64):
        bad("industry", "TOO_LONG", "expected at most 64 characters")
    if "payment_terms_days" in values:
        terms = values["payment_terms_days"]
        if not isinstance(terms, int) or isinstance(terms, bool) or not 0 <= terms <= 365:
            bad("payment_terms_days", "OUT_OF_RANGE", f"expected 0 to 365 days, found {terms!r}")
    registered = values.get("registered_on")
    if registered is not None and not isinstance(registered, date):
        bad("registered_on", "BAD_DATE", "expected a date YYYY-MM-DD")
    for required in ("currency", "segment", "payment_terms_days", "name"):
        if required in values and values[required] is None:
            bad(required, "MISSING_VALUE", "expected a value, found none")
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems)
    return values


def segment_values() -> list[str]:
    return [s.value for s in Segment]


def diff(before: dict[str, Any], values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (before.get(name), value) for name, value in values.items() if before.get(name) != value}


def change_customer(cmd: ChangeCustomer, uow: UnitOfWork, clock: Clock) -> Changed:
    """Apply a change to one customer (PATCH, web, CLI): one transaction."""
    require_write(cmd.role)
    check_values(cmd.values)
    with uow:
        changed = apply_change(uow, cmd, clock)
        uow.commit()
    return changed


def apply_change(
    uow: UnitOfWork, cmd: ChangeCustomer, clock: Clock, *, status: dict[str, Any] | None = None
) -> Changed:
    """One change inside the caller's transaction. ``status``: a status/merged_into change
    (deactivate, reactivate, merge) beside the fields."""
    return apply_changes(uow, [cmd], clock, statuses=[status])[0]


def apply_changes(
    uow: UnitOfWork,
    cmds: list[ChangeCustomer],
    clock: Clock,
    *,
    statuses: list[dict[str, Any] | None] | None = None,
    audit_as: str | None = None,
) -> list[Changed]:
    """Changes to many customers inside the caller's transaction, with a few statements for all
    of them (an import's batch) and the same rules as one: permission, the currency only without
    exposure, dates in order, group moves with ledger postings, versions, events and audit.

    The customers' accounts are locked first (in id order, as the engine locks one), then the
    pooled groups involved (in group id order), so no order slips in between. ``audit_as``: one
    audit record for the whole batch under that name (an import); else one per customer."""
    for cmd in cmds:
        require_write(cmd.role)
    if len({cmd.customer_id for cmd in cmds}) != len(cmds):
        raise InvalidInput("each customer may change once in a batch")
    statuses = statuses or [None] * len(cmds)
    md = uow.master_data
    ids = [cmd.customer_id for cmd in cmds]
    accounts = md.lock_accounts(sorted(ids))
    stored = md.customers(ids)
    today, now = clock.today(), clock.now()
    results: list[Changed] = []
    work: list[tuple[ChangeCustomer, dict[str, Any], dict[str, tuple[Any, Any]], dict[str, Any]]] = []
    for cmd, status in zip(cmds, statuses, strict=True):
        before, account = stored.get(cmd.customer_id), accounts.get(cmd.customer_id)
        if before is None or account is None:
            raise NotFound(
                f"customer {cmd.customer_id!r} does not exist",
                code="not_found",
                values={"what": "customer", "id": cmd.customer_id},
            )
        changes = diff(before, cmd.values)
        if status:
            changes.update(diff(before, status))
        results.append(Changed(cmd.customer_id, None))
        if not changes:
            continue
        if "currency" in changes:
            _check_currency_change(cmd.customer_id, account["totals"], account["limit_minor"])
        work.append((cmd, before, changes, {**before, **cmd.values, **(status or {})}))
    if not work:
        return results
    latest = md.latest_versions([cmd.customer_id for cmd, *_ in work])
    days: dict[str, date] = {}
    for cmd, *_ in work:
        on = cmd.as_of or today
        newest = latest.get(cmd.customer_id)
        if newest is not None and on < newest[1]:
            raise InvalidInput(
                f"customer {cmd.customer_id!r}: the change's date {on} is before the newest version's "
                f"({newest[1]}, version {newest[0]}); changes apply from their date on, in order",
                [FieldProblem(("body", "as_of"), "DATE_ORDER", f"expected {newest[1]} or later")],
            )
        days[cmd.customer_id] = on
    moves = [
        (cmd.customer_id, before["group_id"], changes["group_id"][1])
        for cmd, before, changes, _ in work
        if "group_id" in changes
    ]
    postings = _group_moves(uow, moves, accounts, days) if moves else {}
    md.write_versions(
        [
            {
                **after,
                "valid_from": days[cmd.customer_id],
                "changes": changes,
                "source": cmd.source,
                "changed_by": cmd.actor,
                "recorded_at": now,
            }
            for cmd, _, changes, after in work
        ],
        latest,
    )
    md.update_customers([after for *_, after in work])
    for cmd, _, changes, after in work:
        if "currency" in changes:
            md.set_account_currency(cmd.customer_id, after["currency"])
    every = [posting for found in postings.values() for posting in found]
    if every:
        md.post_group_moves(every, now)
    events = []
    index = {cid: i for i, cid in enumerate(ids)}
    for cmd, _, changes, _ in work:
        cid = cmd.customer_id
        newest = latest.get(cid)
        version = newest[0] + 1 if newest else 1
        moved = postings.get(cid, [])
        results[index[cid]] = Changed(cid, version, changes, moved)
        events.append((cid, EVENT, change_payload(cid, version, days[cid], changes, cmd.source, moved)))
    md.emit_many(events, now)
    if audit_as is not None:
        actor = work[0][0].actor
        uow.audit.append(
            actor,
            "customers.changed",
            "import",
            audit_as[:64],
            {"source": audit_as, "customers": {cid: payload for cid, _, payload in events}},
        )
    else:
        for (cmd, *_), (cid, kind, payload) in zip(work, events, strict=True):
            uow.audit.append(cmd.actor, kind, "customer", cid, payload, stream=cid)
    return results


def change_payload(
    customer_id: str, version: int, on: date, changes: dict[str, tuple[Any, Any]], source: str, postings: list[Posting]
) -> dict[str, Any]:
    return {
        **event_payload(customer_id, postings, []),
        "version": version,
        "valid_from": on.isoformat(),
        "changes": {k: [plain(b), plain(a)] for k, (b, a) in sorted(changes.items())},
        "source": source,
    }


def plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _check_currency_change(customer_id: str, totals: Totals, limit_minor: int) -> None:
    if not totals.is_zero():
        raise Conflict(
            f"customer {customer_id!r} has exposure (receivables {totals.receivable}, orders {totals.reserved}, "
            f"delivered {totals.delivered}, cash on account {totals.unapplied} minor units): its currency "
            "may change only when all of it is settled"
        )
    if limit_minor:
        raise Conflict(
            f"customer {customer_id!r} has a credit limit in its currency: set the limit to 0 before "
            "changing the currency, then set the new limit"
        )


def _group_moves(
    uow: UnitOfWork,
    moves: list[tuple[str, str | None, str | None]],
    accounts: dict[str, dict[str, Any]],
    days: dict[str, date],
) -> dict[str, list[Posting]]:
    """Per customer: postings that take exactly what it contributed out of every pooled account it
    leaves (the group's entries of its own postings), and its exposure at the change date's rate
    into every one it enters. Groups above both (a common parent) keep it: nothing moves there."""
    md = uow.master_data
    chains: dict[str | None, list[str]] = {}

    def chain(group_id: str | None) -> list[str]:
        if group_id not in chains:
            chains[group_id] = md.chain(group_id)
        return chains[group_id]

    md.ensure_groups([new for _, _, new in moves if new is not None])
    plans = []
    for cid, old, new in moves:
        old_chain, new_chain = chain(old), chain(new)
        plans.append((cid, [g for g in old_chain if g not in new_chain], [g for g in new_chain if g not in old_chain]))
    pools = md.lock_groups(sorted({g for _, leaving, entering in plans for g in (*leaving, *entering)}))
    if not pools:
        return {}
    running = {
        gid: Totals(p["receivable_minor"], p["reserved_minor"], p["delivered_minor"], p["unapplied_minor"])
        for gid, p in pools.items()
    }
    contributed = md.contributions([(cid, g) for cid, leaving, _ in plans for g in leaving if g in pools])
    rates: dict[tuple[str, str, date], Rate] = {}
    found: dict[str, list[Posting]] = {}
    for cid, leaving, entering in plans:
        postings: list[Posting] = []
        for gid in leaving:
            out = contributed.get((cid, gid))
            if gid not in pools or out is None or out.is_zero():
                continue
            moved = Delta(-out.receivable, -out.reserved, -out.delivered, -out.unapplied)
            running[gid] = _within(running[gid], moved, gid)
            postings.append(Posting("group", gid, EntryKind.GROUP_MOVE, cid, moved))
        totals, currency = accounts[cid]["totals"], accounts[cid]["currency"]
        for gid in entering:
            if gid not in pools or totals.is_zero():
                continue
            key = (currency, pools[gid]["currency"], days[cid])
            if key not in rates:
                rates[key] = _rate(uow, *key, gid)
            moved = totals.scaled(rates[key])
            running[gid] = _within(running[gid], moved, gid)
            postings.append(Posting("group", gid, EntryKind.GROUP_MOVE, cid, moved, None, str(rates[key].rate)))
        if postings:
            found[cid] = postings
    return found


def _rate(uow: UnitOfWork, source: str, target: str, on: date, group_id: str) -> Rate:
    if source == target:
        return identity(source, on)
    try:
        return uow.reference.rate(source, target, on)
    except MissingRate as error:
        raise InvalidInput(f"group {group_id}: {error}") from None


def _within(totals: Totals, delta: Delta, group_id: str) -> Totals:
    try:
        return totals.moved_by(delta, f"group {group_id}")
    except BalanceOutOfRange as error:
        raise InvalidInput(str(error)) from None


# --- status: deactivate, reactivate, merge ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetStatus:
    customer_id: str
    active: bool
    actor: str
    role: Role | None
    source: str = "api"


def set_status(cmd: SetStatus, uow: UnitOfWork, clock: Clock) -> Changed:
    """Deactivate (no new orders: the credit check refuses them) or reactivate a customer."""
    require_write(cmd.role, "deactivate or reactivate a customer")
    with uow:
        current = uow.master_data.customer(cmd.customer_id)
        if current is None:
            raise NotFound(
                f"customer {cmd.customer_id!r} does not exist",
                code="not_found",
                values={"what": "customer", "id": cmd.customer_id},
            )
        if current["status"] == "merged":
            raise Conflict(
                f"customer {cmd.customer_id!r} was merged into {current['merged_into']!r}; a merge is not undone"
            )
        status = {"status": "active" if cmd.active else "inactive", "merged_into": None}
        change = ChangeCustomer(cmd.customer_id, {}, cmd.actor, cmd.role, cmd.source)
        changed = apply_change(uow, change, clock, status=status)
        uow.commit()
    return changed


@dataclass(frozen=True, slots=True)
class MergeCustomer:
    customer_id: str  # the customer that goes away
    into: str  # the one that stays
    actor: str
    role: Role | None


def merge_customer(cmd: MergeCustomer, uow: UnitOfWork, clock: Clock) -> Changed:
    """Merge A into B: A becomes ``merged`` (no new orders, history kept), B's timeline says so.
    Refused while A has exposure: it must be settled (or its documents moved) first."""
    require_write(cmd.role, "merge customers")
    if cmd.customer_id == cmd.into:
        raise InvalidInput(
            "a customer cannot be merged into itself",
            [FieldProblem(("body", "into"), "BAD_VALUE", "expected another id")],
        )
    with uow:
        target = uow.master_data.customer(cmd.into)
        if target is None:
            raise NotFound(f"customer {cmd.into!r} (to merge into) does not exist")
        if target["status"] == "merged":
            raise Conflict(
                f"customer {cmd.into!r} was itself merged into {target['merged_into']!r}; merge into that one"
            )
        current = uow.master_data.customer(cmd.customer_id)
        if current is None:
            raise NotFound(
                f"customer {cmd.customer_id!r} does not exist",
                code="not_found",
                values={"what": "customer", "id": cmd.customer_id},
            )
        if current["status"] == "merged":
            raise Conflict(f"customer {cmd.customer_id!r} is already merged into {current['merged_into']!r}")
        today = clock.today()
        state = uow.credit_accounts.account(cmd.customer_id, today, lock=True)
        assert state is not None
        totals = state.totals
        if not totals.is_zero():
            open_parts = [
                f"{label} {amount} minor units"
                for label, amount in (
                    ("receivables", totals.receivable),
                    ("open orders", totals.reserved),
                    ("delivered, not invoiced", totals.delivered),
                    ("cash on account", totals.unapplied),
                )
                if amount
            ]
            raise Conflict(
                f"customer {cmd.customer_id!r} still has exposure: settle first {', '.join(open_parts)} "
                f"({state.currency}); then merge it into {cmd.into!r}"
            )
        change = ChangeCustomer(cmd.customer_id, {}, cmd.actor, cmd.role, "merge")
        changed = apply_change(uow, change, clock, status={"status": "merged", "merged_into": cmd.into})
        # The surviving customer's timeline shows the merge too (a version without field changes).
        _note_on_survivor(uow, cmd, clock)
        uow.commit()
    return changed


def _note_on_survivor(uow: UnitOfWork, cmd: MergeCustomer, clock: Clock) -> None:
    today, now = clock.today(), clock.now()
    uow.credit_accounts.account(cmd.into, today, lock=True)
    survivor = uow.master_data.customer(cmd.into)
    assert survivor is not None
    latest = uow.master_data.latest_versions([cmd.into])
    newest = latest.get(cmd.into)
    on = max(today, newest[1]) if newest else today
    changes: dict[str, tuple[Any, Any]] = {"merged_from": (None, cmd.customer_id)}
    uow.master_data.write_versions(
        [
            {
                **survivor,
                "valid_from": on,
                "changes": changes,
                "source": "merge",
                "changed_by": cmd.actor,
                "recorded_at": now,
            }
        ],
        latest,
    )
    version = newest[0] + 1 if newest else 1
    payload = change_payload(cmd.into, version, on, changes, "merge", [])
    uow.ledger.emit(cmd.into, EVENT, payload, now)
    uow.audit.append(cmd.actor, EVENT, "customer", cmd.into, payload, stream=cmd.into)


def history(uow: UnitOfWork, customer_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The customer as it is now, and every version of its master data, oldest first."""
    with uow:
        current = uow.master_data.customer(customer_id)
        if current is None:
            raise NotFound(
                f"customer {customer_id!r} does not exist",
                code="not_found",
                values={"what": "customer", "id": customer_id},
            )
        return current, uow.master_data.history(customer_id)
