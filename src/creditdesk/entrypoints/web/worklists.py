"""The credit desk's worklists: held orders to release or reject, limit requests to decide.

Every action is a form with the session's CSRF token and a comment; the role is checked here
(a 403 page) and again by the service, which also applies the authority limits and four eyes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

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

T = TypeVar("T")

ReleasesOrders = Annotated[Principal, form_permitted(Permission.RELEASE_ORDERS, _ORDERS)]
DecidesRequests = Annotated[Principal, form_permitted(Permission.SET_LIMIT, _REQUESTS)]
CompletesReviews = Annotated[Principal, form_permitted(Permission.SET_LIMIT, _REVIEWS)]


async def _act(request: Request, act: Callable[[], T], done: Callable[[T], str], subject: str, back: str) -> Response:
    """Run a worklist action; flash what it did (or why the service refused it) and go back."""
    try:
        result = await run_in_threadpool(act)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=subject, detail=error.detail)
    else:
        Ui.flash(request, done(result), id=subject)
    return RedirectResponse(back, status_code=303)


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
    return await _act(
        request,
        lambda: resolve_order(cmd, services.uow(), services.clock),
        lambda result: f"order_{result.order.status.value}",
        order_id,
        _ORDERS,
    )


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
    return await _act(
        request,
        lambda: decide_request(cmd, services.uow(), services.clock),
        lambda decided: f"request_{decided.status.value}",
        request_id,
        _REQUESTS,
    )


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
    return await _act(
        request,
        lambda: complete_review(cmd, services.uow(), services.clock),
        lambda _: "review_done",
        customer_id,
        _REVIEWS,
    )
