"""Cover that counts: credit insurance, guarantees and letters of credit on a customer's profile,
and claims on the insurance when an insured customer defaults.

A cover row (``credit_support``) is valid from ``valid_from`` up to and including ``valid_to``
(none: open-ended). On a day it covers of the customer's exposure E (``covered``):

- insurance: ``cover_share × min(E, buyer limit)`` (``amount`` is the insurer's buyer limit);
- a guarantee or a letter of credit: ``min(E, amount)``;

the sum over the valid rows in the exposure's currency, at most E. The ECL report's
PD × LGD × EAD takes the loss given default net of it: ``ECL = PD × LGD × (EAD − covered)``
(service/receivables.py ``expected_losses``).

Who may: analysts and above (``Permission.WRITE_DOCUMENTS``) record and end cover and file
claims; a claim's outcome (accepted, rejected, paid) is a manager's (``Permission.SET_STANDING``:
it decides what the desk recovers). Everything is audited on the customer's stream.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.commands import Locked, run
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, UnitOfWork
from creditdesk.service.results import Replayed

KINDS = ("insurance", "guarantee", "letter_of_credit")
EXPIRING_DAYS = 30
CLAIM_OUTCOMES = ("accepted", "rejected", "paid")


@dataclass(frozen=True, slots=True)
class CoverRow:
    support_id: str
    customer_id: str
    kind: str
    provider: str
    amount_minor: int
    currency: str
    cover_share: Decimal | None
    valid_from: date
    valid_to: date | None
    policy_number: str | None = None
    recorded_by: str | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def covers(self, exposure: int) -> Decimal:
        """What of ``exposure`` (minor units, in this cover's currency) this row bears."""
        if exposure <= 0:
            return Decimal(0)
        if self.kind == "insurance":
            return (self.cover_share or Decimal(0)) * min(exposure, self.amount_minor)
        return Decimal(min(exposure, self.amount_minor))

    def as_json(self, today: date | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "support_id": self.support_id,
            "customer_id": self.customer_id,
            "kind": self.kind,
            "provider": self.provider,
            "amount": str(Money.from_minor(self.amount_minor, self.currency).amount),
            "currency": self.currency,
            "cover_share": None if self.cover_share is None else str(self.cover_share),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "policy_number": self.policy_number,
            "recorded_by": self.recorded_by,
        }
        if today is not None:
            body["valid"] = self.valid_on(today)
            body["expiring"] = self.valid_to is not None and today <= self.valid_to <= _plus(today, EXPIRING_DAYS)
        return body


def _plus(day: date, days: int) -> date:
    return day + timedelta(days=days)


def covered(rows: list[CoverRow], exposure: int, currency: str, on: date) -> Decimal:
    """What the cover valid ``on`` bears of ``exposure`` (minor units of ``currency``), at most it."""
    total = sum((r.covers(exposure) for r in rows if r.currency == currency and r.valid_on(on)), Decimal(0))
    return min(total, Decimal(max(exposure, 0)))


@dataclass(frozen=True, slots=True)
class Claim:
    claim_id: str
    support_id: str
    customer_id: str
    amount_minor: int
    currency: str
    filed_on: date
    status: str  # filed, accepted, rejected, paid
    paid_minor: int | None
    decided_on: date | None
    filed_by: str
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "support_id": self.support_id,
            "customer_id": self.customer_id,
            "amount": str(Money.from_minor(self.amount_minor, self.currency).amount),
            "currency": self.currency,
            "filed_on": self.filed_on.isoformat(),
            "status": self.status,
            "paid": None if self.paid_minor is None else str(Money.from_minor(self.paid_minor, self.currency).amount),
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "filed_by": self.filed_by,
            "note": self.note,
        }


def _allowed(role: Role, permission: Permission, doing: str) -> None:
    if not may(role, permission):
        raise Forbidden(f"role {role.value!r} may not {doing}", code="role_may_not", values={"role": role.value})


def _decimal(value: Decimal | str | None, name: str) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"{name} must be a decimal number; got {value!r}") from None


def _minor(amount: Decimal | str, currency: str, name: str) -> int:
    value = _decimal(amount, name)
    assert value is not None
    try:
        minor = Money.of(value, currency).minor
    except (ValueError, ArithmeticError) as error:
        raise InvalidInput(f"{name}: {error}") from None
    if minor < 0:
        raise InvalidInput(f"{name} may not be negative; got {amount}")
    return minor


def _audit(tx: Locked, actor: str, action: str, entity: str, entity_id: str, payload: dict[str, Any]) -> None:
    tx.uow.audit.append(actor, action, entity, entity_id, payload, stream=tx.state.customer_id)


