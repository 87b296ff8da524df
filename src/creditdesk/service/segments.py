"""Company codes and credit segments: who may act for which selling entity, and each customer's
limit in one company code beside its total (docs/segments.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from creditdesk.domain.accounts import LimitChange
from creditdesk.domain.company_codes import CompanyCode, segment_account_id, valid_code
from creditdesk.domain.currencies import is_known_currency
from creditdesk.domain.ledger import EntryKind
from creditdesk.domain.limit_requests import LimitRequest, Origin
from creditdesk.domain.money import AmountTooLarge, Money, bounded_minor
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.auth import is_person
from creditdesk.service.books import groups_of, known_company_code
from creditdesk.service.commands import Locked, run
from creditdesk.service.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.events import event_payload
from creditdesk.service.limits import AppliedLimit, open_request
from creditdesk.service.ports import AccountState, Clock, Posting, UnitOfWork
from creditdesk.service.results import Replayed


def may_act_for(uow: UnitOfWork, actor: str, company_code: str | None) -> None:
    """A user scoped to company codes acts only on documents and segments of those codes.

    Enforced in every command that names a company code, whichever door it came in by. A
    scoped user's document without a code is the one company's, which is not theirs."""
    user = uow.users.get(actor)
    if user is None or user.company_codes is None or company_code in user.company_codes:
        return
    which = f"company code {company_code}" if company_code else "the default company (no company code)"
    raise Forbidden(f"user {actor!r} acts for company codes {', '.join(user.company_codes)} only, not for {which}")


def scope_user(
    username: str, codes: tuple[str, ...] | None, uow: UnitOfWork, actor: str, role: Role
) -> tuple[str, ...] | None:
    """Scope a user to company codes (None: all of them); an admin's change, audited; the user's
    sessions end, as with any change of what they may do."""
    if not may(role, Permission.ADMINISTER):
        raise Forbidden(
            f"role {role.value!r} may not change what a user may do", code="role_may_not", values={"role": role.value}
        )
    with uow:
        if uow.users.get(username) is None:
            raise NotFound(
                f"user {username!r} does not exist", code="not_found", values={"what": "user", "id": username}
            )
        for code in codes or ():
            known_company_code(uow, code)
        uow.users.set_company_codes(username, codes)
        scope = list(codes) if codes is not None else None
        uow.audit.append(actor, "user.company_codes", "user", username, {"company_codes": scope})
        uow.commit()
    return codes


@dataclass(frozen=True, slots=True)
class AddCompanyCode:
    company: CompanyCode
    actor: str
    role: Role


def add_company_code(cmd: AddCompanyCode, uow: UnitOfWork, clock: Clock) -> CompanyCode:
    """A new selling entity (admin): its code, name and currency."""
    if not may(cmd.role, Permission.ADMINISTER):
        raise Forbidden(
            f"role {cmd.role.value!r} may not add company codes", code="role_may_not", values={"role": cmd.role.value}
        )
    company = cmd.company
    if not valid_code(company.code):
        raise InvalidInput(
            f"a company code is 1 to 16 of A-Z, 0-9, _ and -, starting with a letter or digit; got {company.code!r}"
        )
    if not company.name.strip() or len(company.name) > 200:
        raise InvalidInput("a company code needs a name of 1 to 200 characters")
    if not is_known_currency(company.currency):
        raise InvalidInput(f"unknown currency {company.currency!r}")
    with uow:
        if uow.reference.company_code(company.code) is not None:
            raise Conflict(f"company code {company.code!r} already exists")
        uow.segments.add_company_code(company, clock.now())
        uow.audit.append(cmd.actor, "company_code.added", "company_code", company.code, _company_json(company))
        uow.commit()
    return company


def _company_json(company: CompanyCode) -> dict[str, object]:
    return {"code": company.code, "name": company.name, "currency": company.currency, "country": company.country}


@dataclass(frozen=True, slots=True)
class SetSegmentLimit:
    customer_id: str
    company_code: str
    limit: Money  # in the segment's currency (a new segment takes this currency)
    reason: str
    actor: str
    role: Role


@dataclass(frozen=True, slots=True)
class SegmentLimitSet:
    customer_id: str
    company_code: str
    limit: Money
    opened: bool = False  # the segment was opened by this change
    request: LimitRequest | None = None  # beyond the caller's authority: the request it opened

    @property
    def applied(self) -> bool:
        return self.request is None


def set_segment_limit(cmd: SetSegmentLimit, uow: UnitOfWork, clock: Clock) -> SegmentLimitSet:
    """Set a customer's limit in one company code within the caller's limit authority; beyond
    it (or from a service user) a limit request waits for someone who may decide it, as for the
    total. The first limit opens the segment with what its company code's documents carry."""
    if not may(cmd.role, Permission.REQUEST_LIMIT):
        raise Forbidden(
            f"role {cmd.role.value!r} may not change or request credit limits",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    if not cmd.reason.strip():
        raise InvalidInput("a segment limit needs a reason")
    if cmd.limit.amount < 0:
        raise InvalidInput(f"a limit is 0 or more; got {cmd.limit.amount}")
    try:
        bounded_minor(cmd.limit.minor, cmd.limit.currency)
    except AmountTooLarge as error:
        raise InvalidInput(str(error), [FieldProblem(("body", "amount"), "AMOUNT_TOO_LARGE", str(error))]) from None

    def act(tx: Locked) -> SegmentLimitSet:
        uow = tx.uow
        code = known_company_code(uow, cmd.company_code)
        assert code is not None
        may_act_for(uow, cmd.actor, code)
        version, policy = uow.management.limit_policy()
        grade = uow.management.grade(cmd.customer_id)
        current = segment_limit_of(uow, cmd.customer_id, code, cmd.limit.currency)
        within = (
            may(cmd.role, Permission.SET_LIMIT)
            and policy.authority.may_set(cmd.role, cmd.limit, current, grade, None)
            and is_person(uow, cmd.actor)  # a service user's change is always a request
        )
        if not within:
            request = LimitRequest(
                request_id=f"LR-{uuid.uuid4().hex[:12]}",
                customer_id=cmd.customer_id,
                amount=cmd.limit,
                reason=cmd.reason,
                origin=Origin.SALES,
                required_role=policy.authority.required_role(cmd.limit, current, grade, None),
                requested_by=cmd.actor,
                requested_on=tx.today,
                requested_at=tx.at,
                grade=grade,
                policy_version=version,
                company_code=code,
            )
            open_request(uow, request)
            return SegmentLimitSet(cmd.customer_id, code, cmd.limit, request=request)
        why = AppliedLimit(cmd.reason, cmd.actor, "manual", policy_version=version)
        opened = apply_segment_limit(uow, tx.state, code, cmd.limit, why, tx.today, tx.at)
        return SegmentLimitSet(cmd.customer_id, code, cmd.limit, opened)

    result = run(uow, clock, lambda _: cmd.customer_id, act)
    assert not isinstance(result, Replayed), "a segment limit has no command id: it is never replayed"
    return result


def segment_limit_of(uow: UnitOfWork, customer_id: str, code: str, currency: str) -> Money:
    """The segment's limit now (zero before it opens), refusing a limit in another currency."""
    segment = uow.group_accounts.segment_account(customer_id, code, lock=False)
    if segment is None:
        return Money.zero(currency)
    if segment.currency != currency:
        raise InvalidInput(f"the segment {code} of customer {customer_id} is in {segment.currency}; got {currency}")
    return Money.from_minor(segment.limit, segment.currency)


def apply_segment_limit(
    uow: UnitOfWork, state: AccountState, code: str, limit: Money, why: AppliedLimit, today: date, at: datetime
) -> bool:
    """Set the limit of the customer's segment in ``code`` on its locked account, opening the
    segment when it has none; with its history, event and audit. True when it opened."""
    customer_id = state.customer_id
    segment = uow.group_accounts.segment_account(customer_id, code, lock=True)
    before = Money.from_minor(segment.limit, segment.currency) if segment else Money.zero(limit.currency)
    postings: list[Posting] = []
    if segment is None:
        uow.segments.open_segment_account(customer_id, code, limit.currency, limit.minor)
        postings = _opening(uow, state, code, today)
    else:
        uow.segments.set_segment_limit(customer_id, code, limit.minor)
    change = LimitChange(
        customer_id, limit, why.reason, why.actor, at, today,
        source=why.source, policy_version=why.policy_version, request_id=why.request_id, company_code=code,
        reason_zh=why.reason_zh,
    )  # fmt: skip
    uow.limits.add(change)
    if postings:
        uow.ledger.post(postings, at)
    facts = {
        "company_code": code,
        "limit": limit.to_json(),
        "currency": limit.currency,
        "before": before.to_json(),
        "opened": segment is None,
    }
    payload = {**event_payload(customer_id, postings, []), **facts}
    uow.ledger.emit(customer_id, "segment.limit_set", payload, at)
    audit = {**payload, "reason": why.reason, "request_id": why.request_id}
    uow.audit.append(why.actor, "segment.limit_set", "customer", customer_id, audit, stream=customer_id)
    return segment is None


def _opening(uow: UnitOfWork, state: AccountState, code: str, today: date) -> list[Posting]:
    """A new segment's opening balance: what the company code's documents carry already, at
    today's rate (the segment just opened, so the pools found are it and the groups)."""
    totals = uow.segments.document_totals(state.customer_id, code)
    if totals.is_zero():
        return []
    pools = groups_of(uow, state, today, lock=True, company_code=code)
    segment, rate = pools[0]
    assert segment.group_id == segment_account_id(state.customer_id, code)
    return [Posting("segment", segment.group_id, EntryKind.OPENING, code, totals.scaled(rate), None, str(rate.rate))]
