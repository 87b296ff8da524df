"""Month-end revaluation of open foreign-currency invoices over HTTP (docs/currencies.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.schemas import RequestBody

router = APIRouter(prefix="/api/v1")


class RevaluationCreate(RequestBody):
    as_of: dt.date = Field(description="The month-end whose rates revalue the open items.", examples=["2026-11-30"])


class RevaluedCustomer(BaseModel):
    customer_id: str
    currency: str  # the account's
    delta: str  # the receivable's movement, in the account currency


class RevaluationOut(BaseModel):
    as_of: str
    customers: int = Field(description="Customers with open items in another currency than their account's.")
    items: int
    changed: int = Field(description="Items whose carried value moved (0 on a second run of the same month-end).")
    rates: dict[str, str] = Field(description="BASE/QUOTE -> the rate used.", examples=[{"EUR/CNY": "7.9031"}])
    deltas: list[RevaluedCustomer]


def revaluation_json(run: Any) -> dict[str, Any]:
    body: dict[str, Any] = run.as_json()
    body["deltas"] = [
        {
            "customer_id": cid,
            "currency": moved["currency"],
            "delta": Money.from_minor(moved["delta"], moved["currency"]).to_json(),
        }
        for cid, moved in sorted(run.deltas.items())
    ]
    body.pop("moved", None)
    return body


@router.post("/revaluations", dependencies=[require(Permission.OPERATIONS)], response_model=RevaluationOut)
async def post_revaluation(body: RevaluationCreate, services: ServicesDep, principal: PrincipalDep) -> Any:
    """Revalue the open foreign-currency invoices at the month-end's rates: ledger postings of kind
    ``revalue`` on each customer and its pooled groups, audited, logged as job ``revalue``. A second
    run of the same month-end changes nothing."""
    from creditdesk.service.jobs import worker_name
    from creditdesk.service.revaluation import run_revaluation

    def act() -> Any:
        return run_revaluation(
            services.job_store(),
            body.as_of,
            principal.name,
            principal.role,
            services.read_uow,
            services.uow,
            services.clock,
            worker_name(),
        )

    return declared(revaluation_json(await run_in_threadpool(act)))
