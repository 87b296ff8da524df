"""The customer page's actions: request or set a limit (with its warnings and a confirmation), a
temporary limit, hold, block or release, a review, a promise to pay, a rescore.

Each form carries the session's CSRF token; the route checks the role (a 403 page), turns the
form into the service's command and flashes what the service did or why it refused. The
service applies the authority matrix, four eyes and the comments a reviewer needs, as for the
API. A dispute and a note have their forms in their own sections of the page. A rescore scores
this customer now with the champion (the worker re-scores the whole book on its schedule).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.collections import Promise
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web import i18n
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.accounts import SetStanding, set_standing
from creditdesk.service.auth import Principal
from creditdesk.service.collections import record_promise
from creditdesk.service.errors import InvalidInput, NotFound, ServiceError
from creditdesk.service.limits import (
    CompleteReview,
    LimitOutcome,
    SetCreditLimit,
    complete_review,
    preview_limit,
    set_credit_limit,
)

router = APIRouter(include_in_schema=False)

T = TypeVar("T")

_STATUS = {"hold": AccountStatus.ON_HOLD, "block": AccountStatus.BLOCKED, "release": AccountStatus.ACTIVE}


def _page(customer_id: str) -> str:
    return f"/customers/{customer_id}"


def permits(role: str | None, permission: str) -> bool:
    """For the templates: whether the session's role may (the service decides again)."""
    try:
        return role is not None and may(Role(role), Permission(permission))
    except ValueError:
        return False


def _form(permission: Permission) -> Any:
    """CSRF then role, going back to the customer page of the path when the form has expired."""
    return form_permitted(permission, "/")


SetsLimits = Annotated[Principal, _form(Permission.REQUEST_LIMIT)]
SetsStanding = Annotated[Principal, _form(Permission.SET_STANDING)]
Reviews = Annotated[Principal, _form(Permission.SET_LIMIT)]
WritesDocuments = Annotated[Principal, _form(Permission.WRITE_DOCUMENTS)]


async def _act(
    request: Request, customer_id: str, act: Callable[[], T], done: Callable[[T], tuple[str, dict[str, str]]]
) -> Response:
    """Run the action; flash what it did (or why the service refused it); back to the customer."""
    try:
        result = await run_in_threadpool(act)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=customer_id, detail=error.detail)
    else:
        key, values = done(result)
        Ui.flash(request, key, id=customer_id, **values)
    return RedirectResponse(_page(customer_id) + "#actions", status_code=303)


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace(" ", "").strip())
    except InvalidOperation:
        raise InvalidInput(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise InvalidInput(f"not an amount: {text!r}")
    return value


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"not a date (YYYY-MM-DD): {text!r}") from None


def _limit_command(
    services: Any, user: Principal, customer_id: str, amount: str, expires_on: str, reason: str, ask: bool = False
) -> SetCreditLimit:
    with services.read_uow() as uow:
        account = uow.management.account(customer_id)
    if account is None:
        raise NotFound(f"customer {customer_id!r} does not exist")
    value = _amount(amount).quantize(Decimal("0.01"))
    money = Money(value, account.currency)
    return SetCreditLimit(customer_id, money, reason, user.name, user.role, _day(expires_on), always_request=ask)


@router.get("/customers/{customer_id}/limit-preview", response_class=HTMLResponse)
async def limit_preview(
    request: Request,
    user: SignedIn,
    services: ServicesDep,
    ui: UiDep,
    customer_id: str,
    amount: str = "",
    expires_on: str = "",
    reason: str = "",
    ask: str = "",
) -> Response:
    """The confirmation step: what the change would do (apply now, or a request for whom), the
    change in %, the warnings, and the reason the confirmation needs."""
    if not may(user.role, Permission.REQUEST_LIMIT):
        return ui.forbidden(request)

    def load() -> dict[str, Any]:
        cmd = _limit_command(services, user, customer_id, amount, expires_on, reason, bool(ask))
        preview = preview_limit(cmd, services.read_uow(), services.clock, services.limit_inputs())
        with services.read_uow() as uow:
            customer = uow.customers.get(customer_id)
        return {"preview": preview, "cmd": cmd, "customer": customer}

    try:
        data = await run_in_threadpool(load)
    except NotFound:
        return ui.not_found(request)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=customer_id, detail=error.detail)
        return RedirectResponse(_page(customer_id) + "#actions", status_code=303)
    return ui.render(request, "limit_preview.html", reason=reason, **data)


