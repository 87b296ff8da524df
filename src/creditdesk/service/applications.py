"""Credit applications: a new customer's way in.

Sales submits the applicant (the customer id it will get, currency, segment, country, industry,
group, registration date), the limit and terms asked for, and optionally financial statements and
bureau reports shaped as the importers take them; documents are attached to it afterwards. On
submission the system scores it and proposes a limit and terms under the **probation** policy
(``domain/limit_policy``: a new customer is in the probation group, whose methods and ceiling
apply), with the working of every method, never above what was asked for.

Who decides: the policy's authority matrix for the amount and grade (``required_role``), and four
eyes: the submitter never decides; an amount within an analyst's authority needs one approver;
above it two distinct people approve, the second with the authority for the amount. Approval
creates in one transaction the customer (version 1), its account with the decided limit (limit
history source ``application``), the probation review date, the statements and bureau reports,
and moves the application's notes and attachments into the customer's timeline.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from creditdesk.domain.accounts import AccountStatus, CreditAccount, LimitChange
from creditdesk.domain.authority import DECIDING_ROLES
from creditdesk.domain.customers import Customer, CustomerGroup, Segment
from creditdesk.domain.limit_policy import PROBATION, LimitInputs, LimitPolicy, recommend
from creditdesk.domain.money import Money, MoneyError
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.auth import refuse_non_person
from creditdesk.service.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.limits import AppliedLimit, raise_role_of
from creditdesk.service.ports import Clock, UnitOfWork
from creditdesk.service.segments import apply_segment_limit

PROBATION_REVIEW_DAYS = 90  # a new customer's first review
PROBATION_MAX_TERMS_DAYS = 60  # terms beyond this wait for the first review
STATEMENT_REQUIRED = (
    "revenue",
    "total_assets",
    "total_liabilities",
    "current_assets",
    "current_liabilities",
    "equity",
    "net_income",
    "ebit",
    "retained_earnings",
)
STATEMENT_OPTIONAL = ("cash", "inventory", "receivables", "payables", "operating_cash_flow")


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Application:
    application_id: str
    customer_id: str
    name: str
    currency: str
    segment: str
    group_id: str | None
    country: str | None
    industry: str | None
    registered_on: date | None
    company_code: str | None
    requested_limit: Money
    requested_terms_days: int
    financials: list[dict[str, Any]]
    bureau: list[dict[str, Any]]
    status: Status
    submitted_by: str
    submitted_at: datetime
    submitted_on: date
    pd: float | None = None
    grade: int | None = None
    proposed_limit: Money | None = None
    proposed_terms_days: int | None = None
    working: dict[str, Any] = field(default_factory=dict)
    required_role: Role = Role.ANALYST
    approvals: list[dict[str, Any]] = field(default_factory=list)
    decided_by: str | None = None
    decided_at: datetime | None = None
    decided_limit: Money | None = None
    decided_terms_days: int | None = None
    review_on: date | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        def money(m: Money | None) -> str | None:
            return None if m is None else str(m.amount)

        return {
            "application_id": self.application_id,
            "customer_id": self.customer_id,
            "name": self.name,
            "currency": self.currency,
            "segment": self.segment,
            "group_id": self.group_id,
            "country": self.country,
            "industry": self.industry,
            "registered_on": None if self.registered_on is None else self.registered_on.isoformat(),
            "company_code": self.company_code,
            "requested_limit": money(self.requested_limit),
            "requested_terms_days": self.requested_terms_days,
            "financials": self.financials,
            "bureau": self.bureau,
            "status": self.status.value,
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at.isoformat(),
            "submitted_on": self.submitted_on.isoformat(),
            "pd": self.pd,
            "grade": self.grade,
            "proposed_limit": money(self.proposed_limit),
            "proposed_terms_days": self.proposed_terms_days,
            "working": self.working,
            "required_role": self.required_role.value,
            "approvals_needed": approvals_needed(self.required_role),
            "approvals": self.approvals,
            "decided_by": self.decided_by,
            "decided_at": None if self.decided_at is None else self.decided_at.isoformat(),
            "decided_limit": money(self.decided_limit),
            "decided_terms_days": self.decided_terms_days,
            "review_on": None if self.review_on is None else self.review_on.isoformat(),
            "reason": self.reason,
        }


def approvals_needed(required: Role) -> int:
    """One approver within an analyst's authority; above it, two distinct people."""
    return 1 if required is DECIDING_ROLES[0] else 2


