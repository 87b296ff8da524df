"""Credit applications over HTTP (docs/applications.md).

``POST /api/v1/credit-applications`` (JSON) submits; ``POST .../{id}/attachments`` (multipart,
one or more ``file``) and ``POST .../{id}/notes`` add documents and notes; ``approve``,
``reject`` and ``withdraw`` decide; ``GET`` lists (``?status=``) and shows one with its proposal,
working, approvals, attachments and notes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.notes import (
    TOO_LARGE,
    AttachmentsOut,
    NoteBody,
    NoteOut,
    note_response,
    store_uploads,
)
from creditdesk.entrypoints.api.schemas import AmountText, Id, RequestBody, RequestIdInPath
from creditdesk.service.applications import (
    DecideApplication,
    SubmitApplication,
    decide_application,
    get_application,
    list_applications,
    submit_application,
    withdraw_application,
)
from creditdesk.service.errors import InvalidInput
from creditdesk.service.notes import attachments_for, notes_for

router = APIRouter(prefix="/api/v1")
ApplicationIdInPath = RequestIdInPath


class Statement(RequestBody):
    """One financial statement, as the financials import takes it (amounts as decimal text)."""

    period_end: str = Field(max_length=10, examples=["2025-12-31"])
    currency: str = Field(min_length=3, max_length=3)
    revenue: AmountText
    total_assets: AmountText
    total_liabilities: AmountText
    current_assets: AmountText
    current_liabilities: AmountText
    equity: AmountText
    net_income: AmountText
    ebit: AmountText
    retained_earnings: AmountText
    cash: AmountText | None = None
    inventory: AmountText | None = None
    receivables: AmountText | None = None
    payables: AmountText | None = None
    operating_cash_flow: AmountText | None = None


class BureauReport(RequestBody):
    """One bureau report, as the bureau import takes it."""

    provider: str = Field(min_length=1, max_length=64)
    report_date: str = Field(max_length=10, examples=["2026-03-01"])
    score: int = Field(ge=-999_999_999, le=999_999_999)
    rating: str | None = Field(default=None, max_length=16)
    pd: float | None = Field(default=None, ge=0, le=1)
    recommended_limit: AmountText | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    events: list[Annotated[str, Field(max_length=40, pattern="^[A-Za-z0-9_]+$")]] | None = Field(
        default=None, max_length=50
    )


class ApplicationCreate(RequestBody):
    customer_id: Id
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(min_length=3, max_length=3)
    requested_limit: AmountText
    requested_terms_days: int = Field(ge=0, le=365)
    segment: str = Field(default="new", max_length=32)
    group_id: Id | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2)
    industry: str | None = Field(default=None, max_length=64)
    registered_on: str | None = Field(default=None, max_length=10, examples=["2019-05-01"])
    company_code: str | None = Field(default=None, max_length=16)
    expected_monthly_sales: AmountText | None = None
    financials: list[Statement] = Field(default_factory=list, max_length=20)
    bureau: list[BureauReport] = Field(default_factory=list, max_length=20)
    application_id: str | None = Field(
        default=None, min_length=1, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$"
    )


class Decision(RequestBody):
    comment: str | None = Field(default=None, max_length=1000)
    limit: AmountText | None = None
    terms_days: int | None = Field(default=None, ge=0, le=365)


class Rejection(RequestBody):
    comment: str = Field(min_length=1, max_length=1000)


class Withdrawal(RequestBody):
    comment: str | None = Field(default=None, max_length=1000)


class Approval(BaseModel):
    by: str
    role: str
    at: str
    limit: str
    terms_days: int
    comment: str | None


class ApplicationOut(BaseModel):
    application_id: str
    customer_id: str
    name: str
    currency: str
    segment: str
    group_id: str | None
    country: str | None
    industry: str | None
    registered_on: str | None
    company_code: str | None
    requested_limit: str
    requested_terms_days: int
    financials: list[dict[str, Any]]
    bureau: list[dict[str, Any]]
    status: str
    submitted_by: str
    submitted_at: str
    submitted_on: str
    pd: float | None
    grade: int | None
    proposed_limit: str | None
    proposed_terms_days: int | None
    working: dict[str, Any]
    required_role: str
    approvals_needed: int
    approvals: list[Approval]
    decided_by: str | None
    decided_at: str | None
    decided_limit: str | None
    decided_terms_days: int | None
    review_on: str | None
    reason: str | None


class ApplicationDetail(ApplicationOut):
    attachments: list[dict[str, Any]]
    notes: list[dict[str, Any]]


class ApplicationsOut(BaseModel):
    applications: list[ApplicationOut]
    count: int


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name}: expected a date YYYY-MM-DD") from None


@router.post(
    "/credit-applications", status_code=201, dependencies=[require(Permission.CHECK)], response_model=ApplicationOut
)
async def post_application(body: ApplicationCreate, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    """Submit a new customer's credit application (sales and up): it is scored and a limit and
    terms proposed under the probation policy, with the working."""
    cmd = SubmitApplication(
        customer_id=body.customer_id,
        name=body.name,
        currency=body.currency,
        requested_limit=body.requested_limit,
        requested_terms_days=body.requested_terms_days,
        actor=principal.name,
        role=principal.role,
        segment=body.segment,
        group_id=body.group_id,
        country=body.country,
        industry=body.industry,
        registered_on=_day(body.registered_on, "registered_on"),
        company_code=body.company_code,
        expected_monthly_sales=body.expected_monthly_sales,
        financials=[s.model_dump(exclude_none=True) for s in body.financials],
        bureau=[b.model_dump() for b in body.bureau],
        application_id=body.application_id,
    )
    app = await run_in_threadpool(submit_application, cmd, services.uow(), services.clock)
    return declared(app.as_json(), 201)


@router.get("/credit-applications", dependencies=[require(Permission.READ)], response_model=ApplicationsOut)
async def get_applications(
    services: ServicesDep,
    status: Annotated[str | None, Query(pattern="^(pending|approved|rejected|withdrawn)$")] = None,
    submitted_by: Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$")] = None,
) -> JSONResponse:
    """Applications newest first, by status and submitter."""
    found = await run_in_threadpool(list_applications, services.read_uow(), status, submitted_by)
    return declared({"applications": [a.as_json() for a in found], "count": len(found)})


def detail(services: Services, application_id: str) -> dict[str, Any]:
    app = get_application(services.read_uow(), application_id)
    files = attachments_for(services.read_uow(), "application", application_id)
    notes = notes_for(services.read_uow(), "application", application_id)
    return {
        **app.as_json(),
        "attachments": [a.as_json() for a in files],
        "notes": [n.as_json() for n in notes],
    }


@router.get(
    "/credit-applications/{application_id}", dependencies=[require(Permission.READ)], response_model=ApplicationDetail
)
async def get_one(application_id: ApplicationIdInPath, services: ServicesDep) -> JSONResponse:
    return declared(await run_in_threadpool(detail, services, application_id))


async def _decide(services: Services, principal: Any, cmd: DecideApplication) -> JSONResponse:
    app = await run_in_threadpool(decide_application, cmd, services.uow(), services.clock)
    return declared(app.as_json())


@router.post(
    "/credit-applications/{application_id}/approve",
    dependencies=[require(Permission.READ)],
    response_model=ApplicationOut,
)
async def approve(
    application_id: ApplicationIdInPath, body: Decision, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Approve (analyst and up, never the submitter, within authority; above an analyst's
    authority two distinct approvers). The last approval opens the customer and its account."""
    terms = body.terms_days
    cmd = DecideApplication(application_id, True, principal.name, principal.role, body.comment, body.limit, terms)
    return await _decide(services, principal, cmd)