@router.post("/customers/{customer_id}/limit")
async def set_limit(
    request: Request,
    user: SetsLimits,
    services: ServicesDep,
    customer_id: str,
    amount: str = Form(""),
    expires_on: str = Form(""),
    reason: str = Form(""),
    ask: str = Form(""),
) -> Response:
    def act() -> LimitOutcome:
        cmd = _limit_command(services, user, customer_id, amount, expires_on, reason, bool(ask))
        return set_credit_limit(cmd, services.uow(), services.clock, services.limit_inputs())

    lang = Ui.language(request)

    def done(outcome: LimitOutcome) -> tuple[str, dict[str, str]]:
        if outcome.applied:
            return "act_limit_applied", {}
        assert outcome.request is not None
        return "act_limit_requested", {
            "req": outcome.request.request_id,
            "role": i18n.label("role", outcome.request.required_role.value, lang),
        }

    return await _act(request, customer_id, act, done)


@router.post("/customers/{customer_id}/standing/{action}")
async def standing(
    request: Request,
    user: SetsStanding,
    services: ServicesDep,
    ui: UiDep,
    customer_id: str,
    action: str,
    reason: str = Form(""),
) -> Response:
    status = _STATUS.get(action)
    if status is None:
        return ui.not_found(request)
    cmd = SetStanding(customer_id, user.name, user.role, reason, status=status)
    return await _act(
        request,
        customer_id,
        lambda: set_standing(cmd, services.uow(), services.clock),
        lambda _: (f"act_standing_{action}", {}),
    )


@router.post("/customers/{customer_id}/rescore")
async def rescore(request: Request, user: Reviews, services: ServicesDep, customer_id: str) -> Response:
    def act() -> dict[str, Any]:
        from creditdesk.service.scoring import rescore_customer  # the models load with this action only

        today = services.clock.today()
        store = services.scoring_store()
        return rescore_customer(
            store, services.uow(), customer_id, today, actor=user.name, role=user.role, clock=services.clock
        )

    def done(change: dict[str, Any]) -> tuple[str, dict[str, str]]:
        before = change["grade"]["from"]
        return "act_rescored", {"before": "—" if before is None else str(before), "after": str(change["grade"]["to"])}

    return await _act(request, customer_id, act, done)


@router.post("/customers/{customer_id}/review")
async def review(
    request: Request, user: Reviews, services: ServicesDep, customer_id: str, comment: str = Form("")
) -> Response:
    cmd = CompleteReview(customer_id, user.name, user.role, comment)
    return await _act(
        request,
        customer_id,
        lambda: complete_review(cmd, services.uow(), services.clock),
        lambda _: ("act_review_done", {}),
    )


@router.post("/customers/{customer_id}/promise")
async def promise(
    request: Request,
    user: WritesDocuments,
    services: ServicesDep,
    customer_id: str,
    amount: str = Form(""),
    promised_on: str = Form(""),
    note: str = Form(""),
) -> Response:
    def act() -> tuple[Promise, bool]:
        with services.read_uow() as uow:
            account = uow.management.account(customer_id)
        if account is None:
            raise NotFound(f"customer {customer_id!r} does not exist")
        day = _day(promised_on)
        if day is None:
            raise InvalidInput("a promise needs the day the cash is promised for")
        found = Promise(
            promise_id=f"P-{uuid.uuid4().hex[:12]}",
            customer_id=customer_id,
            amount=Money(_amount(amount).quantize(Decimal("0.01")), account.currency),
            promised_on=day,
            made_on=services.clock.today(),
            note=note.strip()[:1000],
            recorded_by=user.name,
        )
        return record_promise(services.uow(), services.clock, found, user.role)

    return await _act(
        request, customer_id, act, lambda result: ("act_promise_recorded", {"promise": result[0].promise_id})
    )
