"""The /api/v1 endpoints. Route functions translate; transactions belong to the service layer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from creditdesk.adapters.db.queries import customer_account
from creditdesk.adapters.db.repositories import customer_from_row
from creditdesk.adapters.importing import fields as f
from creditdesk.domain.accounts import CreditAccount
from creditdesk.domain.customers import Customer
from creditdesk.domain.decisions import Decision
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.limits import limit_command
from creditdesk.entrypoints.api.models.limits import LimitRequestOut
from creditdesk.entrypoints.api.schemas import (
    CheckRequest,
    CheckResult,
    CreditLimitChange,
    CustomerCreate,
    CustomerPublic,
    Exposure,
    IdInPath,
    ReasonOut,
    parse_field,
    parse_like_import,
)
from creditdesk.service.credit_check import what_if
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.errors import NotFound
from creditdesk.service.limits import set_credit_limit

router = APIRouter(prefix="/api/v1")


def customer_public(customer: Customer, account: CreditAccount) -> CustomerPublic:
    return CustomerPublic(
        customer_id=customer.customer_id,
        name=customer.name,
        currency=customer.currency,
        segment=customer.segment,
        group_id=customer.group_id,
        country=customer.country,
        industry=customer.industry,
        registered_on=customer.registered_on.isoformat() if customer.registered_on else None,
        payment_terms_days=customer.payment_terms_days,
        credit_limit=account.limit.to_json(),
        limit_expires_on=account.limit_valid_to.isoformat() if account.limit_valid_to else None,
        exposure=Exposure(
            receivables=account.receivable.to_json(),
            orders=account.reserved.to_json(),
            delivered=(account.delivered or Money.zero(account.currency)).to_json(),
            total=account.exposure.to_json(),
        ),
        available=account.available.to_json(),
        status=account.status.value,
    )


def check_result(customer_id: str, decision: Decision) -> CheckResult:
    return CheckResult(
        customer_id=customer_id,
        decision=decision.outcome.value,
        amount=decision.amount.to_json(),
        currency=decision.amount.currency,
        limit=decision.limit.to_json(),
        exposure=decision.exposure.to_json(),
        available=decision.available_before.to_json(),
        available_after=decision.available_after.to_json(),
        approvable_up_to=decision.approvable.to_json(),
        exposure_detail=Exposure(
            receivables=decision.receivable.to_json(),
            orders=decision.reserved.to_json(),
            delivered=decision.delivered.to_json(),
            total=decision.exposure.to_json(),
        ),
        policy_version=decision.policy_version,
        reasons=[
            ReasonOut(code=r.code.value, reaction=r.reaction.value, message=r.text("en"), message_zh=r.text("zh"))
            for r in decision.reasons
        ],
    )


def _read_customer(services: ServicesDep, customer_id: str) -> CustomerPublic:
    with services.engine.connect() as conn:
        found = customer_account(conn.execution_options(readonly=True), customer_id, services.clock.today())
    if found is None:
        raise NotFound(f"customer {customer_id!r} does not exist")
    return customer_public(*found)


@router.post(
    "/customers",
    status_code=201,
    response_model=CustomerPublic,
    dependencies=[require(Permission.WRITE_DOCUMENTS)],
    responses={200: {"model": CustomerPublic, "description": "the same customer again: as stored"}},
)
async def create_customer(
    body: CustomerCreate, response: Response, services: ServicesDep, principal: PrincipalDep
) -> CustomerPublic:
    row = parse_like_import("customers", body.model_dump())
    customer = customer_from_row(row)
    limit = Money.from_minor(row["limit_minor"], customer.currency) if row["limit_minor"] is not None else None
    command = RegisterCustomer(customer, limit, principal.name, principal.role)
    registered = await run_in_threadpool(register_customer, command, services.uow(), services.clock)
    if not registered.created:
        response.status_code = 200
    shown = await run_in_threadpool(_read_customer, services, customer.customer_id)
    if registered.limit_request is not None:
        shown.limit_request = LimitRequestOut.model_validate(registered.limit_request.as_json())
    return shown


@router.get("/customers/{customer_id}", response_model=CustomerPublic, dependencies=[require(Permission.READ)])
async def get_customer(customer_id: IdInPath, services: ServicesDep) -> CustomerPublic:
    return await run_in_threadpool(_read_customer, services, customer_id)


@router.put(
    "/customers/{customer_id}/credit-limit",
    response_model=CustomerPublic,
    dependencies=[require(Permission.READ)],
    responses={
        202: {
            "model": LimitRequestOut,
            "description": "beyond the caller's authority: a limit request waits for approval",
        }
    },
)
async def put_credit_limit(
    customer_id: IdInPath, body: CreditLimitChange, services: ServicesDep, principal: PrincipalDep
) -> Any:
    """Within the caller's authority (the policy's matrix of amount and grade) the limit applies:
    200. Beyond it, or from sales, a request waits for someone who may decide it: 202."""
    cmd = limit_command(customer_id, body, principal)
    outcome = await run_in_threadpool(set_credit_limit, cmd, services.uow(), services.clock, services.limit_inputs())
    if outcome.request is not None:
        context = {"context": outcome.context.as_json()} if outcome.context is not None else {}
        return JSONResponse(status_code=202, content=outcome.request.as_json() | context)
    return await run_in_threadpool(_read_customer, services, customer_id)


@router.post("/checks", response_model=CheckResult, dependencies=[require(Permission.CHECK)])
async def post_check(body: CheckRequest, services: ServicesDep) -> CheckResult:
    ccy = parse_field(f.currency, "currency", body.currency)
    amount = parse_field(f.decimal_amount, "amount", body.amount)
    minor = parse_field(lambda a: f.to_minor(a, ccy), "amount", amount)
    # Inline on the event loop, not in the thread pool: a what-if is one short read that never
    # waits for a lock (MVCC on PostgreSQL, WAL readers on SQLite), and the thread hop cost
    # more than the read itself. Workers (processes) give the concurrency.
    amount = Money.from_minor(minor, ccy)
    decision = what_if(body.customer_id, amount, services.check_uow(), services.clock, body.company_code)
    return check_result(body.customer_id, decision)