@router.post(
    "/credit-applications/{application_id}/reject",
    dependencies=[require(Permission.READ)],
    response_model=ApplicationOut,
)
async def reject(
    application_id: ApplicationIdInPath, body: Rejection, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Reject with a reason (analyst and up, never the submitter)."""
    cmd = DecideApplication(application_id, False, principal.name, principal.role, body.comment)
    return await _decide(services, principal, cmd)


@router.post(
    "/credit-applications/{application_id}/withdraw",
    dependencies=[require(Permission.CHECK)],
    response_model=ApplicationOut,
)
async def withdraw(
    application_id: ApplicationIdInPath, body: Withdrawal, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Take a pending application back: its submitter, or an analyst and up for them."""
    app = await run_in_threadpool(
        withdraw_application, application_id, principal.name, principal.role, services.uow(), services.clock
    )
    return declared(app.as_json())


@router.post(
    "/credit-applications/{application_id}/attachments",
    status_code=201,
    dependencies=[require(Permission.CHECK)],
    response_model=AttachmentsOut,
    responses=TOO_LARGE,  # type: ignore[arg-type]
)
async def post_application_attachments(
    application_id: ApplicationIdInPath,
    services: ServicesDep,
    principal: PrincipalDep,
    file: Annotated[list[UploadFile], File(description="one or more files")],
) -> JSONResponse:
    """Documents for the application (multipart): its submitter, or an analyst and up."""
    stored = await store_uploads(services, principal, "application", application_id, file)
    return declared({"attachments": [a.as_json() for a in stored], "count": len(stored)}, 201)


@router.post(
    "/credit-applications/{application_id}/notes",
    status_code=201,
    dependencies=[require(Permission.CHECK)],
    response_model=NoteOut,
)
async def post_application_note(
    application_id: ApplicationIdInPath, body: NoteBody, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    return await note_response(services, principal, "application", application_id, body.body)
