"""Company codes (selling entities) and each customer's credit segment in them (docs/segments.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from creditdesk.adapters.importing import fields as f
from creditdesk.domain.company_codes import CompanyCode
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.limits import LimitRequestOut
from creditdesk.entrypoints.api.models.segments import CompanyCodeOut, CompanyCodesOut, SegmentOut, SegmentsOut
from creditdesk.entrypoints.api.orders import money
from creditdesk.entrypoints.api.schemas import AmountText, CompanyCodeText, IdInPath, RequestBody, parse_field
from creditdesk.service.errors import NotFound
from creditdesk.service.segments import AddCompanyCode, SetSegmentLimit, add_company_code, set_segment_limit

router = APIRouter(prefix="/api/v1")


class CompanyCodeCreate(RequestBody):
    code: CompanyCodeText
    name: str = Field(min_length=1, max_length=200)
    currency: str
    country: str | None = Field(default=None, max_length=2)


class SegmentLimitChange(RequestBody):
    amount: AmountText
    currency: str
    reason: str = Field(min_length=1, max_length=1000)


def _company_json(company: CompanyCode) -> dict[str, Any]:
    return {"code": company.code, "name": company.name, "currency": company.currency, "country": company.country}


@router.get("/company-codes", dependencies=[require(Permission.READ)], response_model=CompanyCodesOut)
async def get_company_codes(services: ServicesDep) -> Any:
    def read() -> dict[str, Any]:
        with services.read_uow() as uow:
            return {"company_codes": [_company_json(c) for c in uow.segments.company_codes()]}

    return declared(await run_in_threadpool(read))


@router.post(
    "/company-codes", dependencies=[require(Permission.ADMINISTER)], status_code=201, response_model=CompanyCodeOut
)
async def post_company_code(body: CompanyCodeCreate, services: ServicesDep, principal: PrincipalDep) -> Any:
    """A selling entity (admin); documents name it in ``company_code``."""
    company = CompanyCode(
        body.code,
        body.name,
        parse_field(f.currency, "currency", body.currency),
        parse_field(f.country_code, "country", body.country) if body.country else None,
    )
    cmd = AddCompanyCode(company, principal.name, principal.role)
    added = await run_in_threadpool(add_company_code, cmd, services.uow(), services.clock)
    return declared(_company_json(added), status_code=201)


def _segments(services: Any, customer_id: str) -> dict[str, Any]:
    with services.read_uow() as uow:
        state = uow.credit_accounts.account(customer_id, services.clock.today(), lock=False)
        if state is None:
            raise NotFound(f"customer {customer_id!r} does not exist")
        segments = uow.segments.segments_of(customer_id)
    return {
        "customer_id": customer_id,
        "currency": state.currency,
        "total_limit": Money.from_minor(state.limit, state.currency).to_json(),
        "total_exposure": Money.from_minor(state.totals.exposure, state.currency).to_json(),
        "segments": [segment.as_json() for segment in segments],
    }


@router.get("/customers/{customer_id}/segments", dependencies=[require(Permission.READ)], response_model=SegmentsOut)
async def get_segments(customer_id: IdInPath, services: ServicesDep) -> Any:
    """The customer's total limit and exposure (all company codes) and its credit segments."""
    return declared(await run_in_threadpool(_segments, services, customer_id))


@router.put(
    "/customers/{customer_id}/segments/{company_code}/credit-limit",
    dependencies=[require(Permission.READ)],
    response_model=SegmentOut,
    responses={202: {"model": LimitRequestOut, "description": "beyond the caller's authority: a limit request"}},
)
async def put_segment_limit(
    customer_id: IdInPath,
    company_code: str,
    body: SegmentLimitChange,
    services: ServicesDep,
    principal: PrincipalDep,
) -> Any:
    """The customer's limit in one company code within the caller's limit authority: 200, the
    first one opens the segment. Beyond it, or from sales or a service user: a limit request
    (202) for someone who may decide it (`POST /api/v1/limit-requests/{id}/approve`)."""
    code = parse_field(f.company_code, "company_code", company_code)
    limit = money(body.amount, body.currency)
    cmd = SetSegmentLimit(customer_id, code, limit, body.reason, principal.name, principal.role)
    done = await run_in_threadpool(set_segment_limit, cmd, services.uow(), services.clock)
    if done.request is not None:
        return declared(done.request.as_json(), status_code=202)
    found = await run_in_threadpool(_segments, services, customer_id)
    return declared(next(s for s in found["segments"] if s["company_code"] == code))
