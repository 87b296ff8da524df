"""The credit desk's worklists: held orders to release or reject, limit requests to decide.

Every action is a form with the session's CSRF token and a comment; the role is checked here
(a 403 page) and again by the service, which also applies the authority limits and four eyes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.bootstrap import Services
from creditdesk.domain.limit_requests import RequestStatus
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service import credit
from creditdesk.service.errors import ServiceError
from creditdesk.service.limits import CompleteReview, DecideRequest, complete_review, decide_request

_ORDERS = "/worklists/orders"
_REQUESTS = "/worklists/limit-requests"
_REVIEWS = "/worklists/reviews"


def install(app: FastAPI, services: Services, ui: Ui) -> None:
    @app.get(_ORDERS, response_class=HTMLResponse, include_in_schema=False)
    async def held_orders(request: Request) -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)

        def load() -> list[dict[str, Any]]:
            with services.read_uow() as uow:
                return [credit.held_order_summary(order) for order in uow.credit.blocked_orders(limit=500)]

        rows = await run_in_threadpool(load)
        can = ui.allowed(request, Permission.RELEASE_ORDERS)
        return ui.render(request, "orders.html", rows=rows, can_resolve=can)

    @app.post(_ORDERS + "/{order_id}/{action}", include_in_schema=False)
    async def resolve(
        request: Request, order_id: str, action: str, comment: str = Form(""), csrf: str = Form("")
    ) -> Response:
        if (stop := ui.refuse(request, csrf, Permission.RELEASE_ORDERS, _ORDERS)) is not None:
            return stop
        if action not in ("release", "reject"):
            return ui.render(request, "not_found.html", status=404)
        release = action == "release"
        cmd = credit.ResolveOrder(order_id, request.session["user"], ui.role(request), comment, release=release)
        try:
            result = await run_in_threadpool(credit.resolve_order, cmd, services.uow(), services.clock)
        except ServiceError as error:
            ui.flash(request, "action_refused", "error", id=order_id, detail=error.detail)
        else:
            status = str(result.body.get("status", ""))
            ui.flash(request, f"order_{status}" if status else "done", id=order_id)
        return RedirectResponse(_ORDERS, status_code=303)

    @app.get(_REQUESTS, response_class=HTMLResponse, include_in_schema=False)
    async def limit_requests(request: Request) -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)

        def load() -> list[Any]:
            with services.read_uow() as uow:
                return uow.management.requests(status=RequestStatus.PENDING)

        found = await run_in_threadpool(load)
        role, user = ui.role(request), request.session["user"]
        rows = [
            {
                **r.as_json(),
                # Four eyes: the requester sees the request but may not decide it.
                "decidable": ui.allowed(request, Permission.SET_LIMIT)
                and role.at_least(r.required_role)
                and r.requested_by != user,
            }
            for r in found
        ]
        return ui.render(request, "limit_requests.html", rows=rows)

    @app.post(_REQUESTS + "/{request_id}/{action}", include_in_schema=False)
    async def decide(
        request: Request, request_id: str, action: str, comment: str = Form(""), csrf: str = Form("")
    ) -> Response:
        if (stop := ui.refuse(request, csrf, Permission.SET_LIMIT, _REQUESTS)) is not None:
            return stop
        if action not in ("approve", "reject"):
            return ui.render(request, "not_found.html", status=404)
        approve = action == "approve"
        cmd = DecideRequest(request_id, approve, request.session["user"], ui.role(request), comment or None)
        try:
            decided = await run_in_threadpool(decide_request, cmd, services.uow(), services.clock)
        except ServiceError as error:
            ui.flash(request, "action_refused", "error", id=request_id, detail=error.detail)
        else:
            ui.flash(request, f"request_{decided.status.value}", id=request_id)
        return RedirectResponse(_REQUESTS, status_code=303)

    @app.get(_REVIEWS, response_class=HTMLResponse, include_in_schema=False)
    async def reviews(request: Request) -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)
        today = services.clock.today()

        def load() -> list[dict[str, Any]]:
            with services.read_uow() as uow:
                return uow.management.reviews_due(today)

        rows = await run_in_threadpool(load)
        can = ui.allowed(request, Permission.SET_LIMIT)
        return ui.render(request, "reviews.html", rows=rows, can_review=can, today=today)

    @app.post(_REVIEWS + "/{customer_id}", include_in_schema=False)
    async def review_done(
        request: Request, customer_id: str, comment: str = Form(""), csrf: str = Form("")
    ) -> Response:
        if (stop := ui.refuse(request, csrf, Permission.SET_LIMIT, _REVIEWS)) is not None:
            return stop
        cmd = CompleteReview(customer_id, request.session["user"], ui.role(request), comment)
        try:
            await run_in_threadpool(complete_review, cmd, services.uow(), services.clock)
        except ServiceError as error:
            ui.flash(request, "action_refused", "error", id=customer_id, detail=error.detail)
        else:
            ui.flash(request, "review_done", id=customer_id)
        return RedirectResponse(_REVIEWS, status_code=303)
