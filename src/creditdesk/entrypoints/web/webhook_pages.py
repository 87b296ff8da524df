"""Webhook subscriptions and their deliveries, managed by an admin (as `creditdesk webhook ...`).

The page lists the subscriptions, a form to add one (its secret shown in that answer only: a
flash would keep it in the session cookie), and the failed deliveries with their last error and
a button to send each again. Every action is a form with the session's CSRF token; the role is
checked here (a 403 page) and again by the service.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import UiDep, form_permitted, permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import Principal
from creditdesk.service.errors import ServiceError
from creditdesk.service.event_types import ALIASES, EVENT_TYPES
from creditdesk.service.publishing import FAILED
from creditdesk.service.webhooks import (
    Acting,
    add_subscription,
    disable_subscription,
    list_deliveries,
    list_subscriptions,
    redeliver,
)

_PAGE = "/admin/webhooks"

router = APIRouter(include_in_schema=False)

Manages = Annotated[Principal, permitted(Permission.MANAGE_WEBHOOKS)]
ManagesForm = Annotated[Principal, form_permitted(Permission.MANAGE_WEBHOOKS, _PAGE)]


def _acting(principal: Principal) -> Acting:
    return Acting(principal.name, principal.role)


async def _page(
    request: Request, services: Services, ui: Ui, who: Principal, status: int = 200, **context: Any
) -> HTMLResponse:
    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        acting = _acting(who)
        subscriptions = [s.as_json() for s in list_subscriptions(acting, services.webhook_uow())]
        failed = [d.as_json() for d in list_deliveries(acting, services.webhook_uow(), status=FAILED, limit=200)]
        return subscriptions, failed

    subscriptions, failed = await run_in_threadpool(load)
    names = [*EVENT_TYPES, *ALIASES]
    return ui.render(
        request,
        "webhooks.html",
        status=status,
        subscriptions=subscriptions,
        failed=failed,
        event_names=names,
        **context,
    )


@router.get(_PAGE, response_class=HTMLResponse)
async def webhooks_page(request: Request, who: Manages, services: ServicesDep, ui: UiDep) -> Response:
    return await _page(request, services, ui, who)


@router.post(_PAGE)
async def add_webhook(
    request: Request,
    who: ManagesForm,
    services: ServicesDep,
    ui: UiDep,
    url: str = Form(""),
    events: str = Form("*"),
    secret: str = Form(""),
) -> Response:
    try:
        added = await run_in_threadpool(
            add_subscription, _acting(who), url, events, secret or None, services.webhook_uow(), services.clock
        )
    except ServiceError as error:
        return await _page(request, services, ui, who, status=error.status, error_detail=error.detail)
    # The secret in this answer only: it is never stored in the session or listed again.
    shown = added.secret if added.generated else None
    return await _page(request, services, ui, who, added=added.subscription.as_json(), new_secret=shown)


@router.post(_PAGE + "/{subscription_id}/disable")
async def disable_webhook(request: Request, who: ManagesForm, services: ServicesDep, subscription_id: int) -> Response:
    try:
        await run_in_threadpool(
            disable_subscription, _acting(who), subscription_id, services.webhook_uow(), services.clock
        )
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=f"#{subscription_id}", detail=error.detail)
    else:
        Ui.flash(request, "webhook_disabled", id=str(subscription_id))
    return RedirectResponse(_PAGE, status_code=303)


@router.post(_PAGE + "/deliveries/{delivery_id}/redeliver")
async def redeliver_webhook(request: Request, who: ManagesForm, services: ServicesDep, delivery_id: int) -> Response:
    try:
        await run_in_threadpool(redeliver, _acting(who), delivery_id, services.webhook_uow(), services.clock)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=f"#{delivery_id}", detail=error.detail)
    else:
        Ui.flash(request, "webhook_redelivered", id=str(delivery_id))
    return RedirectResponse(_PAGE, status_code=303)
