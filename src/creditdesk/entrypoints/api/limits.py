"""Limit management over HTTP: requests and their approval (authority matrix, four eyes), the
change history, reviews due and done, and the monitor's daily run."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import Field

from creditdesk.adapters.importing import fields as f
from creditdesk.domain.limit_requests import LimitRequest, RequestStatus
from creditdesk.domain.limit_warnings import LimitContext
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, may
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.limits import (
    AllocationOut,
    ApplyRunOut,
    ConcentrationOut,
    LimitHistory,
    LimitRequestOut,
    LimitRequests,
    MonitorRunOut,
    ReviewedOut,
    ReviewsDue,
)
from creditdesk.entrypoints.api.schemas import (
    AmountText,
    CreditLimitChange,
    Id,
    IdInPath,
    RequestBody,
    RequestIdInPath,
    day_or,
    parse_field,
)
from creditdesk.entrypoints.web.workings import chinese_limit_reason
from creditdesk.service.errors import InvalidInput, NotFound
from creditdesk.service.limit_recommendation import apply_recommendations, recommend_limits
from creditdesk.service.limits import (
    CompleteReview,
    DecideRequest,
    SetCreditLimit,
    complete_review,
    decide_request,
    recommended_limits,
    request_context,
    set_credit_limit,
)
from creditdesk.service.monitor import run_monitor

router = APIRouter(prefix="/api/v1")


class LimitRequestCreate(CreditLimitChange):
    customer_id: Id


class Decision(RequestBody):
    comment: str | None = Field(default=None, max_length=1000)


class ReviewDone(RequestBody):
    comment: str = Field(min_length=1, max_length=1000)


class RunDay(RequestBody):
    as_of: str | None = Field(default=None, examples=["2026-11-30"])
    customer_id: Id | None = None


def limit_command(
    customer_id: str, body: CreditLimitChange, principal: PrincipalDep, *, always_request: bool = False
) -> SetCreditLimit:
    ccy = parse_field(f.currency, "currency", body.currency)
    value = parse_field(f.decimal_amount, "amount", body.amount)
    minor = parse_field(lambda a: f.to_minor(a, ccy), "amount", value)
    expires: date | None = parse_field(f.iso_date, "expires_on", body.expires_on) if body.expires_on else None
    amount = Money.from_minor(minor, ccy)
    return SetCreditLimit(customer_id, amount, body.reason, principal.name, principal.role, expires, always_request)


@router.post(
    "/limit-requests",
    status_code=201,
    dependencies=[require(Permission.REQUEST_LIMIT)],
    response_model=LimitRequestOut,
)
async def post_limit_request(body: LimitRequestCreate, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    """Ask for a limit change; someone with the authority for it decides."""
    cmd = limit_command(body.customer_id, body, principal, always_request=True)
    outcome = await run_in_threadpool(set_credit_limit, cmd, services.uow(), services.clock, services.limit_inputs())
    assert outcome.request is not None
    return declared(request_json(outcome.request, outcome.context), 201)


def request_json(request: LimitRequest, context: LimitContext | None) -> dict[str, Any]:
    """A request, with its context (current, recommended and requested limits, change, warnings)."""
    return request.as_json() | ({"context": context.as_json()} if context is not None else {})


def with_context(services: ServicesDep, found: list[LimitRequest]) -> list[dict[str, Any]]:
    """The requests' JSON; a pending one beside the limit it would replace now and the recommendation."""
    today = services.clock.today()
    pending = [r for r in found if r.status is RequestStatus.PENDING]
    ids = {r.customer_id for r in pending if r.company_code is None}
    recommended = recommended_limits(services.limit_inputs(), ids, today) if ids else {}
    contexts: dict[str, LimitContext | None] = {}
    if pending:
        with services.read_uow() as uow:
            for r in pending:
                contexts[r.request_id] = request_context(uow, r, recommended.get(r.customer_id), today)
    return [request_json(r, contexts.get(r.request_id)) for r in found]


@router.get("/limit-requests", dependencies=[require(Permission.READ)], response_model=LimitRequests)
async def get_limit_requests(
    services: ServicesDep, principal: PrincipalDep, status: str = "pending", decidable: bool = False
) -> JSONResponse:
    """The requests worklist; ``decidable=true``: only those the caller may decide (their role is
    high enough and they did not ask for it)."""
    if status != "all" and status not in {s.value for s in RequestStatus}:
        raise InvalidInput(f"status must be pending, approved, rejected or all; got {status!r}")

    def load() -> list[Any]:
        with services.read_uow() as uow:
            return uow.management.requests(status=None if status == "all" else RequestStatus(status))

    found = await run_in_threadpool(load)
    if decidable:
        found = [
            r
            for r in found
            if may(principal.role, Permission.SET_LIMIT)
            and principal.role.at_least(r.required_role)
            and r.requested_by != principal.name
        ]
    rows = await run_in_threadpool(with_context, services, found)
    return declared({"requests": rows, "count": len(found)})


@router.get("/limit-requests/{request_id}", dependencies=[require(Permission.READ)], response_model=LimitRequestOut)
async def get_limit_request(request_id: RequestIdInPath, services: ServicesDep) -> JSONResponse:
    def load() -> Any:
        with services.read_uow() as uow:
            return uow.management.request(request_id)

    found = await run_in_threadpool(load)
    if found is None:
        raise NotFound(f"limit request {request_id!r} does not exist")
    return declared((await run_in_threadpool(with_context, services, [found]))[0])


