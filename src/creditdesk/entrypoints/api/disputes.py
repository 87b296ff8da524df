"""Dispute cases over HTTP (docs/disputes.md): open one on an invoice (the whole open amount or a
part), work it, resolve it by credit note or rejection; the worklist by age and amount."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from creditdesk.adapters.importing import fields as f
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.schemas import (
    AmountText,
    Id,
    IdInPath,
    IdInQuery,
    OptionalDate,
    RequestBody,
    parse_field,
)
from creditdesk.service import disputes

router = APIRouter(prefix="/api/v1/disputes")


class DisputeOpen(RequestBody):
    invoice_id: Id
    reason_code: Literal["price", "quantity", "quality", "delivery", "duplicate", "other"]
    amount: AmountText | None = Field(default=None, description="a part of the open amount; none: all of it")
    owner: str | None = Field(default=None, max_length=100)
    due_on: str | None = OptionalDate
    comment: str = Field(default="", max_length=4000)
    dispute_id: Id | None = None


class DisputeReview(RequestBody):
    comment: str = Field(default="", max_length=4000)
    owner: str | None = Field(default=None, max_length=100)


class DisputeComment(RequestBody):
    body: str = Field(min_length=1, max_length=4000)


class DisputeResolve(RequestBody):
    outcome: Literal["credited", "rejected"]
    comment: str = Field(default="", max_length=4000)
    credit_note_id: Id | None = None


class DisputeCaseOut(BaseModel):
    dispute_id: str
    invoice_id: str
    customer_id: str
    reason_code: str
    amount: str
    currency: str
    owner: str
    status: str
    opened_on: str
    due_on: str
    opened_by: str
    resolved_on: str | None
    resolved_by: str | None
    resolution: str | None
    credit_note_id: str | None
    age_days: int | None = None
    past_due: bool | None = None


class DisputeCommentOut(BaseModel):
    note_id: int
    subject_kind: str
    subject_id: str
    customer_id: str | None
    body: str
    author: str
    created_at: str


class DisputeDetailOut(DisputeCaseOut):
    comments: list[DisputeCommentOut]


class DisputeList(BaseModel):
    as_of: str
    status: str
    sort: str
    disputes: list[DisputeCaseOut]


@router.get("", dependencies=[require(Permission.READ)], response_model=DisputeList)
async def get_disputes(
    services: ServicesDep,
    status: str | None = None,
    customer_id: IdInQuery = None,
    sort: str = "age",
) -> Any:
    """The disputes worklist: oldest first (``sort=age``) or largest first (``sort=amount``);
    ``status`` one status, ``active`` (open and in review, the default) or ``all``."""
    today = services.clock.today()
    rows = await run_in_threadpool(disputes.worklist, services.uow(), today, status, customer_id, sort)
    return declared({"as_of": today.isoformat(), "status": status or "active", "sort": sort, "disputes": rows})


@router.get("/{dispute_id}", dependencies=[require(Permission.READ)], response_model=DisputeDetailOut)
async def get_dispute(dispute_id: IdInPath, services: ServicesDep) -> Any:
    """One case with its comments, newest first."""
    return declared(
        await run_in_threadpool(disputes.dispute_detail, services.uow(), dispute_id, services.clock.today())
    )


@router.post("", dependencies=[require(Permission.WRITE_DOCUMENTS)], status_code=201, response_model=DisputeCaseOut)
async def post_dispute(body: DisputeOpen, services: ServicesDep, principal: PrincipalDep) -> Any:
    """Open a case on an invoice: the disputed part leaves the overdue rules and dunning."""
    cmd = disputes.OpenDispute(
        invoice_id=body.invoice_id,
        reason_code=body.reason_code,
        actor=principal.name,
        role=principal.role,
        amount=parse_field(f.decimal_amount, "amount", body.amount) if body.amount is not None else None,
        owner=body.owner,
        due_on=parse_field(f.iso_date, "due_on", body.due_on) if body.due_on else None,
        comment=body.comment,
        dispute_id=body.dispute_id,
    )
    case = await run_in_threadpool(disputes.open_dispute, cmd, services.uow(), services.clock)
    return declared(case.as_json(services.clock.today()), status_code=201)


@router.post("/{dispute_id}/review", dependencies=[require(Permission.WRITE_DOCUMENTS)], response_model=DisputeCaseOut)
async def post_review(dispute_id: IdInPath, body: DisputeReview, services: ServicesDep, principal: PrincipalDep) -> Any:
    """open -> in_review, optionally to a new owner."""
    cmd = disputes.ReviewDispute(dispute_id, principal.name, principal.role, body.comment, body.owner)
    case = await run_in_threadpool(disputes.review_dispute, cmd, services.uow(), services.clock)
    return declared(case.as_json(services.clock.today()))


@router.post(
    "/{dispute_id}/comments", dependencies=[require(Permission.WRITE_DOCUMENTS)], response_model=DisputeCaseOut
)
async def post_comment(
    dispute_id: IdInPath, body: DisputeComment, services: ServicesDep, principal: PrincipalDep
) -> Any:
    """A comment on the case (a note in the customer's timeline)."""
    cmd = disputes.CommentDispute(dispute_id, body.body, principal.name, principal.role)
    case = await run_in_threadpool(disputes.comment_dispute, cmd, services.uow(), services.clock)
    return declared(case.as_json(services.clock.today()))


@router.post("/{dispute_id}/resolve", dependencies=[require(Permission.WRITE_DOCUMENTS)], response_model=DisputeCaseOut)
async def post_resolve(
    dispute_id: IdInPath, body: DisputeResolve, services: ServicesDep, principal: PrincipalDep
) -> Any:
    """``credited``: a credit note for the disputed amount is posted on the invoice (ledger,
    receivable down); ``rejected``: the part returns to the overdue rules and dunning."""
    cmd = disputes.ResolveDispute(
        dispute_id, body.outcome, principal.name, principal.role, body.comment, body.credit_note_id
    )
    case = await run_in_threadpool(disputes.resolve_dispute, cmd, services.uow(), services.clock)
    return declared(case.as_json(services.clock.today()))
