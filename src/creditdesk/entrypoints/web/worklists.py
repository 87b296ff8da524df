"""The credit desk's worklists: held orders to release or reject, limit requests to decide.

Every action is a form with the session's CSRF token and a comment; the role is checked here
(a 403 page) and again by the service, which also applies the authority limits and four eyes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.domain.limit_requests import RequestStatus
from creditdesk.domain.roles import Permission, may
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.presenters import held_order_summary
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import Principal
from creditdesk.service.errors import ServiceError
from creditdesk.service.held_orders import ResolveOrder, resolve_order
from creditdesk.service.limits import CompleteReview, DecideRequest, complete_review, decide_request

_ORDERS = "/worklists/orders"
_REQUESTS = "/worklists/limit-requests"
_REVIEWS = "/worklists/reviews"

router = APIRouter(include_in_schema=False)

ReleasesOrders = Annotated[Principal, form_permitted(Permission.RELEASE_ORDERS, _ORDERS)]
DecidesRequests = Annotated[Principal, form_permitted(Permission.SET_LIMIT, _REQUESTS)]
CompletesReviews = Annotated[Principal, form_permitted(Permission.SET_LIMIT, _REVIEWS)]


@router.get(_ORDERS, response_class=HTMLResponse)
async def held_orders(request: Request, user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    def load() -> list[dict[str, Any]]:
        with services.read_uow() as uow:
            return [held_order_summary(order) for order in uow.orders.blocked_orders(limit=500)]

    rows = await run_in_threadpool(load)
    can = may(user.role, Permission.RELEASE_ORDERS)
    return ui.render(request, "orders.html", rows=rows, can_resolve=can)


@router.post(_ORDERS + "/{order_id}/{action}")
async def resolve(
    request: Request,
    user: ReleasesOrders,
    services: ServicesDep,
    ui: UiDep,
    order_id: str,
    action: str,
    comment: str = Form(""),
) -> Response:
    if action not in ("release", "reject"):
        return ui.not_found(request)
    release = action == "release"
    cmd = ResolveOrder(order_id, user.name, user.role, comment, release=release)
    try:
        result = await run_in_threadpool(resolve_order, cmd, services.uow(), services.clock)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=order_id, detail=error.detail)
    else:
        Ui.flash(request, f"order_{result.order.status.value}", id=order_id)
    return RedirectResponse(_ORDERS, status_code=303)


@router.get(_REQUESTS, response_class=HTMLResponse)
async def limit_requests(request: Request, user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    def load() -> list[Any]:
        with services.read_uow() as uow:
            return uow.management.requests(status=RequestStatus.PENDING)

    found = await run_in_threadpool(load)
    rows = [
        {
            **r.as_json(),
            # Four eyes: the requester sees the request but may not decide it.
            "decidable": may(user.role, Permission.SET_LIMIT)
            and user.role.at_least(r.required_role)
            and r.requested_by != user.name,
        }
        for r in found
    ]
    return ui.render(request, "limit_requests.html", rows=rows)


@router.post(_REQUESTS + "/{request_id}/{action}")
async def decide(
    request: Request,
    user: DecidesRequests,
    services: ServicesDep,
    ui: UiDep,
    request_id: str,
    action: str,
    comment: str = Form(""),
) -> Response:
    if action not in ("approve", "reject"):
        return ui.not_found(request)
    approve = action == "approve"
    cmd = DecideRequest(request_id, approve, user.name, user.role, comment or None)
    try:
        decided = await run_in_threadpool(decide_request, cmd, services.uow(), services.clock)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=request_id, detail=error.detail)
    else:
        Ui.flash(request, f"request_{decided.status.value}", id=request_id)
    return RedirectResponse(_REQUESTS, status_code=303)


@router.get(_REVIEWS, response_class=HTMLResponse)
async def reviews(request: Request, user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    today = services.clock.today()

    def load() -> list[dict[str, Any]]:
        with services.read_uow() as uow:
            return uow.management.reviews_due(today)

    rows = await run_in_threadpool(load)
    can = may(user.role, Permission.SET_LIMIT)
    return ui.render(request, "reviews.html", rows=rows, can_review=can, today=today)


@router.post(_REVIEWS + "/{customer_id}")
async def review_done(
    request: Request, user: CompletesReviews, services: ServicesDep, customer_id: str, comment: str = Form("")
) -> Response:
    cmd = CompleteReview(customer_id, user.name, user.role, comment)
    try:
        await run_in_threadpool(complete_review, cmd, services.uow(), services.clock)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=customer_id, detail=error.detail)
    else:
        Ui.flash(request, "review_done", id=customer_id)
    return RedirectResponse(_REVIEWS, status_code=303)
