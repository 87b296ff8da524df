"""Credit insurance, guarantees, letters of credit and insurance claims over HTTP (docs/disputes.md)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from creditdesk.adapters.importing import fields as f
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.schemas import AmountText, Id, IdInPath, IdInQuery, RequestBody, parse_field
from creditdesk.service import cover

router = APIRouter(prefix="/api/v1")

DAY = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-12-31"])


class CoverCreate(RequestBody):
    customer_id: Id
    kind: Literal["insurance", "guarantee", "letter_of_credit"]
    provider: str = Field(min_length=1, max_length=64)
    amount: AmountText = Field(description="insurance: the insurer's buyer limit; else the amount guaranteed")
    currency: str = Field(min_length=3, max_length=3)
    valid_from: str = DAY
    valid_to: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    cover_share: str | None = Field(default=None, max_length=12, description="insurance: above 0, at most 1")
    policy_number: str | None = Field(default=None, max_length=64)
    support_id: Id | None = None


class CoverEnd(RequestBody):
    valid_to: str = DAY
    reason: str = Field(min_length=1, max_length=1000)


class ClaimCreate(RequestBody):
    support_id: Id
    amount: AmountText
    note: str = Field(default="", max_length=2000)
    claim_id: Id | None = None


class ClaimDecision(RequestBody):
    outcome: Literal["accepted", "rejected", "paid"]
    paid: AmountText | None = None
    note: str = Field(default="", max_length=2000)


class CoverOut(BaseModel):
    support_id: str
    customer_id: str
    kind: str
    provider: str
    amount: str
    currency: str
    cover_share: str | None
    valid_from: str
    valid_to: str | None
    policy_number: str | None
    recorded_by: str | None
    valid: bool | None = None
    expiring: bool | None = None


class CoverList(BaseModel):
    as_of: str
    cover: list[CoverOut]


class ClaimOut(BaseModel):
    claim_id: str
    support_id: str
    customer_id: str
    amount: str
    currency: str
    filed_on: str
    status: str
    paid: str | None
    decided_on: str | None
    filed_by: str
    note: str


class ClaimList(BaseModel):
    claims: list[ClaimOut]


class ExpiringCover(CoverOut):
    name: str


class MissingClaim(BaseModel):
    customer_id: str
    name: str
    in_default_since: str
    receivable_minor: int
    currency: str


class CoverAttention(BaseModel):
    as_of: str
    cover_expiring: list[ExpiringCover]
    claims_missing: list[MissingClaim]


def _day(name: str, text: str) -> Any:
    return parse_field(f.iso_date, name, text)


@router.get("/cover", dependencies=[require(Permission.READ)], response_model=CoverList)
async def get_cover(services: ServicesDep, customer_id: IdInQuery = None) -> Any:
    """Every cover row (of one customer), with whether it is valid and expiring today."""
    today = services.clock.today()
    rows = await run_in_threadpool(cover.cover_of, services.uow(), customer_id)
    return declared({"as_of": today.isoformat(), "cover": [r.as_json(today) for r in rows]})


@router.get("/cover/attention", dependencies=[require(Permission.READ)], response_model=CoverAttention)
async def get_cover_attention(services: ServicesDep) -> Any:
    """Cover expiring within 30 days (or lapsed, not renewed) where there is exposure, and
    defaulted insured customers without a claim."""
    today = services.clock.today()
    found = await run_in_threadpool(cover.attention, services.uow(), today)
    return declared({"as_of": today.isoformat(), **found})


@router.post("/cover", dependencies=[require(Permission.WRITE_DOCUMENTS)], status_code=201, response_model=CoverOut)
async def post_cover(body: CoverCreate, services: ServicesDep, principal: PrincipalDep) -> Any:
    """Record credit insurance, a guarantee or a letter of credit on a customer."""
    cmd = cover.AddCover(
        customer_id=body.customer_id,
        kind=body.kind,
        provider=body.provider,
        amount=parse_field(f.decimal_amount, "amount", body.amount),
        currency=parse_field(f.currency, "currency", body.currency),
        valid_from=_day("valid_from", body.valid_from),
        valid_to=_day("valid_to", body.valid_to) if body.valid_to else None,
        cover_share=body.cover_share,
        policy_number=body.policy_number,
        support_id=body.support_id,
        actor=principal.name,
        role=principal.role,
    )
    row = await run_in_threadpool(cover.add_cover, cmd, services.uow(), services.clock)
    return declared(row.as_json(services.clock.today()), status_code=201)


@router.post("/cover/{support_id}/end", dependencies=[require(Permission.WRITE_DOCUMENTS)], response_model=CoverOut)
async def post_cover_end(support_id: IdInPath, body: CoverEnd, services: ServicesDep, principal: PrincipalDep) -> Any:
    """Set the cover's last day."""
    cmd = cover.EndCover(support_id, _day("valid_to", body.valid_to), body.reason, principal.name, principal.role)
    row = await run_in_threadpool(cover.end_cover, cmd, services.uow(), services.clock)
    return declared(row.as_json(services.clock.today()))


@router.get("/insurance-claims", dependencies=[require(Permission.READ)], response_model=ClaimList)
async def get_claims(services: ServicesDep, customer_id: IdInQuery = None, status: str | None = None) -> Any:
    found = await run_in_threadpool(cover.claims_of, services.uow(), customer_id, status)
    return declared({"claims": [c.as_json() for c in found]})


@router.post(
    "/insurance-claims", dependencies=[require(Permission.WRITE_DOCUMENTS)], status_code=201, response_model=ClaimOut
)
async def post_claim(body: ClaimCreate, services: ServicesDep, principal: PrincipalDep) -> Any:
    """File a claim on an insurance policy for a defaulted customer."""
    cmd = cover.FileClaim(
        body.support_id,
        parse_field(f.decimal_amount, "amount", body.amount),
        principal.name,
        principal.role,
        body.note,
        body.claim_id,
    )
    claim = await run_in_threadpool(cover.file_claim, cmd, services.uow(), services.clock)
    return declared(claim.as_json(), status_code=201)


@router.post(
    "/insurance-claims/{claim_id}/decide", dependencies=[require(Permission.SET_STANDING)], response_model=ClaimOut
)
async def post_claim_decision(
    claim_id: IdInPath, body: ClaimDecision, services: ServicesDep, principal: PrincipalDep
) -> Any:
    """A manager records the insurer's answer: accepted, rejected or paid (with the amount)."""
    paid = parse_field(f.decimal_amount, "paid", body.paid) if body.paid is not None else None
    cmd = cover.DecideClaim(claim_id, body.outcome, principal.name, principal.role, paid, body.note)
    claim = await run_in_threadpool(cover.decide_claim, cmd, services.uow(), services.clock)
    return declared(claim.as_json())