# --- cover -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddCover:
    customer_id: str
    kind: str
    provider: str
    amount: Decimal | str  # insurance: the insurer's buyer limit
    currency: str
    valid_from: date
    actor: str
    role: Role
    valid_to: date | None = None
    cover_share: Decimal | str | None = None  # insurance only: 0 < share <= 1
    policy_number: str | None = None
    support_id: str | None = None


def add_cover(cmd: AddCover, uow: UnitOfWork, clock: Clock) -> CoverRow:
    """Record insurance, a guarantee or a letter of credit on a customer."""
    _allowed(cmd.role, Permission.WRITE_DOCUMENTS, "record cover")
    if cmd.kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}; got {cmd.kind!r}")
    provider = cmd.provider.strip()
    if not provider or len(provider) > 64:
        raise InvalidInput("provider must be 1 to 64 characters")
    share = _decimal(cmd.cover_share, "cover_share")
    if cmd.kind == "insurance":
        if share is None or not (Decimal(0) < share <= Decimal(1)):
            raise InvalidInput(f"insurance needs a cover_share above 0 and at most 1; got {cmd.cover_share}")
    elif share is not None:
        raise InvalidInput("a cover_share is for insurance only")
    if cmd.valid_to is not None and cmd.valid_to < cmd.valid_from:
        raise InvalidInput(f"valid_to {cmd.valid_to} is before valid_from {cmd.valid_from}")
    policy = (cmd.policy_number or "").strip() or None
    if policy is not None and len(policy) > 64:
        raise InvalidInput("policy_number holds at most 64 characters")
    amount_minor = _minor(cmd.amount, cmd.currency, "amount")

    def act(tx: Locked) -> CoverRow:
        support_id = cmd.support_id or f"CV-{uuid.uuid4().hex[:12]}"
        if tx.uow.cover.get(support_id) is not None:
            raise Conflict(f"cover {support_id!r} already exists")
        row = CoverRow(
            support_id,
            cmd.customer_id,
            cmd.kind,
            provider,
            amount_minor,
            cmd.currency,
            share,
            cmd.valid_from,
            cmd.valid_to,
            policy,
            cmd.actor,
        )
        tx.uow.cover.add(row)
        _audit(tx, cmd.actor, "cover.added", "cover", support_id, row.as_json())
        return row

    result = run(uow, clock, lambda _: cmd.customer_id, act)
    assert not isinstance(result, Replayed)
    return result


@dataclass(frozen=True, slots=True)
class EndCover:
    support_id: str
    valid_to: date
    reason: str
    actor: str
    role: Role


def _owner_of_cover(uow: UnitOfWork, support_id: str) -> str:
    row = uow.cover.get(support_id)
    if row is None:
        raise NotFound(
            f"cover {support_id!r} does not exist", code="not_found", values={"what": "cover", "id": support_id}
        )
    return row.customer_id


def end_cover(cmd: EndCover, uow: UnitOfWork, clock: Clock) -> CoverRow:
    """Set a cover's last day (cancelled, lapsed or renewed to another row)."""
    _allowed(cmd.role, Permission.WRITE_DOCUMENTS, "end cover")
    if not cmd.reason.strip():
        raise InvalidInput("ending cover needs a reason")

    def act(tx: Locked) -> CoverRow:
        row = tx.uow.cover.get(cmd.support_id)
        assert row is not None
        if cmd.valid_to < row.valid_from:
            raise InvalidInput(f"valid_to {cmd.valid_to} is before valid_from {row.valid_from}")
        ended = replace(row, valid_to=cmd.valid_to)
        tx.uow.cover.set_valid_to(cmd.support_id, cmd.valid_to)
        before = row.valid_to.isoformat() if row.valid_to else None
        payload = {"valid_to": [before, cmd.valid_to.isoformat()], "reason": cmd.reason}
        _audit(tx, cmd.actor, "cover.ended", "cover", cmd.support_id, payload)
        return ended

    result = run(uow, clock, lambda u: _owner_of_cover(u, cmd.support_id), act)
    assert not isinstance(result, Replayed)
    return result


def cover_of(uow: UnitOfWork, customer_id: str | None = None, on: date | None = None) -> list[CoverRow]:
    """The customer's cover (or everyone's), valid ``on`` when a day is given."""
    with uow:
        rows = uow.cover.rows(customer_id)
    return [r for r in rows if on is None or r.valid_on(on)]


# --- claims ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileClaim:
    support_id: str
    amount: Decimal | str
    actor: str
    role: Role
    note: str = ""
    claim_id: str | None = None


