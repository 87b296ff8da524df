"""Customers' master data over HTTP: change (PATCH), deactivate, reactivate, merge, history, list
and search. The controls are the service layer's (``service/master_data.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from creditdesk.adapters.db.master_data_store import SqlMasterData
from creditdesk.adapters.importing import fields as f
from creditdesk.domain.customers import Segment
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.schemas import Id, IdInPath, OptionalDate, RequestBody, parse_field
from creditdesk.service import master_data as md
from creditdesk.service.errors import FieldProblem, InvalidInput

router = APIRouter(prefix="/api/v1/customers")


class CustomerPatch(RequestBody):
    """Only the fields given change; ``null`` clears an optional one (group, country, industry,
    registration date). ``as_of``: the change's business date (default today)."""

    name: str | None = Field(default=None, max_length=200)
    currency: str | None = Field(default=None, examples=["CNY"])
    segment: str | None = Field(default=None, examples=["state_owned"])
    group_id: Id | None = None
    country: str | None = Field(default=None, examples=["CN"])
    industry: str | None = Field(default=None, max_length=64)
    registered_on: str | None = OptionalDate
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    as_of: str | None = OptionalDate


class MergeBody(RequestBody):
    into: Id


class StatusBody(RequestBody):
    reason: str = Field(default="", max_length=1000)


class ChangeOut(BaseModel):
    customer_id: str
    version: int | None = Field(description="the new version; null when nothing changed")
    changes: dict[str, list[Any]] = Field(description="{field: [before, after]}")
    group_postings: int = Field(description="ledger postings of a group move")


class VersionOut(BaseModel):
    version: int
    valid_from: str
    valid_to: str | None
    name: str
    currency: str
    segment: str
    group_id: str | None
    country: str | None
    industry: str | None
    registered_on: str | None
    payment_terms_days: int
    status: str
    changes: dict[str, list[Any]]
    source: str
    changed_by: str
    recorded_at: str


class HistoryOut(BaseModel):
    customer_id: str
    status: str
    merged_into: str | None
    versions: list[VersionOut]


class CustomerRow(BaseModel):
    customer_id: str
    name: str
    currency: str
    segment: str
    group_id: str | None
    country: str | None
    status: str
    merged_into: str | None
    grade: int | None = Field(description="the latest champion score's grade")
    credit_limit: str | None
    exposure: str | None


class CustomerPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CustomerRow]


def _values(body: CustomerPatch) -> tuple[dict[str, Any], Any]:
    given = body.model_dump(exclude_unset=True)
    as_of = given.pop("as_of", None)
    values: dict[str, Any] = {}
    parsers = {
        "name": f.bounded_text(200),
        "currency": f.currency,
        "segment": f.one_of(*(s.value for s in Segment)),
        "group_id": f.identifier,
        "country": f.country_code,
        "industry": f.bounded_text(64),
        "registered_on": f.iso_date,
    }
    for name, raw in given.items():
        if raw is None or name == "payment_terms_days":
            values[name] = raw
        else:
            values[name] = parse_field(parsers[name], name, raw)
    if not values:
        raise InvalidInput("nothing to change", [FieldProblem(("body",), "MISSING_VALUE", "expected a field")])
    day = parse_field(f.iso_date, "as_of", as_of) if as_of else None
    return md.check_values(values), day


def _change_out(changed: md.Changed) -> ChangeOut:
    return ChangeOut(
        customer_id=changed.customer_id,
        version=changed.version,
        changes={k: [md.plain(b), md.plain(a)] for k, (b, a) in sorted(changed.changes.items())},
        group_postings=len(changed.postings),
    )


@router.patch("/{customer_id}", response_model=ChangeOut, dependencies=[require(Permission.WRITE_DOCUMENTS)])
async def patch_customer(
    customer_id: IdInPath, body: CustomerPatch, services: ServicesDep, principal: PrincipalDep
) -> ChangeOut:
    """Change master data: a new version, audited and published (``customer.changed``); a group
    move moves the exposure between the pooled accounts; the currency only without exposure (409)."""
    values, day = _values(body)
    cmd = md.ChangeCustomer(customer_id, values, principal.name, principal.role, "api", day)
    changed = await run_in_threadpool(md.change_customer, cmd, services.uow(), services.clock)
    return _change_out(changed)


