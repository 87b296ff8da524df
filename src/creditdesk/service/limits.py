"""Changing a credit limit: within one's authority it applies, beyond it it waits for approval.

The authority matrix of the active policy says who may set which limit alone (amount and grade
→ role). A change beyond the caller's authority, or asked for by sales, becomes a limit request
for the lowest role that may decide it; the requester never decides their own request (four
eyes). A limit with an end date is temporary: it lapses back to the permanent limit the day
after. Every change is audited and kept in the limit history with its source.

An increase is put beside the policy's recommendation, the grade and the segment's ceiling
(domain/limit_warnings.py): its warnings go into the audit, and approving a request that
carries warnings needs a comment. The recommendation is read through a ``LimitInputStore``
the caller passes (``advice``); without one, the warnings that need no recommendation remain.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from creditdesk.domain.accounts import LimitChange, ManagedAccount
from creditdesk.domain.limit_policy import LimitPolicy, recommend, special_segment
from creditdesk.domain.limit_requests import LimitRequest, Origin, RequestStatus
from creditdesk.domain.limit_warnings import LimitContext, LimitWarning, describe
from creditdesk.domain.money import AmountTooLarge, Money, bounded_minor
from creditdesk.domain.monitoring import add_months, day_zh
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.auth import is_person, refuse_non_person
from creditdesk.service.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, LimitInputStore, RecordedChange, UnitOfWork


@dataclass(frozen=True, slots=True)
class SetCreditLimit:
    customer_id: str
    amount: Money
    reason: str
    actor: str
    role: Role
    expires_on: date | None = None  # a temporary limit, lapsing after this day
    always_request: bool = False  # ask for approval even within one's own authority
    request_id: str | None = None  # the id of the request it may open (a reproducible build's); default a fresh one


@dataclass(frozen=True, slots=True)
class LimitOutcome:
    applied: bool
    request: LimitRequest | None = None
    context: LimitContext | None = None  # the change beside the recommendation, with its warnings


@dataclass(frozen=True, slots=True)
class LimitPreview:
    """What a limit change would do, before it is made: apply now, or a request for ``required_role``."""

    applies: bool
    required_role: Role | None
    context: LimitContext
    expires_on: date | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "applies": self.applies,
            "required_role": None if self.required_role is None else self.required_role.value,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            **self.context.as_json(),
        }


@dataclass(frozen=True, slots=True)
class AppliedLimit:
    """What a limit change carries into the history: why, by whom, under which rule or request."""

    reason: str
    actor: str
    source: str  # manual, request or rule
    rule: str | None = None
    request_id: str | None = None
    policy_version: int | None = None
    warnings: tuple[LimitWarning, ...] = ()
    reason_zh: str | None = None  # the reason in Chinese where the system wrote it (a person's: None)


def approved_reason(request: LimitRequest, actor: str) -> tuple[str, str | None]:
    """The reason an approved request leaves on the limit, and in Chinese where the system wrote it."""
    chinese = f"{request.reason_zh}（{actor} 批准）" if request.reason_zh else None
    return f"{request.reason} (approved by {actor})", chinese


def _approval(
    request: LimitRequest, actor: str, version: int | None, warnings: tuple[LimitWarning, ...]
) -> AppliedLimit:
    """Why a limit changes when ``actor`` approves ``request``."""
    reason, reason_zh = approved_reason(request, actor)
    return AppliedLimit(
        reason,
        actor,
        "request",
        request_id=request.request_id,
        policy_version=version,
        warnings=warnings,
        reason_zh=reason_zh,
    )


def _validate(amount: Money, reason: str, expires_on: date | None, today: date) -> None:
    if amount.is_negative():
        raise InvalidInput("a credit limit cannot be negative")
    if not reason.strip():
        raise InvalidInput("a limit change needs a reason")
    if expires_on is not None and expires_on <= today:
        raise InvalidInput(f"expires_on must be after today ({today}); got {expires_on}")


def _managed(uow: UnitOfWork, customer_id: str) -> ManagedAccount:
    account = uow.management.account(customer_id, lock=True)
    if account is None:
        raise NotFound(
            f"customer {customer_id!r} does not exist", code="not_found", values={"what": "customer", "id": customer_id}
        )
    return account


def raise_role_of(policy: LimitPolicy, segment: str | None) -> str | None:
    """The lowest role a special group lets raise a limit (e.g. admin for related parties)."""
    rule = policy.segments.get(segment) if segment else None
    return rule.min_role if rule is not None else None


def _raise_role(uow: UnitOfWork, policy: LimitPolicy, customer_id: str) -> str | None:
    customer = uow.customers.get(customer_id)
    return raise_role_of(policy, customer.segment if customer is not None else None)


def apply_limit(
    uow: UnitOfWork,
    account: ManagedAccount,
    new: Money,
    expires_on: date | None,
    why: AppliedLimit,
    today: date,
    at: datetime,
) -> None:
    """Set the limit of a locked account; the caller commits."""
    if new.currency != account.currency:
        raise InvalidInput(f"the limit must be in the account currency {account.currency}; got {new.currency}")
    try:
        bounded_minor(new.minor, new.currency)  # a computed limit too (a method's figures times a factor)
    except AmountTooLarge as error:
        raise InvalidInput(str(error), [FieldProblem(("body", "amount"), "AMOUNT_TOO_LARGE", str(error))]) from None
    permanent = account.limit_on(today) if account.base_limit is None else account.permanent_limit()
    base = permanent if expires_on is not None else None
    increased_on = today if expires_on is None and new.amount > permanent.amount else None
    uow.management.set_limit(account.customer_id, new, expires_on, base, increased_on)
    uow.limits.add(
        LimitChange(
            account.customer_id,
            new,
            why.reason,
            why.actor,
            at,
            today,
            expires_on,
            source=why.source,
            rule=why.rule,
            policy_version=why.policy_version,
            request_id=why.request_id,
            reason_zh=why.reason_zh,
        )
    )
    uow.audit.append(
        why.actor,
        "limit.set",
        "customer",
        account.customer_id,
        {
            "from": str(account.limit_on(today).amount),
            "to": str(new.amount),
            "currency": account.currency,
            "reason": why.reason,
            "expires_on": expires_on.isoformat() if expires_on else None,
            "source": why.source,
            "rule": why.rule,
            "request_id": why.request_id,
        }
        | ({"reason_zh": why.reason_zh} if why.reason_zh else {})
        | ({"warnings": [w.as_json() for w in why.warnings]} if why.warnings else {}),
        stream=account.customer_id,
    )
    uow.ledger.emit(
        account.customer_id,
        "limit.changed",
        {
            "customer_id": account.customer_id,
            "from": str(account.limit_on(today).amount),
            "to": str(new.amount),
            "currency": account.currency,
            "expires_on": expires_on.isoformat() if expires_on else None,
            "reason": why.reason,
            "source": why.source,
            "rule": why.rule,
            "request_id": why.request_id,
            "actor": why.actor,
        }
        | ({"reason_zh": why.reason_zh} if why.reason_zh else {}),
        at,
    )


def open_request(uow: UnitOfWork, request: LimitRequest, context: LimitContext | None = None) -> bool:
    """Open the request; False when one of that id exists already (a rule's request of the day)."""
    if uow.management.request(request.request_id) is not None:
        return False
    uow.management.add_request(request)
    uow.audit.append(
        request.requested_by,
        "limit.requested",
        "customer",
        request.customer_id,
        request.as_json() | ({"context": context.as_json()} if context is not None else {}),
        stream=request.customer_id,
    )
    uow.ledger.emit(request.customer_id, "limit.requested", request.as_json(), request.requested_at)
    return True


def recommended_limit(advice: LimitInputStore | None, customer_id: str, as_of: date) -> Decimal | None:
    """The active policy's recommendation for one customer (None without ``advice`` or a figure).
    Read before a unit of work takes its locks: the store reads through its own connection."""
    if advice is None:
        return None
    found = advice.limit_inputs(as_of, customer_id)
    if not found:
        return None
    _, policy = advice.active_limit_policy()
    return recommend(found[0], policy, as_of).final.amount


def recommended_limits(advice: LimitInputStore, customer_ids: set[str], as_of: date) -> dict[str, Decimal | None]:
    """The active policy's recommendations of a few customers (a page of a worklist), at once."""
    if not customer_ids:
        return {}
    _, policy = advice.active_limit_policy()
    found = advice.limit_inputs(as_of, customer_ids=customer_ids)
    return {inputs.customer_id: recommend(inputs, policy, as_of).final.amount for inputs in found}


def limit_context(
    uow: UnitOfWork,
    policy: LimitPolicy,
    customer_id: str,
    current: Money,
    requested: Money,
    recommended: Decimal | None,
    today: date,
    *,
    grade: int | None = None,
    with_segment: bool = True,
) -> LimitContext:
    """The change beside the recommendation, the grade and the special segment's ceiling."""
    segment = ceiling = None
    customer = uow.customers.get(customer_id) if with_segment else None
    if customer is not None:
        segment = special_segment(customer.segment, customer.registered_on, policy, today)
        rule = policy.segments.get(segment) if segment is not None else None
        ceiling = rule.ceiling if rule is not None else None
    return LimitContext(
        currency=current.currency,
        current=current.amount,
        requested=requested.amount,
        recommended=recommended,
        grade=grade,
        ceiling=ceiling,
        segment=segment,
    )


def request_context(
    uow: UnitOfWork, request: LimitRequest, recommended: Decimal | None, today: date
) -> LimitContext | None:
    """A pending request beside the limit it would replace now (None: the customer is gone)."""
    _, policy = uow.management.limit_policy()
    grade = uow.management.grade(request.customer_id)
    if request.company_code is not None:
        from creditdesk.service.segments import segment_limit_of  # builds on this module

        try:
            current = segment_limit_of(uow, request.customer_id, request.company_code, request.amount.currency)
        except InvalidInput:
            return None
        return limit_context(
            uow, policy, request.customer_id, current, request.amount, None, today, grade=grade, with_segment=False
        )
    account = uow.management.account(request.customer_id)
    if account is None:
        return None
    current = account.limit_on(today)
    return limit_context(uow, policy, request.customer_id, current, request.amount, recommended, today, grade=grade)


@dataclass(frozen=True, slots=True)
class _Plan:
    account: ManagedAccount
    version: int | None
    policy: LimitPolicy
    grade: int | None
    current: Money
    special: str | None
    within: bool
    context: LimitContext


def _plan(cmd: SetCreditLimit, uow: UnitOfWork, today: date, recommended: Decimal | None, lock: bool) -> _Plan:
    account = uow.management.account(cmd.customer_id, lock=lock)
    if account is None:
        raise NotFound(
            f"customer {cmd.customer_id!r} does not exist",
            code="not_found",
            values={"what": "customer", "id": cmd.customer_id},
        )
    if cmd.amount.currency != account.currency:
        raise InvalidInput(f"the limit must be in the account currency {account.currency}; got {cmd.amount.currency}")
    version, policy = uow.management.limit_policy()
    grade = uow.management.grade(cmd.customer_id)
    current = account.limit_on(today)
    special = _raise_role(uow, policy, cmd.customer_id)
    within = (
        may(cmd.role, Permission.SET_LIMIT)
        and policy.authority.may_set(cmd.role, cmd.amount, current, grade, special)
        and is_person(uow, cmd.actor)  # a service user's change is always a request
        and not cmd.always_request
    )
    context = limit_context(uow, policy, cmd.customer_id, current, cmd.amount, recommended, today, grade=grade)
    return _Plan(account, version, policy, grade, current, special, within, context)


def preview_limit(
    cmd: SetCreditLimit, uow: UnitOfWork, clock: Clock, advice: LimitInputStore | None = None
) -> LimitPreview:
    """What :func:`set_credit_limit` would do with ``cmd``, changing nothing (the reason may be empty)."""
    if not may(cmd.role, Permission.REQUEST_LIMIT):
        raise Forbidden(
            f"role {cmd.role.value!r} may not change or request credit limits",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    today = clock.today()
    _validate(cmd.amount, cmd.reason or "-", cmd.expires_on, today)
    recommended = recommended_limit(advice, cmd.customer_id, today)
    with uow:
        plan = _plan(cmd, uow, today, recommended, lock=False)
        role = (
            None
            if plan.within
            else plan.policy.authority.required_role(cmd.amount, plan.current, plan.grade, plan.special)
        )
        return LimitPreview(plan.within, role, plan.context, cmd.expires_on)


def set_credit_limit(
    cmd: SetCreditLimit, uow: UnitOfWork, clock: Clock, advice: LimitInputStore | None = None
) -> LimitOutcome:
    """Apply the limit when it lies within the caller's authority; otherwise open a request.
    ``advice``: where the recommendation is read, for the change's warnings."""
    if not may(cmd.role, Permission.REQUEST_LIMIT):
        raise Forbidden(
            f"role {cmd.role.value!r} may not change or request credit limits",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    today, at = clock.today(), clock.now()
    _validate(cmd.amount, cmd.reason, cmd.expires_on, today)
    recommended = recommended_limit(advice, cmd.customer_id, today)
    with uow:
        plan = _plan(cmd, uow, today, recommended, lock=True)
        warnings = plan.context.warnings  # the reason (always required) is the comment they need
        if plan.within:
            why = AppliedLimit(cmd.reason, cmd.actor, "manual", policy_version=plan.version, warnings=warnings)
            apply_limit(uow, plan.account, cmd.amount, cmd.expires_on, why, today, at)
            uow.commit()
            return LimitOutcome(applied=True, context=plan.context)
        request = LimitRequest(
            request_id=cmd.request_id or f"LR-{uuid.uuid4().hex[:12]}",
            customer_id=cmd.customer_id,
            amount=cmd.amount,
            reason=cmd.reason,
            origin=Origin.SALES,
            required_role=plan.policy.authority.required_role(cmd.amount, plan.current, plan.grade, plan.special),
            requested_by=cmd.actor,
            requested_on=today,
            requested_at=at,
            expires_on=cmd.expires_on,
            grade=plan.grade,
            policy_version=plan.version,
        )
        open_request(uow, request, plan.context)
        uow.commit()
        return LimitOutcome(applied=False, request=request, context=plan.context)


@dataclass(frozen=True, slots=True)
class DecideRequest:
    request_id: str
    approve: bool
    actor: str
    role: Role
    comment: str | None = None


def _require_comment(cmd: DecideRequest, context: LimitContext) -> tuple[LimitWarning, ...]:
    """An approval of a warned change needs the approver's comment; the warnings, for the audit."""
    warnings = context.warnings if cmd.approve else ()
    if warnings and not (cmd.comment or "").strip():
        message = f"approving this request needs a comment: it carries warnings ({describe(warnings)})"
        problems = [FieldProblem(("body", "comment"), "COMMENT_REQUIRED", message)]
        raise InvalidInput(message, problems, code="comment_required_warnings")
    return warnings


def decide_request(
    cmd: DecideRequest, uow: UnitOfWork, clock: Clock, advice: LimitInputStore | None = None
) -> LimitRequest:
    """Approve (and apply) or reject a pending request: never by its requester, only within
    authority, and with a comment when the change carries warnings (``advice``: where the
    recommendation is read)."""
    if not may(cmd.role, Permission.SET_LIMIT):
        raise Forbidden(
            f"role {cmd.role.value!r} may not decide limit requests",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    today, at = clock.today(), clock.now()
    recommended = None
    if advice is not None and cmd.approve:
        with uow:  # which customer, before the locks: the store reads through its own connection
            asked = uow.management.request(cmd.request_id)
        if asked is not None and asked.company_code is None:
            recommended = recommended_limit(advice, asked.customer_id, today)
    with uow:
        request = uow.management.request(cmd.request_id, lock=True)
        if request is None:
            raise NotFound(
                f"limit request {cmd.request_id!r} does not exist",
                code="not_found",
                values={"what": "limit request", "id": cmd.request_id},
            )
        if request.status is not RequestStatus.PENDING:
            raise Conflict(f"limit request {cmd.request_id!r} is already {request.status.value}")
        refuse_non_person(uow, cmd.actor, "deciding a limit request")
        if cmd.actor == request.requested_by:
            raise Forbidden("four eyes: the requester may not decide their own request", code="four_eyes_own_request")
        if request.company_code is not None:
            warned = _decide_segment_request(uow, request, cmd, today, at)
            return _decided(uow, request, cmd, at, warned)
        account = _managed(uow, request.customer_id)
        version, policy = uow.management.limit_policy()
        grade = uow.management.grade(request.customer_id)
        current = account.limit_on(today)
        special = _raise_role(uow, policy, request.customer_id)
        if not policy.authority.may_set(cmd.role, request.amount, current, grade, special):
            needed = policy.authority.required_role(request.amount, current, grade, special).value
            raise Forbidden(
                f"a limit of {request.amount.amount:,} {request.amount.currency} at grade {grade or 'unscored'} "
                f"needs a {needed}; role {cmd.role.value!r} is beyond its authority",
                code="limit_beyond_authority",
                values={"amount": f"{request.amount.amount:,} {request.amount.currency}", "needed": needed},
            )
        context = limit_context(
            uow, policy, request.customer_id, current, request.amount, recommended, today, grade=grade
        )
        warnings = _require_comment(cmd, context)
        if cmd.approve:
            if request.expires_on is not None and request.expires_on <= today:
                raise Conflict(f"the requested temporary limit ended on {request.expires_on}")
            why = _approval(request, cmd.actor, version, warnings)
            apply_limit(uow, account, request.amount, request.expires_on, why, today, at)
            if request.origin is Origin.REVIEW:
                _complete_review(uow, account, grade, policy.monitor.review_months, cmd.actor, version, today, at)
        return _decided(uow, request, cmd, at, context)


def _decided(
    uow: UnitOfWork, request: LimitRequest, cmd: DecideRequest, at: datetime, context: LimitContext | None = None
) -> LimitRequest:
    """Record the decision (status, audit, event) and commit."""
    status = RequestStatus.APPROVED if cmd.approve else RequestStatus.REJECTED
    uow.management.decide(request.request_id, status, cmd.actor, at, cmd.comment)
    uow.audit.append(
        cmd.actor,
        f"limit.request.{status.value}",
        "customer",
        request.customer_id,
        {"request_id": request.request_id, "comment": cmd.comment}
        | ({"context": context.as_json()} if context is not None else {}),
        stream=request.customer_id,
    )
    decided = uow.management.request(request.request_id)
    assert decided is not None
    uow.ledger.emit(request.customer_id, f"limit.request.{status.value}", decided.as_json(), at)
    uow.commit()
    return decided


def _decide_segment_request(
    uow: UnitOfWork, request: LimitRequest, cmd: DecideRequest, today: date, at: datetime
) -> LimitContext:
    """A credit segment's limit request: the decider's authority over the segment's limit, then
    (approved, with a comment when warned) the limit set on the locked account, opening the
    segment if need be. The segment's context (no recommendation: that is for the total)."""
    # The segments module builds on this one (requests); imported here, where it is needed.
    from creditdesk.service.commands import lock
    from creditdesk.service.segments import apply_segment_limit, may_act_for, segment_limit_of

    code = request.company_code
    assert code is not None
    may_act_for(uow, cmd.actor, code)
    version, policy = uow.management.limit_policy()
    grade = uow.management.grade(request.customer_id)
    current = segment_limit_of(uow, request.customer_id, code, request.amount.currency)
    if not policy.authority.may_set(cmd.role, request.amount, current, grade, None):
        needed = policy.authority.required_role(request.amount, current, grade, None).value
        raise Forbidden(
            f"a limit of {request.amount.amount:,} {request.amount.currency} in company code {code} at grade "
            f"{grade or 'unscored'} needs a {needed}; role {cmd.role.value!r} is beyond its authority",
            code="limit_beyond_authority",
            values={"amount": f"{request.amount.amount:,} {request.amount.currency}", "needed": needed},
        )
    context = limit_context(
        uow, policy, request.customer_id, current, request.amount, None, today, grade=grade, with_segment=False
    )
    warnings = _require_comment(cmd, context)
    if cmd.approve:
        state = lock(uow, request.customer_id, today, at)
        why = _approval(request, cmd.actor, version, warnings)
        apply_segment_limit(uow, state, code, request.amount, why, today, at)
    return context


@dataclass(frozen=True, slots=True)
class CompleteReview:
    customer_id: str
    actor: str
    role: Role
    comment: str


def complete_review(cmd: CompleteReview, uow: UnitOfWork, clock: Clock) -> None:
    """A person reviewed the account: the next review is scheduled by grade, frozen increases thaw."""
    if not may(cmd.role, Permission.SET_LIMIT):
        raise Forbidden(
            f"role {cmd.role.value!r} may not complete credit reviews",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    if not cmd.comment.strip():
        raise InvalidInput("a review needs a comment", code="comment_required")
    today, at = clock.today(), clock.now()
    with uow:
        refuse_non_person(uow, cmd.actor, "completing a credit review")
        account = _managed(uow, cmd.customer_id)
        version, policy = uow.management.limit_policy()
        grade = uow.management.grade(cmd.customer_id)
        _complete_review(uow, account, grade, policy.monitor.review_months, cmd.actor, version, today, at, cmd.comment)
        uow.commit()


def _complete_review(
    uow: UnitOfWork,
    account: ManagedAccount,
    grade: int | None,
    review_months: Mapping[int, int],
    actor: str,
    version: int | None,
    today: date,
    at: datetime,
    comment: str = "",
) -> None:
    months = review_months[grade if grade is not None else 9]
    next_on = add_months(today, months)
    uow.management.set_next_review(account.customer_id, next_on)
    uow.management.set_increases_frozen(account.customer_id, None)
    en = f"reviewed by {actor}: next review on {next_on} (grade {grade or 'unscored'}, every {months} months)"
    zh = f"已完成复核：下次复核 {day_zh(next_on)}（评级 {grade or '未评分'}，每 {months} 个月）"
    if account.increases_frozen_since is not None:
        en, zh = en + "; increases no longer frozen", zh + "；解除提额冻结"
    inputs = {"grade": str(grade), "months": str(months), "comment": comment}
    before = account.next_review_on.isoformat() if account.next_review_on else None
    uow.management.record(
        RecordedChange(
            account.customer_id,
            today,
            "REVIEW_COMPLETED",
            "review",
            before,
            next_on.isoformat(),
            inputs,
            version,
            en,
            zh,
            actor,
            at,
        )
    )
