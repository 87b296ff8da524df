"""The customer page's master-data forms: change the master data, deactivate, reactivate.

The same service as the API (``service/master_data.py``): permission, versions, group moves,
audit. Each form carries the session's CSRF token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from creditdesk.adapters.importing import fields as f
from creditdesk.adapters.importing.problems import FieldError
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service import master_data as md
from creditdesk.service.auth import Principal
from creditdesk.service.errors import ServiceError

router = APIRouter(include_in_schema=False)
WritesMasterData = Annotated[Principal, form_permitted(Permission.WRITE_DOCUMENTS, "/")]


def _back(customer_id: str) -> str:
    return f"/customers/{customer_id}#master-data"


async def _run(request: Request, customer_id: str, act: Any) -> Response:
    try:
        changed = await run_in_threadpool(act)
    except ServiceError as error:
        Ui.flash(request, "md_refused", "error", id=customer_id, detail=error.detail)
    else:
        if changed.version is None:
            Ui.flash(request, "md_nothing", id=customer_id)
        else:
            Ui.flash(request, "md_saved", id=customer_id, version=str(changed.version))
    return RedirectResponse(_back(customer_id), status_code=303)


@router.post("/customers/{customer_id}/master-data")
async def change_master_data(
    request: Request,
    user: WritesMasterData,
    services: ServicesDep,
    customer_id: str,
    name: Annotated[str, Form()] = "",
    segment: Annotated[str, Form()] = "",
    group_id: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    industry: Annotated[str, Form()] = "",
    payment_terms_days: Annotated[str, Form()] = "",
) -> Response:
    """Only what the form sends changes; an empty group, country or industry clears it."""
    parsers = {
        "name": f.bounded_text(200),
        "segment": f.one_of(*md.segment_values()),
        "group_id": f.identifier,
        "country": f.country_code,
        "industry": f.bounded_text(64),
        "payment_terms_days": f.integer,
    }
    raw = {
        "name": name,
        "segment": segment,
        "group_id": group_id,
        "country": country,
        "industry": industry,
        "payment_terms_days": payment_terms_days,
    }
    values: dict[str, Any] = {}
    for field, text in raw.items():
        text = text.strip()
        if not text:
            if field in ("group_id", "country", "industry"):
                values[field] = None
            continue
        try:
            values[field] = parsers[field](text)
        except FieldError as error:
            Ui.flash(request, "md_refused", "error", id=customer_id, detail=f"{field}: {error.message}")
            return RedirectResponse(_back(customer_id), status_code=303)

    def act() -> md.Changed:
        md.check_values(values)
        cmd = md.ChangeCustomer(customer_id, values, user.name, user.role, "web")
        return md.change_customer(cmd, services.uow(), services.clock)

    return await _run(request, customer_id, act)


@router.post("/customers/{customer_id}/status/{action}")
async def change_status(
    request: Request, user: WritesMasterData, services: ServicesDep, customer_id: str, action: str
) -> Response:
    if action not in ("deactivate", "reactivate"):
        return RedirectResponse(_back(customer_id), status_code=303)
    cmd = md.SetStatus(customer_id, action == "reactivate", user.name, user.role, "web")
    return await _run(request, customer_id, lambda: md.set_status(cmd, services.uow(), services.clock))
