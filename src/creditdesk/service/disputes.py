"""Disputes as cases: a reason, an amount (the whole open amount of an invoice or a part), an
owner, a due date, a status and comments.

The disputed part leaves the overdue rules and dunning; the rest of the invoice stays in them.
``invoices.disputed_minor`` is the sum of the open cases on an invoice and ``invoices.disputed``
(the old whole-invoice flag) is true only when that sum covers the whole open amount, so the
check's partial index on undisputed items holds. Opening a case and rejecting it move the stored
overdue watermark through ``billing.change_disputed`` (the path the whole-invoice flag takes);
a case resolved by credit note posts a ``credit_note`` payment on the invoice through
``billing.apply_payment`` (ledger entry, receivable down, audit, event) in the same transaction.

Statuses: open -> in_review -> resolved_credited | resolved_rejected (open may be resolved
directly). Who may: analysts and above (``Permission.WRITE_DOCUMENTS``) open, review, comment
and resolve; everyone signed in reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from creditdesk.domain.documents import Payment, SettlementKind
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.billing import apply_payment, change_disputed
from creditdesk.service.commands import Locked, run
from creditdesk.service.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, OpenItemRow, UnitOfWork
from creditdesk.service.results import DisputeResult, Replayed

REASON_CODES = ("price", "quantity", "quality", "delivery", "duplicate", "other")
OPEN, IN_REVIEW, CREDITED, REJECTED = "open", "in_review", "resolved_credited", "resolved_rejected"
STATUSES = (OPEN, IN_REVIEW, CREDITED, REJECTED)
ACTIVE = (OPEN, IN_REVIEW)
DEFAULT_DUE_DAYS = 14
SORTS = ("age", "amount")


@dataclass(frozen=True, slots=True)
class DisputeCase:
    dispute_id: str
    invoice_id: str
    customer_id: str
    reason_code: str
    amount_minor: int
    currency: str
    owner: str
    status: str
    opened_on: date
    due_on: date
    opened_by: str
    opened_at: datetime
    resolved_on: date | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    credit_note_id: str | None = None

    def as_json(self, today: date | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "dispute_id": self.dispute_id,
            "invoice_id": self.invoice_id,
            "customer_id": self.customer_id,
            "reason_code": self.reason_code,
            "amount": str(Money.from_minor(self.amount_minor, self.currency).amount),
            "currency": self.currency,
            "owner": self.owner,
            "status": self.status,
            "opened_on": self.opened_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "opened_by": self.opened_by,
            "resolved_on": self.resolved_on.isoformat() if self.resolved_on else None,
            "resolved_by": self.resolved_by,
            "resolution": self.resolution,
            "credit_note_id": self.credit_note_id,
        }
        if today is not None:
            end = self.resolved_on or today
            body["age_days"] = (end - self.opened_on).days
            body["past_due"] = self.status in ACTIVE and self.due_on < today
        return body


def _allowed(role: Role, doing: str) -> None:
    if not may(role, Permission.WRITE_DOCUMENTS):
        raise Forbidden(f"role {role.value!r} may not {doing}", code="role_may_not", values={"role": role.value})


def _text(value: str | None, name: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"{name} holds at most {limit} characters", [FieldProblem(("body", name), "TOO_LONG", "")])
    return text


def _owner_of_invoice(uow: UnitOfWork, invoice_id: str) -> str:
    customer_id = uow.receivables.invoice_customer(invoice_id)
    if customer_id is None:
        raise NotFound(
            f"invoice {invoice_id!r} does not exist", code="not_found", values={"what": "invoice", "id": invoice_id}
        )
    return customer_id


def _owner_of_dispute(uow: UnitOfWork, dispute_id: str) -> str:
    case = uow.disputes.get(dispute_id)
    if case is None:
        raise NotFound(
            f"dispute {dispute_id!r} does not exist", code="not_found", values={"what": "dispute", "id": dispute_id}
        )
    return case.customer_id


def _publish(tx: Locked, event: str, actor: str, case: DisputeCase, extra: dict[str, Any] | None = None) -> None:
    payload = {
        "customer_id": case.customer_id,
        "postings": [],
        "orders": [],
        "dispute_id": case.dispute_id,
        "invoice_id": case.invoice_id,
        "reason_code": case.reason_code,
        "amount": str(Money.from_minor(case.amount_minor, case.currency).amount),
        "currency": case.currency,
        "status": case.status,
        **(extra or {}),
    }
    if event in ("dispute.opened", "dispute.resolved"):
        tx.uow.ledger.emit(case.customer_id, event, payload, tx.at)
    tx.uow.audit.append(actor, event, "dispute", case.dispute_id, payload, stream=case.customer_id)


def _comment(tx: Locked, case: DisputeCase, body: str, actor: str) -> None:
    if body:
        from creditdesk.service.notes import add_note

        add_note(tx.uow, "dispute", case.dispute_id, case.customer_id, body, actor, at=tx.at)


# --- opening -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenDispute:
    invoice_id: str
    reason_code: str
    actor: str
    role: Role
    amount: Decimal | None = None  # None: the whole undisputed open amount
    owner: str | None = None  # default: whoever opens it
    due_on: date | None = None  # default: DEFAULT_DUE_DAYS after today
    comment: str = ""
    dispute_id: str | None = None


def _parse_amount(amount: Decimal | str | None) -> Decimal | None:
    if amount is None or isinstance(amount, Decimal):
        return amount
    try:
        return Decimal(amount)
    except InvalidOperation:
        raise InvalidInput(f"amount must be a decimal number; got {amount!r}") from None


def _open_in(tx: Locked, cmd: OpenDispute, item: OpenItemRow) -> tuple[Locked, DisputeCase]:
    uow, currency = tx.uow, tx.state.currency
    if item.open_minor <= 0:
        raise Conflict(f"invoice {cmd.invoice_id!r} has nothing open to dispute")
    free = item.undisputed
    if free <= 0:
        raise Conflict(f"the whole open amount of invoice {cmd.invoice_id!r} is already disputed")
    amount = _parse_amount(cmd.amount)
    if amount is None:
        minor = free
    else:
        try:
            minor = Money.of(amount, currency).minor
        except (ValueError, ArithmeticError) as error:
            raise InvalidInput(f"amount: {error}") from None
        if minor <= 0:
            raise InvalidInput(f"a disputed amount must be positive; got {amount}")
        if minor > free:
            raise InvalidInput(
                f"{amount} is more than the undisputed open amount {Money.from_minor(free, currency).amount}"
            )
    due_on = cmd.due_on or tx.today + timedelta(days=DEFAULT_DUE_DAYS)
    if due_on < tx.today:
        raise InvalidInput(f"the due date {due_on} is in the past")
    dispute_id = cmd.dispute_id or f"DSP-{uuid.uuid4().hex[:12]}"
    if uow.disputes.get(dispute_id) is not None:
        raise Conflict(f"dispute {dispute_id!r} already exists")
    owner = _text(cmd.owner, "owner", 100) or cmd.actor
    case = DisputeCase(
        dispute_id,
        cmd.invoice_id,
        tx.state.customer_id,
        cmd.reason_code,
        minor,
        currency,
        owner,
        OPEN,
        tx.today,
        due_on,
        cmd.actor,
        tx.at,
    )
    uow.disputes.add(case)
    after = change_disputed(tx, item, item.disputed_minor + minor)
    _comment(after, case, _text(cmd.comment, "comment", 4000), cmd.actor)
    _publish(after, "dispute.opened", cmd.actor, case)
    return after, case


def open_dispute(cmd: OpenDispute, uow: UnitOfWork, clock: Clock) -> DisputeCase:
    """Open a case on an invoice for its whole undisputed open amount or a part of it."""
    _allowed(cmd.role, "open disputes")
    if cmd.reason_code not in REASON_CODES:
        raise InvalidInput(f"reason_code must be one of {', '.join(REASON_CODES)}; got {cmd.reason_code!r}")

    def act(tx: Locked) -> DisputeCase:
        item = tx.uow.receivables.open_item(cmd.invoice_id)
        assert item is not None
        return _open_in(tx, cmd, item)[1]

    result = run(uow, clock, lambda u: _owner_of_invoice(u, cmd.invoice_id), act)
    assert not isinstance(result, Replayed)
    return result


# --- working on a case ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewDispute:
    dispute_id: str
    actor: str
    role: Role
    comment: str = ""
    owner: str | None = None  # hand the case to someone else


def review_dispute(cmd: ReviewDispute, uow: UnitOfWork, clock: Clock) -> DisputeCase:
    """open -> in_review (and, optionally, a new owner)."""
    _allowed(cmd.role, "review disputes")

    def act(tx: Locked) -> DisputeCase:
        case = tx.uow.disputes.get(cmd.dispute_id)
        assert case is not None
        if case.status not in ACTIVE:
            raise Conflict(f"dispute {cmd.dispute_id!r} is {case.status}")
        changed = replace(case, status=IN_REVIEW, owner=_text(cmd.owner, "owner", 100) or case.owner)
        tx.uow.disputes.save(changed)
        _comment(tx, changed, _text(cmd.comment, "comment", 4000), cmd.actor)
        _publish(tx, "dispute.in_review", cmd.actor, changed, {"owner": changed.owner})
        return changed

    result = run(uow, clock, lambda u: _owner_of_dispute(u, cmd.dispute_id), act)
    assert not isinstance(result, Replayed)
    return result


@dataclass(frozen=True, slots=True)
class CommentDispute:
    dispute_id: str
    body: str
    actor: str
    role: Role


def comment_dispute(cmd: CommentDispute, uow: UnitOfWork, clock: Clock) -> DisputeCase:
    """A comment on a case: a note with subject_kind "dispute" (service/notes.py)."""
    _allowed(cmd.role, "comment on disputes")
    if not cmd.body.strip():
        raise InvalidInput("a comment needs some text", code="comment_required")

    def act(tx: Locked) -> DisputeCase:
        case = tx.uow.disputes.get(cmd.dispute_id)
        assert case is not None
        _comment(tx, case, cmd.body, cmd.actor)
        return case

    result = run(uow, clock, lambda u: _owner_of_dispute(u, cmd.dispute_id), act)
    assert not isinstance(result, Replayed)
    return result


@dataclass(frozen=True, slots=True)
class ResolveDispute:
    dispute_id: str
    outcome: str  # "credited" (a credit note for the disputed amount) or "rejected"
    actor: str
    role: Role
    comment: str = ""
    credit_note_id: str | None = None  # default CN-<dispute_id>


def _resolve_in(tx: Locked, case: DisputeCase, cmd: ResolveDispute) -> tuple[Locked, DisputeCase]:
    uow = tx.uow
    if case.status not in ACTIVE:
        raise Conflict(f"dispute {case.dispute_id!r} is already {case.status}")
    item = uow.receivables.open_item(case.invoice_id)
    assert item is not None
    # The part leaves the dispute: back under the overdue rules first ...
    after = change_disputed(tx, item, max(0, item.disputed_minor - case.amount_minor))
    credit_note_id = None
    credited = 0
    if cmd.outcome == "credited":
        # ... then a credit note settles it (a payment settles the undisputed part first, which
        # this part now is), so a credited case never shows as overdue on the way.
        credited = min(case.amount_minor, item.open_minor)
        if credited > 0:
            credit_note_id = cmd.credit_note_id or f"CN-{case.dispute_id}"
            note = Payment(
                payment_id=credit_note_id,
                customer_id=case.customer_id,
                payment_date=tx.today,
                amount=Money.from_minor(credited, case.currency),
                invoice_id=case.invoice_id,
                kind=SettlementKind.CREDIT_NOTE,
            )
            apply_payment(after, note, cmd.actor)
            fresh = uow.credit_accounts.account(case.customer_id, tx.today, lock=True)
            assert fresh is not None
            after = replace(after, state=fresh)
    status = CREDITED if cmd.outcome == "credited" else REJECTED
    resolution = _text(cmd.comment, "comment", 4000) or None
    resolved = replace(
        case,
        status=status,
        resolved_on=tx.today,
        resolved_by=cmd.actor,
        resolution=resolution,
        credit_note_id=credit_note_id,
    )
    uow.disputes.save(resolved)
    _comment(after, resolved, resolution or "", cmd.actor)
    credited_text = str(Money.from_minor(credited, case.currency).amount)
    _publish(
        after, "dispute.resolved", cmd.actor, resolved, {"credit_note_id": credit_note_id, "credited": credited_text}
    )
    return after, resolved


def resolve_dispute(cmd: ResolveDispute, uow: UnitOfWork, clock: Clock) -> DisputeCase:
    """Close a case: by a credit note for its amount (ledger, receivable down) or by rejection
    (the part returns to the overdue rules and dunning)."""
    _allowed(cmd.role, "resolve disputes")
    if cmd.outcome not in ("credited", "rejected"):
        raise InvalidInput(f"outcome must be credited or rejected; got {cmd.outcome!r}")

    def act(tx: Locked) -> DisputeCase:
        case = tx.uow.disputes.get(cmd.dispute_id)
        assert case is not None
        return _resolve_in(tx, case, cmd)[1]

    result = run(uow, clock, lambda u: _owner_of_dispute(u, cmd.dispute_id), act)
    assert not isinstance(result, Replayed)
    return result


# --- the old whole-invoice flag (PUT /api/v1/invoices/{id}/dispute) ------------------------------


@dataclass(frozen=True, slots=True)
class FlagWhole:
    invoice_id: str
    disputed: bool
    reason: str
    actor: str
    role: Role


def flag_whole(cmd: FlagWhole, uow: UnitOfWork, clock: Clock) -> DisputeResult:
    """True: a case ("other") for whatever of the invoice is not yet disputed; false: every open
    case on it rejected with the reason (and an old flag without cases cleared)."""
    _allowed(cmd.role, "flag disputes")
    if not cmd.reason.strip():
        raise InvalidInput("a dispute flag needs a reason")

    def act(tx: Locked) -> DisputeResult:
        item = tx.uow.receivables.open_item(cmd.invoice_id)
        assert item is not None
        if cmd.disputed:
            if item.open_minor > 0 and item.undisputed > 0:
                opening = OpenDispute(cmd.invoice_id, "other", cmd.actor, cmd.role, comment=cmd.reason)
                _open_in(tx, opening, item)
        else:
            closing = ResolveDispute("", "rejected", cmd.actor, cmd.role, comment=cmd.reason)
            for case in tx.uow.disputes.active_for_invoice(cmd.invoice_id):
                tx, _ = _resolve_in(tx, case, closing)
            item = tx.uow.receivables.open_item(cmd.invoice_id)
            assert item is not None
            if item.disputed or item.disputed_minor:  # a flag from before cases, or an import's
                change_disputed(tx, item, 0)
        return DisputeResult(cmd.invoice_id, tx.state.customer_id, cmd.disputed)

    result = run(uow, clock, lambda u: _owner_of_invoice(u, cmd.invoice_id), act)
    assert not isinstance(result, Replayed)
    return result


# --- reading -----------------------------------------------------------------------------------


def worklist(
    uow: UnitOfWork,
    today: date,
    status: str | None = None,
    customer_id: str | None = None,
    sort: str = "age",
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Cases oldest first (``sort=age``; the larger first on the same day) or largest first
    (``sort=amount``; the older first at the same amount). ``status``: one status, ``active``
    (open and in review: the default) or ``all``."""
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
    wanted = status or "active"
    if wanted not in (*STATUSES, "active", "all"):
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, active or all; got {wanted!r}")
    statuses = ACTIVE if wanted == "active" else STATUSES if wanted == "all" else (wanted,)
    with uow:
        cases = uow.disputes.cases(statuses, customer_id, sort, limit)
    return [c.as_json(today) for c in cases]


def dispute_detail(uow: UnitOfWork, dispute_id: str, today: date) -> dict[str, Any]:
    with uow:
        case = uow.disputes.get(dispute_id)
        if case is None:
            raise NotFound(
                f"dispute {dispute_id!r} does not exist", code="not_found", values={"what": "dispute", "id": dispute_id}
            )
        notes = uow.notes.notes("dispute", dispute_id, None, None, 200)
    return {**case.as_json(today), "comments": [n.as_json() for n in notes]}
