"""Collections over HTTP: the dunning run, the worklist and promises to pay."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import Field

from creditdesk.adapters.importing import fields as f
from creditdesk.bootstrap import Services
from creditdesk.domain.collections import Promise, PromiseStatus
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.downloads import MAX_SHEET_ROWS, XLSX_OR_JSON, check_format, sheet_download
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.collections import DunningRunOut, PromiseOut, Promises, Worklist
from creditdesk.entrypoints.api.schemas import AmountText, Id, IdInQuery, RequestBody, day_or, parse_field
from creditdesk.entrypoints.kept_lines import dunning_positions, whole_kept_worklist
from creditdesk.service.collections import open_worklist, promise_json, record_promise, run_dunning
from creditdesk.service.errors import InvalidInput

router = APIRouter(prefix="/api/v1/collections")


class DunningRunBody(RequestBody):
    as_of: str | None = Field(default=None, examples=["2026-11-30"])


class PromiseCreate(RequestBody):
    promise_id: Id
    customer_id: Id
    amount: AmountText
    currency: str
    promised_on: str = Field(examples=["2026-12-15"])
    invoice_id: Id | None = None
    note: str = Field(default="", max_length=1000)


@router.post("/run", dependencies=[require(Permission.ADMINISTER)], response_model=DunningRunOut)
async def post_dunning_run(body: DunningRunBody, services: ServicesDep) -> Any:
    """Settle promises and move dunning levels for the day (default today)."""
    day = day_or(body.as_of, services.clock.today())
    run = await run_in_threadpool(
        lambda: run_dunning(dunning_positions(services, day)[0], services.uow, services.clock, day)
    )
    return declared(run.as_json())


@router.get("/worklist", dependencies=[require(Permission.READ)], response_model=Worklist, responses=XLSX_OR_JSON)
async def get_worklist(
    request: Request,
    services: ServicesDep,
    as_of: str | None = None,
    format: str = "json",
    limit: Annotated[int | None, Query(ge=1, le=MAX_SHEET_ROWS, description="at most this many items")] = None,
    offset: Annotated[int, Query(ge=0, le=100_000_000, description="after skipping this many")] = 0,
) -> Any:
    """Overdue items, highest expected loss first, with level, next action, promise and dispute;
    ``total``: how many there are, ``limit`` and ``offset``: one window of them. With the nightly
    batch on, the night's worklist (``computed_at``: when it was loaded) unless another day is
    asked for."""
    check_format(format)
    day = day_or(as_of, services.clock.today())
    nightly = request.app.state.web.views.nightly

    def build() -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
        if nightly and as_of is None:
            return _kept(services, day, limit, offset)
        _, policy = services.limit_inputs().active_limit_policy()
        rows = open_worklist(services.receivables().frames(day), day, policy.lgd, services.uow())
        window = rows[offset : None if limit is None else offset + limit]
        return len(rows), window, {"as_of": day.isoformat()}

    total, rows, about = await run_in_threadpool(build)
    if format == "json":
        return declared({**about, "total": total, "items": rows})
    return sheet_download(rows, "worklist", f"collections-{about['as_of']}")


def _kept(
    services: Services, day: date, limit: int | None, offset: int
) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    kept, total, rows = whole_kept_worklist(services, day, limit, offset)
    return total, rows, {"as_of": kept.as_of.isoformat(), "computed_at": kept.loaded_at.isoformat()}


@router.post(
    "/promises",
    dependencies=[require(Permission.WRITE_DOCUMENTS)],
    status_code=201,
    response_model=PromiseOut,
    responses={200: {"model": PromiseOut, "description": "the same promise again: as stored"}},
)
async def post_promise(body: PromiseCreate, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    """Record a promise to pay: 201; the same again 200; other terms under the same id 409."""
    currency = parse_field(f.currency, "currency", body.currency)
    promise = Promise(
        promise_id=parse_field(f.identifier, "promise_id", body.promise_id),
        customer_id=parse_field(f.identifier, "customer_id", body.customer_id),
        amount=Money.from_minor(
            parse_field(lambda v: f.to_minor(f.decimal_amount(v), currency), "amount", body.amount), currency
        ),
        promised_on=parse_field(f.iso_date, "promised_on", body.promised_on),
        made_on=services.clock.today(),
        invoice_id=parse_field(f.identifier, "invoice_id", body.invoice_id) if body.invoice_id else None,
        note=body.note,
        recorded_by=principal.name,
    )
    stored, created = await run_in_threadpool(record_promise, services.uow(), services.clock, promise, principal.role)
    return JSONResponse(promise_json(stored), status_code=201 if created else 200)


@router.get("/promises", dependencies=[require(Permission.READ)], response_model=Promises)
async def get_promises(services: ServicesDep, customer_id: IdInQuery = None, status: str | None = None) -> JSONResponse:
    if status is not None and status not in {s.value for s in PromiseStatus}:
        raise InvalidInput(f"status must be open, kept or broken; got {status!r}")

    def read() -> list[Promise]:
        with services.uow() as uow:
            return uow.collections.promises(status=PromiseStatus(status) if status else None, customer_id=customer_id)

    return declared({"promises": [promise_json(p) for p in await run_in_threadpool(read)]})