@router.post("/{customer_id}/deactivate", response_model=ChangeOut, dependencies=[require(Permission.WRITE_DOCUMENTS)])
async def deactivate_customer(
    customer_id: IdInPath, body: StatusBody, services: ServicesDep, principal: PrincipalDep
) -> ChangeOut:
    """No new orders: the credit check blocks them (CUSTOMER_INACTIVE)."""
    cmd = md.SetStatus(customer_id, False, principal.name, principal.role)
    return _change_out(await run_in_threadpool(md.set_status, cmd, services.uow(), services.clock))


@router.post("/{customer_id}/reactivate", response_model=ChangeOut, dependencies=[require(Permission.WRITE_DOCUMENTS)])
async def reactivate_customer(
    customer_id: IdInPath, body: StatusBody, services: ServicesDep, principal: PrincipalDep
) -> ChangeOut:
    cmd = md.SetStatus(customer_id, True, principal.name, principal.role)
    return _change_out(await run_in_threadpool(md.set_status, cmd, services.uow(), services.clock))


@router.post("/{customer_id}/merge", response_model=ChangeOut, dependencies=[require(Permission.WRITE_DOCUMENTS)])
async def merge_customer(
    customer_id: IdInPath, body: MergeBody, services: ServicesDep, principal: PrincipalDep
) -> ChangeOut:
    """Merge this customer into ``into``: refused (409) while it has exposure, saying what to settle."""
    cmd = md.MergeCustomer(customer_id, body.into, principal.name, principal.role)
    return _change_out(await run_in_threadpool(md.merge_customer, cmd, services.uow(), services.clock))


def version_out(row: dict[str, Any]) -> VersionOut:
    return VersionOut(
        version=row["version"],
        valid_from=row["valid_from"].isoformat(),
        valid_to=row["valid_to"].isoformat() if row["valid_to"] else None,
        name=row["name"],
        currency=row["currency"],
        segment=row["segment"],
        group_id=row["group_id"],
        country=row["country"],
        industry=row["industry"],
        registered_on=row["registered_on"].isoformat() if row["registered_on"] else None,
        payment_terms_days=row["payment_terms_days"],
        status=row["status"],
        changes=row["changes"],
        source=row["source"],
        changed_by=row["changed_by"],
        recorded_at=row["recorded_at"].isoformat(),
    )


@router.get("/{customer_id}/history", response_model=HistoryOut, dependencies=[require(Permission.READ)])
async def customer_history(customer_id: IdInPath, services: ServicesDep) -> HistoryOut:
    """Every version of the customer's master data, oldest first, with who, when, source and changes."""

    def read() -> HistoryOut:
        current, versions = md.history(services.read_uow(), customer_id)
        return HistoryOut(
            customer_id=customer_id,
            status=current["status"],
            merged_into=current["merged_into"],
            versions=[version_out(v) for v in versions],
        )

    return await run_in_threadpool(read)


@router.get("", response_model=CustomerPage, dependencies=[require(Permission.READ)])
async def list_customers(
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200, description="part of the id or name, any case")] = None,
    segment: Annotated[str | None, Query(max_length=32)] = None,
    grade: Annotated[int | None, Query(ge=1, le=10)] = None,
    status: Annotated[str | None, Query(pattern="^(active|inactive|merged)$")] = None,
    company_code: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CustomerPage:
    """List and search customers, ordered by id, a page at a time with the total count."""

    def read() -> CustomerPage:
        with services.engine.connect() as conn:
            total, rows = SqlMasterData(conn.execution_options(readonly=True)).search(
                q=q, segment=segment, grade=grade, status=status, company_code=company_code, limit=limit, offset=offset
            )
        return CustomerPage(total=total, limit=limit, offset=offset, items=[_row(r) for r in rows])

    return await run_in_threadpool(read)


def _row(row: dict[str, Any]) -> CustomerRow:
    ccy = row["currency"]
    limit = row["limit_minor"]
    exposure = None
    if limit is not None:
        exposure = Money.from_minor(row["receivable_minor"] + row["reserved_minor"] + row["delivered_minor"], ccy)
    return CustomerRow(
        customer_id=row["customer_id"],
        name=row["name"],
        currency=ccy,
        segment=row["segment"],
        group_id=row["group_id"],
        country=row["country"],
        status=row["status"],
        merged_into=row["merged_into"],
        grade=row["grade"],
        credit_limit=Money.from_minor(limit, ccy).to_json() if limit is not None else None,
        exposure=exposure.to_json() if exposure is not None else None,
    )