# --- input ---------------------------------------------------------------------------------------


def _problem(loc: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(f"{loc}: {message}", [FieldProblem(("body", *loc.split(".")), code, message)])


def _decimal(value: Any, loc: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise _problem(loc, "BAD_NUMBER", "expected a decimal amount as text")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise _problem(loc, "BAD_NUMBER", f"expected a decimal amount, found {str(value)[:40]!r}") from None
    if not number.is_finite():
        raise _problem(loc, "BAD_NUMBER", "expected a finite amount")
    return number


def _money(value: Any, currency: str, loc: str, *, non_negative: bool = False) -> Money:
    number = _decimal(value, loc)
    if non_negative and number < 0:
        raise _problem(loc, "NEGATIVE", "must not be negative")
    try:
        money = Money.of(number, currency)
        if money != Money.rounded(number, currency):
            raise _problem(loc, "TOO_PRECISE", f"more decimals than {currency} has")
        return money
    except MoneyError as error:
        raise _problem(loc, "AMOUNT_TOO_LARGE", str(error)) from None


def _day(value: Any, loc: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _problem(loc, "BAD_DATE", f"expected a date YYYY-MM-DD, found {str(value)[:40]!r}") from None


def _currency(value: Any, loc: str) -> str:
    text = str(value or "").strip().upper()
    if len(text) != 3 or not text.isalpha() or not text.isascii():
        raise _problem(loc, "BAD_CURRENCY", "expected a three-letter currency code")
    return text


def statement_rows(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statements as the financials import takes them, amounts kept as exact decimal text."""
    rows, seen = [], set()
    for i, item in enumerate(raw):
        loc = f"financials.{i}"
        if not isinstance(item, dict):
            raise _problem(loc, "BAD_VALUE", "expected an object")
        ccy = _currency(item.get("currency"), f"{loc}.currency")
        period = _day(item.get("period_end"), f"{loc}.period_end")
        if period in seen:
            raise _problem(f"{loc}.period_end", "DUPLICATE", f"two statements for {period}")
        seen.add(period)
        row: dict[str, Any] = {"period_end": period.isoformat(), "currency": ccy}
        for name in (*STATEMENT_REQUIRED, *STATEMENT_OPTIONAL):
            if item.get(name) in (None, ""):
                if name in STATEMENT_REQUIRED:
                    raise _problem(f"{loc}.{name}", "REQUIRED", "required")
                continue
            non_negative = name in ("total_assets", "current_assets", "cash", "inventory")
            row[name] = str(_money(item[name], ccy, f"{loc}.{name}", non_negative=non_negative).amount)
        rows.append(row)
    return sorted(rows, key=lambda r: str(r["period_end"]))


def bureau_rows(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for i, item in enumerate(raw):
        loc = f"bureau.{i}"
        if not isinstance(item, dict):
            raise _problem(loc, "BAD_VALUE", "expected an object")
        provider = str(item.get("provider") or "").strip()
        if not provider or len(provider) > 64:
            raise _problem(f"{loc}.provider", "REQUIRED", "a provider of at most 64 characters")
        score = item.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or not -(10**9) < score < 10**9:
            raise _problem(f"{loc}.score", "BAD_NUMBER", "expected a whole number")
        row: dict[str, Any] = {
            "provider": provider,
            "report_date": _day(item.get("report_date"), f"{loc}.report_date").isoformat(),
            "score": score,
            "rating": (str(item["rating"])[:16] if item.get("rating") else None),
        }
        pd = item.get("pd")
        if pd is not None:
            if isinstance(pd, bool) or not isinstance(pd, (int, float)) or not 0.0 <= float(pd) <= 1.0:
                raise _problem(f"{loc}.pd", "OUT_OF_RANGE", "expected a probability from 0 to 1")
            pd = float(pd)
        row["pd"] = pd
        ccy = _currency(item["currency"], f"{loc}.currency") if item.get("currency") else None
        if item.get("recommended_limit") not in (None, ""):
            if ccy is None:
                raise _problem(f"{loc}.currency", "REQUIRED", "a recommended limit needs its currency")
            limit = _money(item["recommended_limit"], ccy, f"{loc}.recommended_limit", non_negative=True)
            row["recommended_limit"] = str(limit.amount)
        else:
            row["recommended_limit"] = None
        row["currency"] = ccy
        events = item.get("events")
        if isinstance(events, str):
            events = [part for part in events.split(";")]
        codes = [str(e).strip().upper() for e in events or [] if str(e).strip()]
        if any(not re.fullmatch(r"[A-Z0-9_]{1,40}", c) for c in codes) or len(codes) > 50:
            raise _problem(f"{loc}.events", "BAD_VALUE", "event codes like LATE_FILING (at most 50)")
        row["events"] = codes or None
        rows.append(row)
    return rows


@dataclass(frozen=True, slots=True)
class SubmitApplication:
    customer_id: str
    name: str
    currency: str
    requested_limit: str
    requested_terms_days: int
    actor: str
    role: Role
    segment: str = Segment.NEW.value
    group_id: str | None = None
    country: str | None = None
    industry: str | None = None
    registered_on: date | None = None
    company_code: str | None = None
    expected_monthly_sales: str | None = None
    financials: list[dict[str, Any]] = field(default_factory=list)
    bureau: list[dict[str, Any]] = field(default_factory=list)
    application_id: str | None = None


def _check_ids(cmd: SubmitApplication) -> None:
    for name in ("customer_id", "group_id", "application_id"):
        value = getattr(cmd, name)
        if value is None:
            continue
        longest = 48 if name == "application_id" else 64  # its events' stream is "application:ID"
        if (
            not value
            or len(value) > longest
            or not all(ch.isascii() and (ch.isalnum() or ch in "-_.:") for ch in value)
        ):
            raise _problem(name, "BAD_ID", f"letters, digits and - _ . : only, at most {longest} characters")
    if not cmd.name.strip() or len(cmd.name) > 200:
        raise _problem("name", "REQUIRED", "a name of at most 200 characters")
    if cmd.segment not in {s.value for s in Segment}:
        raise _problem("segment", "BAD_VALUE", f"one of {', '.join(s.value for s in Segment)}")
    if cmd.country is not None and (len(cmd.country) != 2 or not cmd.country.isalpha()):
        raise _problem("country", "BAD_VALUE", "a two-letter country code")
    if cmd.industry is not None and len(cmd.industry) > 64:
        raise _problem("industry", "TOO_LONG", "at most 64 characters")
    if not 0 <= cmd.requested_terms_days <= 365:
        raise _problem("requested_terms_days", "OUT_OF_RANGE", "from 0 to 365 days")


# --- the proposal --------------------------------------------------------------------------------


def _ratios(statement: dict[str, Any]) -> dict[str, float]:
    """The ten ratios the shipped statement model reads, from one statement."""
    import pandas as pd  # only when a statement is scored

    from creditdesk.risk.features.financial import financial_features

    frame = pd.DataFrame(
        [
            {
                "customer_id": "applicant",
                "period_end": statement["period_end"],
                **{k: float(v) for k, v in statement.items() if k not in ("period_end", "currency")},
            }
        ]
    )
    features = financial_features(frame, date.fromisoformat(statement["period_end"]), publication_lag_days=0)
    row = features.iloc[0]
    from creditdesk.risk.statement_model import RATIOS

    return {name: float(row[name]) for name in RATIOS if row[name] == row[name]}  # NaN left out


def score(
    financials: list[dict[str, Any]], bureau: list[dict[str, Any]]
) -> tuple[float | None, int | None, dict[str, Any]]:
    """The new-customer score: the shipped statement model on the latest statement (what the
    balance sheet alone says, docs/scoring.md), else the latest bureau PD, else unscored."""
    if financials:
        import pandas as pd

        from creditdesk.risk.rating import grade_of
        from creditdesk.risk.statement_model import shipped_statement_model

        latest = financials[-1]
        ratios = _ratios(latest)
        pd_ = float(shipped_statement_model().predict_pd(pd.DataFrame([ratios]))[0])
        grade = int(grade_of([pd_])[0])
        return pd_, grade, {"model": "statement model", "period_end": latest["period_end"], "ratios": ratios}
    with_pd = sorted((b for b in bureau if b.get("pd") is not None), key=lambda b: str(b["report_date"]))
    if with_pd:
        from creditdesk.risk.rating import grade_of

        latest = with_pd[-1]
        return (
            float(latest["pd"]),
            int(grade_of([latest["pd"]])[0]),
            {
                "model": "bureau PD",
                "provider": latest["provider"],
                "report_date": latest["report_date"],
            },
        )
    return None, None, {"model": "none", "note": "no statements and no bureau PD: unscored (grade 9)"}


def _in_currency(text: str | None, from_ccy: str | None, ccy: str) -> Decimal | None:
    return Decimal(text) if text is not None and from_ccy == ccy else None


def propose(
    policy: LimitPolicy,
    customer_id: str,
    requested: Money,
    terms_days: int,
    segment: str,
    financials: list[dict[str, Any]],
    bureau: list[dict[str, Any]],
    expected_monthly_sales: Decimal | None,
    today: date,
) -> tuple[float | None, int | None, Money, int, dict[str, Any]]:
    """PD, grade, the proposed limit and terms, and the working behind them."""
    ccy = requested.currency
    pd_, grade, scored = score(financials, bureau)
    terms = min(terms_days, PROBATION_MAX_TERMS_DAYS)
    grace = policy.segments[PROBATION].grace_days if PROBATION in policy.segments else None
    grace_days = grace if grace is not None else policy.grace_days
    if expected_monthly_sales is None:
        days = max(terms + grace_days, 1)
        sales = (requested.amount * 30 / Decimal(days)).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        sales_note = (
            f"not stated: the sales the requested limit carries, {requested.amount} × 30 / ({terms} + {grace_days})"
        )
    else:
        sales, sales_note = expected_monthly_sales, "stated by the applicant"
    statement = financials[-1] if financials else None
    same_ccy = statement is not None and statement["currency"] == ccy
    tnw = Decimal(statement["equity"]) if same_ccy and statement else None
    wc = (
        Decimal(statement["current_assets"]) - Decimal(statement["current_liabilities"])
        if same_ccy and statement
        else None
    )
    bureau_latest = sorted(bureau, key=lambda b: str(b["report_date"]))
    offers = [b for b in bureau_latest if b.get("recommended_limit") is not None and b.get("currency") == ccy]
    lowest = min(offers, key=lambda b: Decimal(b["recommended_limit"])) if offers else None
    inputs = LimitInputs(
        customer_id=customer_id,
        currency=ccy,
        current_limit=Decimal(0),
        avg_monthly_sales=sales,
        demand_cv=0.0,
        terms_days=terms,
        tangible_net_worth=tnw,
        working_capital=wc,
        bureau_limit=None if lowest is None else Decimal(lowest["recommended_limit"]),
        bureau_provider=None if lowest is None else str(lowest["provider"]),
        pd=pd_,
        grade=grade,
        segment=Segment.NEW.value,  # an applicant is new: the probation group's rules
        registered_on=today,
    )
    rec = recommend(inputs, policy, today)
    assert rec.final.amount is not None
    amount = min(rec.final.amount, requested.amount)
    as_json = rec.as_json()
    final = as_json["final"]
    if amount < rec.final.amount:
        assert isinstance(final, dict)
        steps = [*final.get("steps", []), {"code": "at_most_requested", "amount": str(requested.amount)}]
        final = {
            **final,
            "amount": str(amount),
            "formula": f"{rec.final.formula}; at most the requested {requested.amount}",
            "steps": steps,
        }
    described = as_json["methods"]
    assert isinstance(described, dict)
    working: dict[str, Any] = {
        "policy_group": rec.segment,
        "segment": segment,
        "score": {**scored, "pd": pd_, "grade": grade},
        "inputs": {
            "requested_limit": str(requested.amount),
            "requested_terms_days": terms_days,
            "expected_monthly_sales": str(sales),
            "expected_monthly_sales_note": sales_note,
            "tangible_net_worth": None if tnw is None else str(tnw),
            "working_capital": None if wc is None else str(wc),
            "statements_note": ""
            if statement is None or same_ccy
            else f"statements in {statement['currency']}, not {ccy}: capacity not measured",
            "bureau_limit": None if lowest is None else lowest["recommended_limit"],
        },
        "methods": {
            w.method: {
                "amount": None if w.amount is None else str(w.amount),
                "inputs": w.inputs,
                "formula": w.formula,
                "note": w.note,
                "steps": described[w.method]["steps"],  # the formula as codes and figures (any language)
                "why": described[w.method]["why"],
            }
            for w in rec.methods
        },
        "final": final,
        "terms": {
            "requested": terms_days,
            "proposed": terms,
            "formula": f"min(requested {terms_days}, probation {PROBATION_MAX_TERMS_DAYS}) = {terms}",
            "steps": [
                {"code": "terms_probation", "requested": terms_days, "most": PROBATION_MAX_TERMS_DAYS, "days": terms}
            ],
        },
    }
    return pd_, grade, Money(amount, ccy), terms, working


def required_role(policy: LimitPolicy, amount: Money, grade: int | None, segment: str) -> Role:
    return policy.authority.required_role(amount, Money.zero(amount.currency), grade, raise_role_of(policy, segment))


def submit_application(cmd: SubmitApplication, uow: UnitOfWork, clock: Clock) -> Application:
    """Record the application, score it and propose a limit and terms with the working."""
    if not may(cmd.role, Permission.CHECK):
        raise Forbidden(
            f"role {cmd.role.value!r} may not submit credit applications",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    _check_ids(cmd)
    ccy = _currency(cmd.currency, "currency")
    requested = _money(cmd.requested_limit, ccy, "requested_limit", non_negative=True)
    sales = None
    if cmd.expected_monthly_sales not in (None, ""):
        sales = _money(cmd.expected_monthly_sales, ccy, "expected_monthly_sales", non_negative=True).amount
    financials = statement_rows(cmd.financials)
    reports = bureau_rows(cmd.bureau)
    today, at = clock.today(), clock.now()
    with uow:
        if uow.customers.get(cmd.customer_id) is not None:
            raise Conflict(f"customer {cmd.customer_id!r} exists already: ask for a limit change instead")
        if uow.applications.pending_for(cmd.customer_id) is not None:
            raise Conflict(f"an application for customer {cmd.customer_id!r} is pending already")
        application_id = cmd.application_id or f"APP-{uuid.uuid4().hex[:12]}"
        if uow.applications.get(application_id) is not None:
            raise Conflict(f"application {application_id!r} exists already")
        if cmd.company_code is not None and uow.reference.company_code(cmd.company_code) is None:
            raise _problem("company_code", "UNKNOWN", f"company code {cmd.company_code!r} does not exist")
        version, policy = uow.management.limit_policy()
        pd_, grade, proposed, terms, working = propose(
            policy, cmd.customer_id, requested, cmd.requested_terms_days, cmd.segment, financials, reports, sales, today
        )
        working["policy_version"] = version
        application = Application(
            application_id=application_id,
            customer_id=cmd.customer_id,
            name=cmd.name.strip(),
            currency=ccy,
            segment=cmd.segment,
            group_id=cmd.group_id,
            country=cmd.country.upper() if cmd.country else None,
            industry=cmd.industry,
            registered_on=cmd.registered_on,
            company_code=cmd.company_code,
            requested_limit=requested,
            requested_terms_days=cmd.requested_terms_days,
            financials=financials,
            bureau=reports,
            status=Status.PENDING,
            submitted_by=cmd.actor,
            submitted_at=at,
            submitted_on=today,
            pd=pd_,
            grade=grade,
            proposed_limit=proposed,
            proposed_terms_days=terms,
            working=working,
            required_role=required_role(policy, proposed, grade, cmd.segment),
        )
        uow.applications.add(application)
        summary = {
            "application_id": application_id,
            "customer_id": cmd.customer_id,
            "name": application.name,
            "currency": ccy,
            "requested_limit": str(requested.amount),
            "proposed_limit": str(proposed.amount),
            "proposed_terms_days": terms,
            "pd": pd_,
            "grade": grade,
            "required_role": application.required_role.value,
            "approvals_needed": approvals_needed(application.required_role),
            "submitted_by": cmd.actor,
        }
        uow.audit.append(
            cmd.actor, "application.submitted", "application", application_id, summary, stream=cmd.customer_id
        )
        uow.applications.emit(application_id, "application.submitted", summary, at)
        uow.commit()
        return application


# --- decisions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecideApplication:
    application_id: str
    approve: bool
    actor: str
    role: Role
    comment: str | None = None  # a rejection's reason (required), an approval's remark
    limit: str | None = None  # the decided limit; default the proposal
    terms_days: int | None = None  # the decided terms; default the proposal


def _pending(uow: UnitOfWork, application_id: str) -> Application:
    application = uow.applications.get(application_id, lock=True)
    if application is None:
        raise NotFound(
            f"application {application_id!r} does not exist",
            code="not_found",
            values={"what": "application", "id": application_id},
        )
    if application.status is not Status.PENDING:
        raise Conflict(f"application {application_id!r} is already {application.status.value}")
    return application


def decide_application(cmd: DecideApplication, uow: UnitOfWork, clock: Clock) -> Application:
    """Approve or reject: analysts and above, never the submitter, within authority; above an
    analyst's authority the approval of two distinct people (the second with the authority)."""
    if not may(cmd.role, Permission.SET_LIMIT):
        raise Forbidden(
            f"role {cmd.role.value!r} may not decide credit applications",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    comment = (cmd.comment or "").strip() or None
    if comment is not None and len(comment) > 1000:
        raise _problem("comment", "TOO_LONG", "at most 1000 characters")
    today, at = clock.today(), clock.now()
    with uow:
        application = _pending(uow, cmd.application_id)
        refuse_non_person(uow, cmd.actor, "deciding a credit application")
        if cmd.actor == application.submitted_by:
            raise Forbidden(
                "four eyes: the submitter may not decide their own application", code="four_eyes_own_application"
            )
        if any(a["by"] == cmd.actor for a in application.approvals):
            raise Forbidden(
                "four eyes: the second approval must come from another person", code="four_eyes_second_person"
            )
        if not cmd.approve:
            if comment is None:
                raise _problem("comment", "REQUIRED", "a rejection needs its reason")
            decided = replace(application, status=Status.REJECTED, decided_by=cmd.actor, decided_at=at, reason=comment)
            return _finish(uow, decided, "application.rejected", at)
        version, policy = uow.management.limit_policy()
        ccy = application.currency
        amount = application.proposed_limit or Money.zero(ccy)
        if cmd.limit not in (None, ""):
            amount = _money(cmd.limit, ccy, "limit", non_negative=True)
        terms = application.proposed_terms_days if cmd.terms_days is None else cmd.terms_days
        if terms is None or not 0 <= terms <= 365:
            raise _problem("terms_days", "OUT_OF_RANGE", "from 0 to 365 days")
        if application.approvals and (
            application.approvals[0]["limit"] != str(amount.amount) or application.approvals[0]["terms_days"] != terms
        ):
            raise Conflict(
                f"the first approval was for {application.approvals[0]['limit']} {ccy} at "
                f"{application.approvals[0]['terms_days']} days: the second approves the same or rejects"
            )
        needed_role = required_role(policy, amount, application.grade, application.segment)
        needed = approvals_needed(needed_role)
        within = policy.authority.may_set(
            cmd.role, amount, Money.zero(ccy), application.grade, raise_role_of(policy, application.segment)
        )
        approval = {
            "by": cmd.actor,
            "role": cmd.role.value,
            "at": at.isoformat(),
            "limit": str(amount.amount),
            "terms_days": terms,
            "comment": comment,
        }
        approvals = [*application.approvals, approval]
        final = len(approvals) >= needed
        if final and not within:
            raise Forbidden(
                f"a limit of {amount.amount:,} {ccy} at grade {application.grade or 'unscored'} needs a "
                f"{needed_role.value}; role {cmd.role.value!r} is beyond its authority"
            )
        if not final:
            recorded = replace(application, approvals=approvals, required_role=needed_role)
            uow.applications.save(recorded)
            uow.audit.append(
                cmd.actor,
                "application.approval",
                "application",
                application.application_id,
                {"application_id": application.application_id, **approval, "approvals_needed": needed},
                stream=application.customer_id,
            )
            uow.commit()
            return recorded
        decided = replace(
            application,
            status=Status.APPROVED,
            approvals=approvals,
            required_role=needed_role,
            decided_by=cmd.actor,
            decided_at=at,
            decided_limit=amount,
            decided_terms_days=terms,
            review_on=today + timedelta(days=PROBATION_REVIEW_DAYS),
            reason=comment,
        )
        _open_customer(uow, decided, version, today, at)
        return _finish(uow, decided, "application.approved", at)


def _open_customer(uow: UnitOfWork, app: Application, version: int | None, today: date, at: datetime) -> None:
    """The customer, its account with the decided limit and its review date, its statements and
    bureau reports, and the application's notes and attachments: all in the caller's transaction."""
    assert app.decided_limit is not None and app.decided_terms_days is not None and app.review_on is not None
    if uow.customers.get(app.customer_id) is not None:
        raise Conflict(f"customer {app.customer_id!r} exists already (registered since the application)")
    customer = Customer(
        customer_id=app.customer_id,
        name=app.name,
        currency=app.currency,
        segment=app.segment,
        group_id=app.group_id,
        country=app.country,
        industry=app.industry,
        registered_on=today,
        payment_terms_days=app.decided_terms_days,
    )
    if customer.group_id is not None and uow.groups.get(customer.group_id) is None:
        uow.groups.add(CustomerGroup(customer.group_id, customer.group_id))
    uow.customers.add(customer)
    # Version 1 the way every registration writes it (service/customers.register_customer).
    uow.master_data.first_versions([asdict(customer)], f"application:{app.application_id}", str(app.decided_by), at)
    zero = Money.zero(app.currency)
    uow.accounts.add(CreditAccount(app.customer_id, app.currency, app.decided_limit, AccountStatus.ACTIVE, zero, zero))
    approvers = [str(a["by"]) for a in app.approvals]
    reason = f"credit application {app.application_id} approved by " + ", ".join(approvers)
    reason_zh = f"授信申请 {app.application_id} 已由 {'、'.join(approvers)} 批准"
    uow.limits.add(
        LimitChange(
            app.customer_id,
            app.decided_limit,
            reason,
            str(app.decided_by),
            at,
            today,
            source="application",
            policy_version=version,
            reason_zh=reason_zh,
        )
    )
    uow.management.set_next_review(app.customer_id, app.review_on)
    if app.company_code is not None:
        # Applied through one selling entity: its credit segment there opens with the decided limit.
        state = uow.credit_accounts.account(app.customer_id, today, lock=True)
        assert state is not None
        why = AppliedLimit(reason, str(app.decided_by), "application", policy_version=version, reason_zh=reason_zh)
        apply_segment_limit(uow, state, app.company_code, app.decided_limit, why, today, at)
    uow.applications.copy_documents(app)
    uow.notes.assign_customer("application", app.application_id, app.customer_id)
    uow.audit.append(
        str(app.decided_by),
        "customer.registered",
        "customer",
        app.customer_id,
        {
            "name": app.name,
            "currency": app.currency,
            "credit_limit": str(app.decided_limit.amount),
            "application_id": app.application_id,
        },
        stream=app.customer_id,
    )


def _finish(uow: UnitOfWork, app: Application, action: str, at: datetime) -> Application:
    uow.applications.save(app)
    payload = {
        "application_id": app.application_id,
        "customer_id": app.customer_id,
        "status": app.status.value,
        "decided_by": app.decided_by,
        "approvals": [a["by"] for a in app.approvals],
        "limit": None if app.decided_limit is None else str(app.decided_limit.amount),
        "currency": app.currency,
        "terms_days": app.decided_terms_days,
        "review_on": None if app.review_on is None else app.review_on.isoformat(),
        "reason": app.reason,
    }
    uow.audit.append(str(app.decided_by), action, "application", app.application_id, payload, stream=app.customer_id)
    uow.applications.emit(app.application_id, "application.decided", payload, at)
    uow.commit()
    return app


def withdraw_application(application_id: str, actor: str, role: Role, uow: UnitOfWork, clock: Clock) -> Application:
    """The submitter takes the application back while it is pending (an analyst and up may too,
    for them: it is a softer rejection)."""
    if not may(role, Permission.CHECK):
        raise Forbidden(
            f"role {role.value!r} may not withdraw credit applications",
            code="role_may_not",
            values={"role": role.value},
        )
    at = clock.now()
    with uow:
        application = _pending(uow, application_id)
        if application.submitted_by != actor and not may(role, Permission.SET_LIMIT):
            raise Forbidden("only the submitter (or an analyst and up) may withdraw an application")
        withdrawn = replace(application, status=Status.WITHDRAWN, decided_by=actor, decided_at=at, reason="withdrawn")
        return _finish(uow, withdrawn, "application.withdrawn", at)


def list_applications(uow: UnitOfWork, status: str | None = None, submitted_by: str | None = None) -> list[Application]:
    if status is not None and status not in {s.value for s in Status}:
        raise InvalidInput(f"status must be one of {', '.join(s.value for s in Status)}; got {status!r}")
    with uow:
        return list(uow.applications.find(status, submitted_by))


def get_application(uow: UnitOfWork, application_id: str) -> Application:
    with uow:
        found = uow.applications.get(application_id)
    if found is None:
        raise NotFound(
            f"application {application_id!r} does not exist",
            code="not_found",
            values={"what": "application", "id": application_id},
        )
    return found


def decidable_by(app: Application, actor: str, role: Role) -> bool:
    """Whether ``actor`` may act on the application now (approve or reject it)."""
    return (
        app.status is Status.PENDING
        and may(role, Permission.SET_LIMIT)
        and app.submitted_by != actor
        and all(a["by"] != actor for a in app.approvals)
    )
