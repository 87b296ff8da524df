"""Account standing, reviews and pooled group limits: changes a credit manager makes, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.fx import MissingRate, identity
from creditdesk.domain.ledger import BalanceOutOfRange, Delta, EntryKind, Totals
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.auth import refuse_non_person
from creditdesk.service.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.events import event_payload
from creditdesk.service.ports import Clock, Posting, RecordedChange, StandingChange, UnitOfWork


@dataclass(frozen=True, slots=True)
class SetStanding:
    """Status (active, on hold, blocked), risk class and next review date of one account."""

    customer_id: str
    actor: str
    role: Role
    reason: str
    status: AccountStatus | None = None
    risk_class: str | None = None
    next_review_on: date | None = None


def set_standing(cmd: SetStanding, uow: UnitOfWork, clock: Clock) -> None:
    if not may(cmd.role, Permission.SET_STANDING):
        raise Forbidden(
            f"role {cmd.role.value!r} may not change an account's standing",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    if not cmd.reason.strip():
        raise InvalidInput("a change of standing needs a reason")
    with uow:
        refuse_non_person(uow, cmd.actor, "changing an account's standing")
        state = uow.credit_accounts.account(cmd.customer_id, clock.today(), lock=True)
        if state is None:
            raise NotFound(
                f"customer {cmd.customer_id!r} does not exist",
                code="not_found",
                values={"what": "customer", "id": cmd.customer_id},
            )
        changes = {
            "status": cmd.status.value if cmd.status else None,
            "risk_class": cmd.risk_class,
            "next_review_on": cmd.next_review_on,
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            raise InvalidInput("nothing to change: give a status, a risk class or a review date")
        change = StandingChange(clock.today(), cmd.status, cmd.risk_class, cmd.next_review_on)
        uow.credit_accounts.set_standing(cmd.customer_id, change)
        before = {"status": state.status.value, "risk_class": state.risk_class, "next_review_on": state.next_review_on}
        uow.audit.append(
            cmd.actor,
            "account.standing",
            "customer",
            cmd.customer_id,
            {"from": {k: before[k] for k in changes}, "to": changes, "reason": cmd.reason},
            stream=cmd.customer_id,
        )
        if cmd.status is not None and cmd.status is not state.status:
            standing = {"customer_id": cmd.customer_id, "from": state.status.value, "to": cmd.status.value}
            uow.ledger.emit(cmd.customer_id, "account.status_changed", {**standing, "reason": cmd.reason}, clock.now())
            # In the change log too: the status badge says who changed it, when and why.
            words = {"active": "活跃", "on_hold": "暂停", "blocked": "冻结"}
            uow.management.record(
                RecordedChange(
                    cmd.customer_id,
                    clock.today(),
                    "MANUAL_STANDING",
                    "status",
                    state.status.value,
                    cmd.status.value,
                    {"reason": cmd.reason},
                    None,
                    f"{cmd.status.value.replace('_', ' ')} by {cmd.actor} on {clock.today()}: {cmd.reason}",
                    f"{cmd.actor} 于 {clock.today()} 设为{words[cmd.status.value]}：{cmd.reason}",
                    cmd.actor,
                    clock.now(),
                )
            )
        uow.commit()


@dataclass(frozen=True, slots=True)
class SetGroupLimit:
    group_id: str
    amount: Money
    reason: str
    actor: str
    role: Role


def set_group_limit(cmd: SetGroupLimit, uow: UnitOfWork, clock: Clock) -> None:
    """Set a pooled limit over a group and every group below it.

    The first time, the group account opens with its members' exposure (converted at
    today's rate), locking the members' accounts first as the reservation path does.
    """
    if not may(cmd.role, Permission.SET_GROUP_LIMIT):
        raise Forbidden(
            f"role {cmd.role.value!r} may not set group limits", code="role_may_not", values={"role": cmd.role.value}
        )
    if cmd.amount.is_negative():
        raise InvalidInput("a credit limit cannot be negative")
    if not cmd.reason.strip():
        raise InvalidInput("a limit change needs a reason")
    today, at = clock.today(), clock.now()
    with uow:
        refuse_non_person(uow, cmd.actor, "setting a group limit")
        if uow.groups.get(cmd.group_id) is None:
            raise NotFound(
                f"group {cmd.group_id!r} does not exist", code="not_found", values={"what": "group", "id": cmd.group_id}
            )
        # Only the group's own row: an existing pooled account is locked alone (no member waits on it
        # while holding the group), a new one locks the members first, as reservations do.
        existing = [g for g in uow.group_accounts.groups_over(cmd.group_id, lock=True) if g.group_id == cmd.group_id]
        if existing:
            if existing[0].currency != cmd.amount.currency:
                raise InvalidInput(f"the group limit is kept in {existing[0].currency}; got {cmd.amount.currency}")
            uow.group_accounts.set_group_limit(cmd.group_id, cmd.amount.minor)
            before = Money.from_minor(existing[0].limit, existing[0].currency).to_json()
        else:
            members = uow.group_accounts.lock_group_members(cmd.group_id, today)
            uow.group_accounts.open_group_account(cmd.group_id, cmd.amount.currency, cmd.amount.minor)
            postings = []
            opening = Totals()
            for member in members:
                try:
                    rate = (
                        identity(member.currency, today)
                        if member.currency == cmd.amount.currency
                        else uow.reference.rate(member.currency, cmd.amount.currency, today)
                    )
                except MissingRate as error:
                    raise InvalidInput(f"member {member.customer_id}: {error}") from None
                totals = member.totals
                delta = Delta(totals.receivable, totals.reserved, totals.delivered, totals.unapplied)
                if not delta.is_zero():
                    opening = _opening_within_bounds(opening, delta.scaled(rate), cmd.group_id)
                    postings.append(
                        Posting(
                            "group",
                            cmd.group_id,
                            EntryKind.OPENING,
                            member.customer_id,
                            delta.scaled(rate),
                            None,
                            str(rate.rate),
                        )
                    )
            if postings:
                uow.ledger.post(postings, at)
            for posting in postings:  # each member's stream tells what it brought into the group
                payload = event_payload(posting.ref_id, [posting], [])
                uow.ledger.emit(posting.ref_id, "group.opened", payload, at)
            before = None
        uow.audit.append(
            cmd.actor,
            "group.limit.set",
            "group",
            cmd.group_id,
            {"from": before, "to": cmd.amount.to_json(), "currency": cmd.amount.currency, "reason": cmd.reason},
            stream=f"group:{cmd.group_id}",
        )
        uow.commit()


def _opening_within_bounds(opening: Totals, member: Delta, group_id: str) -> Totals:
    """A new group account opens with its members' balances summed: refused (422) when the sum
    passes the bound of one balance."""
    try:
        return opening.moved_by(member, f"group {group_id}")
    except BalanceOutOfRange as error:
        raise InvalidInput(str(error), [FieldProblem(("body", "amount"), "BALANCE_TOO_LARGE", str(error))]) from None