async def _decide(
    request_id: str, approve: bool, body: Decision, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    cmd = DecideRequest(request_id, approve, principal.name, principal.role, body.comment)
    decided = await run_in_threadpool(decide_request, cmd, services.uow(), services.clock, services.limit_inputs())
    return declared(decided.as_json())


@router.post(
    "/limit-requests/{request_id}/approve", dependencies=[require(Permission.READ)], response_model=LimitRequestOut
)
async def approve_limit_request(
    request_id: RequestIdInPath, body: Decision, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Approve and apply: within the approver's authority, never by the requester (four eyes)."""
    return await _decide(request_id, True, body, services, principal)


@router.post(
    "/limit-requests/{request_id}/reject", dependencies=[require(Permission.READ)], response_model=LimitRequestOut
)
async def reject_limit_request(
    request_id: RequestIdInPath, body: Decision, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    return await _decide(request_id, False, body, services, principal)


@router.get(
    "/customers/{customer_id}/limit-history", dependencies=[require(Permission.READ)], response_model=LimitHistory
)
async def get_limit_history(customer_id: IdInPath, services: ServicesDep) -> JSONResponse:
    """Every limit the customer had, and every change rules, reviews and approvals made, explained."""

    def load() -> dict[str, Any]:
        with services.read_uow() as uow:
            if uow.customers.get(customer_id) is None:
                raise NotFound(f"customer {customer_id!r} does not exist")
            return {
                "customer_id": customer_id,
                "limits": [h.as_json() for h in uow.limits.for_customer(customer_id)],
                "changes": [c.as_json() for c in uow.management.changes(customer_id)],
                "requests": [r.as_json() for r in uow.management.requests(customer_id=customer_id)],
            }

    return declared(await run_in_threadpool(load))


@router.post("/customers/{customer_id}/review", dependencies=[require(Permission.READ)], response_model=ReviewedOut)
async def post_review(
    customer_id: IdInPath, body: ReviewDone, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """A credit review done: the next one is scheduled by grade and frozen increases thaw."""
    cmd = CompleteReview(customer_id, principal.name, principal.role, body.comment)
    await run_in_threadpool(complete_review, cmd, services.uow(), services.clock)
    return declared({"customer_id": customer_id, "status": "reviewed"})


@router.get("/reviews/due", dependencies=[require(Permission.READ)], response_model=ReviewsDue)
async def get_reviews_due(services: ServicesDep, as_of: str | None = None) -> JSONResponse:
    day = day_or(as_of, services.clock.today())

    def load() -> list[dict[str, Any]]:
        with services.read_uow() as uow:
            return uow.management.reviews_due(day)

    rows = await run_in_threadpool(load)
    return declared(
        {
            "as_of": day.isoformat(),
            "reviews": [{k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()} for row in rows],
        }
    )


@router.post("/monitor/run", dependencies=[require(Permission.ADMINISTER)], response_model=MonitorRunOut)
async def post_monitor_run(body: RunDay, services: ServicesDep) -> JSONResponse:
    """The monitor's run for one day (default today), on the events dated up to it."""
    day = day_or(body.as_of, services.clock.today())
    run = await run_in_threadpool(
        run_monitor,
        day,
        services.monitor_facts(),
        services.limit_inputs(),
        services.uow,
        services.clock,
        body.customer_id,
    )
    return declared(run.as_json())


@router.post("/limits/apply", dependencies=[require(Permission.ADMINISTER)], response_model=ApplyRunOut)
async def post_limits_apply(body: RunDay, services: ServicesDep) -> JSONResponse:
    """Move limits to the policy's recommendation within the system's authority (requests beyond it)."""
    day = day_or(body.as_of, services.clock.today())
    run = await run_in_threadpool(
        partial(apply_recommendations, explain_zh=chinese_limit_reason),
        services.limit_inputs(),
        services.uow,
        services.clock,
        day,
        body.customer_id,
    )
    return declared(run.as_json())


class AllocationRequest(RequestBody):
    budget: AmountText
    loss_budget: AmountText
    currency: str
    as_of: str | None = None


@router.get("/portfolio/concentration", dependencies=[require(Permission.READ)], response_model=ConcentrationOut)
async def get_concentration(services: ServicesDep, as_of: str | None = None) -> JSONResponse:
    """Current and recommended limits by industry, country and group against the caps; group pools."""
    day = day_or(as_of, services.clock.today())
    store = services.limit_inputs()

    def load() -> dict[str, Any]:
        from creditdesk.service.allocation import concentration, group_pools  # scipy: loaded when asked

        version, policy = store.active_limit_policy()
        _, found = recommend_limits(store, day, policy)
        return {
            "policy_version": version,
            "concentration": concentration(found, policy),
            "groups": group_pools(found, policy),
        }

    return declared(await run_in_threadpool(load))


@router.post("/limits/allocate", dependencies=[require(Permission.READ)], response_model=AllocationOut)
async def post_allocate(body: AllocationRequest, services: ServicesDep) -> JSONResponse:
    """The limits that maximise expected profit within a credit budget, a loss budget and the caps."""
    ccy = parse_field(f.currency, "currency", body.currency)
    budget = parse_field(f.decimal_amount, "budget", body.budget)
    losses = parse_field(f.decimal_amount, "loss_budget", body.loss_budget)
    day = day_or(body.as_of, services.clock.today())
    store = services.limit_inputs()

    def run() -> dict[str, Any]:
        from creditdesk.service.allocation import allocate  # scipy's solver: loaded when asked

        _, policy = store.active_limit_policy()
        _, found = recommend_limits(store, day, policy)
        return allocate(found, policy, ccy, budget, losses).as_json()

    return declared(await run_in_threadpool(run))