def file_claim(cmd: FileClaim, uow: UnitOfWork, clock: Clock) -> Claim:
    """A claim on an insurance policy for what the insured customer did not pay."""
    _allowed(cmd.role, Permission.WRITE_DOCUMENTS, "file insurance claims")

    def act(tx: Locked) -> Claim:
        row = tx.uow.cover.get(cmd.support_id)
        assert row is not None
        if row.kind != "insurance":
            raise InvalidInput(f"claims are on insurance; {cmd.support_id!r} is a {row.kind}")
        amount = _minor(cmd.amount, row.currency, "amount")
        if amount <= 0:
            raise InvalidInput("a claim's amount must be positive")
        claim_id = cmd.claim_id or f"CL-{uuid.uuid4().hex[:12]}"
        if tx.uow.cover.claim(claim_id) is not None:
            raise Conflict(f"claim {claim_id!r} already exists")
        claim = Claim(
            claim_id,
            row.support_id,
            row.customer_id,
            amount,
            row.currency,
            tx.today,
            "filed",
            None,
            None,
            cmd.actor,
            cmd.note.strip()[:2000],
        )
        tx.uow.cover.add_claim(claim)
        _audit(tx, cmd.actor, "claim.filed", "claim", claim_id, claim.as_json())
        return claim

    result = run(uow, clock, lambda u: _owner_of_cover(u, cmd.support_id), act)
    assert not isinstance(result, Replayed)
    return result


@dataclass(frozen=True, slots=True)
class DecideClaim:
    claim_id: str
    outcome: str  # accepted, rejected or paid
    actor: str
    role: Role
    paid: Decimal | str | None = None  # with "paid": what the insurer paid
    note: str = ""


_NEXT = {"filed": ("accepted", "rejected", "paid"), "accepted": ("paid", "rejected")}


def decide_claim(cmd: DecideClaim, uow: UnitOfWork, clock: Clock) -> Claim:
    """filed -> accepted | rejected | paid; accepted -> paid | rejected."""
    _allowed(cmd.role, Permission.SET_STANDING, "decide insurance claims")
    if cmd.outcome not in CLAIM_OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(CLAIM_OUTCOMES)}; got {cmd.outcome!r}")

    def owner(u: UnitOfWork) -> str:
        found = u.cover.claim(cmd.claim_id)
        if found is None:
            raise NotFound(
                f"claim {cmd.claim_id!r} does not exist", code="not_found", values={"what": "claim", "id": cmd.claim_id}
            )
        return found.customer_id

    def act(tx: Locked) -> Claim:
        claim = tx.uow.cover.claim(cmd.claim_id)
        assert claim is not None
        if cmd.outcome not in _NEXT.get(claim.status, ()):
            raise Conflict(f"claim {cmd.claim_id!r} is {claim.status}; it cannot become {cmd.outcome}")
        paid = None
        if cmd.outcome == "paid":
            if cmd.paid is None:
                raise InvalidInput("a paid claim needs the amount paid")
            paid = _minor(cmd.paid, claim.currency, "paid")
            if paid > claim.amount_minor:
                raise InvalidInput("the amount paid is more than the amount claimed")
        elif cmd.paid is not None:
            raise InvalidInput("an amount paid goes with the outcome paid only")
        decided = replace(claim, status=cmd.outcome, paid_minor=paid, decided_on=tx.today)
        tx.uow.cover.save_claim(decided)
        payload = {**decided.as_json(), "before": claim.status, "decision_note": cmd.note}
        _audit(tx, cmd.actor, f"claim.{cmd.outcome}", "claim", cmd.claim_id, payload)
        return decided

    result = run(uow, clock, owner, act)
    assert not isinstance(result, Replayed)
    return result


def claims_of(uow: UnitOfWork, customer_id: str | None = None, status: str | None = None) -> list[Claim]:
    if status is not None and status not in ("filed", *CLAIM_OUTCOMES):
        raise InvalidInput(f"status must be filed, accepted, rejected or paid; got {status!r}")
    with uow:
        return uow.cover.claims(customer_id, status)


def attention(uow: UnitOfWork, today: date) -> dict[str, list[dict[str, Any]]]:
    """Cover expiring within EXPIRING_DAYS (or lapsed in the last 90 days, not renewed) on
    customers with exposure, and defaulted insured customers without a claim."""
    with uow:
        return {
            "cover_expiring": uow.cover.expiring(today, EXPIRING_DAYS),
            "claims_missing": uow.cover.defaulted_without_claim(today),
        }
