"""The credit desk's worklists: held orders to release or reject, limit requests to decide.

Every action is a form with the session's CSRF token and a comment; the role is checked here
(a 403 page) and again by the service, which also applies the authority limits and four eyes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.adapters.db.worklist_context import CustomerContext, customer_context
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.limit_requests import RequestStatus
from creditdesk.domain.orders import HELD
from creditdesk.domain.roles import Permission, may
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.presenters import held_order_summary
from creditdesk.entrypoints.web import i18n, listing
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import Principal
from creditdesk.service.errors import ServiceError
from creditdesk.service.held_orders import ResolveOrder, resolve_order
from creditdesk.service.limits import (
    CompleteReview,
    DecideRequest,
    complete_review,
    decide_request,
    recommended_limits,
    request_context,
)

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


Row = dict[str, Any]


def _context(row: Row) -> CustomerContext | None:
    found: CustomerContext | None = row["ctx"]
    return found


def _of(read: Callable[[CustomerContext], Any]) -> Callable[[Row], Any]:
    return lambda row: read(c) if (c := _context(row)) is not None else None


def _context_spec(
    rows: list[Row],
    sorts: dict[str, Callable[[Row], Any]],
    default: str,
    filters: dict[str, tuple[list[str], Callable[[Row], Any]]] | None = None,
    texts: Callable[[Row], list[str]] = lambda _: [],
) -> listing.Spec[Row]:
    """A worklist's listing: its own sort keys, filters and searched texts, and those of the
    customer context each row carries (``ctx``, a :class:`CustomerContext`, or None)."""
    known = [c for r in rows if (c := _context(r)) is not None]
    segments = sorted({c.segment for c in known})
    grades = sorted({str(c.grade) for c in known if c.grade is not None}, key=int)
    return listing.Spec(
        sorts={
            **sorts,
            "name": _of(lambda c: c.name.casefold()),
            "grade": _of(lambda c: c.grade),
            "limit": _of(lambda c: c.limit.amount),
            "exposure": _of(lambda c: c.exposure.amount),
            "available": _of(lambda c: c.available.amount),
            "oldest": _of(lambda c: c.oldest_overdue_days),
        },
        default_sort=default,
        filters={
            "segment": (segments, _of(lambda c: c.segment)),
            "grade": (grades, _of(lambda c: c.grade)),
            "account": ([s.value for s in AccountStatus], _of(lambda c: c.status)),
            **(filters or {}),
        },
        search=lambda row: [row["customer_id"], *[c.name for c in [_context(row)] if c is not None], *texts(row)],
    )


def context_selects(spec: listing.Spec[Row], lang: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The filter form's selects of a list with customer context: segment, grade, account status."""
    segments, grades, statuses = (spec.filters[name][0] for name in ("segment", "grade", "account"))
    return [
        ("segment", i18n.translate("segment", lang), [(s, i18n.label("segment", s, lang)) for s in segments]),
        ("grade", i18n.translate("grade", lang), [(g, g) for g in grades]),
        (
            "account",
            i18n.translate("list_account_status", lang),
            [(s, i18n.translate(f"status_{s}", lang)) for s in statuses],
        ),
    ]


def _refusal(order: dict[str, Any], user: Principal) -> str | None:
    """Why this user may not release or reject this order (the service refuses it too), as a
    catalogue key; None: they may try (the service still applies the authority limits)."""
    if order["submitted_by"] == user.name:
        return "held_you_submitted"
    if order["status"] == "release_pending" and order["release_requested_by"] == user.name:
        return "held_you_asked"
    return None


@router.get(_ORDERS, response_class=HTMLResponse)
async def held_orders(request: Request, user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    today = services.clock.today()

    def load() -> list[dict[str, Any]]:
        with services.read_uow() as uow:
            # The second approver reads why the first asked for the release.
            rows = [
                {**held_order_summary(order), "release_comment": (order.resolution or {}).get("comment")}
                for order in uow.orders.blocked_orders(limit=500)
            ]
        with services.engine.connect() as conn:
            context = customer_context(conn.execution_options(readonly=True), [r["customer_id"] for r in rows], today)
        return [{**r, "ctx": context.get(r["customer_id"])} for r in rows]

    rows = await run_in_threadpool(load)
    statuses = sorted(s.value for s in HELD)
    spec = _context_spec(
        rows,
        {"date": lambda r: (r["order_date"], r["order_id"]), "amount": lambda r: Decimal(str(r["amount"]))},
        "date",
        filters={"status": (statuses, lambda r: r["status"])},
        texts=lambda r: [r["order_id"]],
    )
    window = listing.read(request.query_params, _ORDERS, spec).apply(spec, rows)
    can = may(user.role, Permission.RELEASE_ORDERS)
    refusals = {r["order_id"]: _refusal(r, user) for r in window.rows} if can else {}
    lang = Ui.language(request)
    shown = [(s, i18n.translate(f"order_status_{s}", lang)) for s in statuses]
    selects = [("status", i18n.translate("status", lang), shown), *context_selects(spec, lang)]
    return ui.render(request, "orders.html", window=window, can_resolve=can, refusals=refusals, selects=selects)


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


def _request_refusal(r: Any, user: Principal) -> str | None:
    """Why this user may not decide this request (the service refuses it too), as a catalogue
    key; None: they may (the service still applies the authority matrix)."""
    if r.requested_by == user.name:
        return "act_four_eyes_own_request"
    if not may(user.role, Permission.SET_LIMIT):
        return "act_role_cannot_decide"
    if not user.role.at_least(r.required_role):
        return "act_needs_higher_role"
    return None


@router.get(_REQUESTS, response_class=HTMLResponse)
async def limit_requests(request: Request, user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    """The pending requests, each beside the customer (name, segment, grade, exposure), its limit
    now, the policy's recommendation, the change in % and the warnings that make a comment
    necessary to approve it (the service enforces that)."""
    today = services.clock.today()

    def load() -> list[Row]:
        with services.read_uow() as uow:
            found = uow.management.requests(status=RequestStatus.PENDING)
        with services.engine.connect() as conn:
            context = customer_context(conn.execution_options(readonly=True), [r.customer_id for r in found], today)
        return [{**r.as_json(), "request": r, "ctx": context.get(r.customer_id)} for r in found]

    def change(row: Row) -> Any:
        c = _context(row)
        return None if c is None or not c.limit.amount else Decimal(row["amount"]) / c.limit.amount

    rows = await run_in_threadpool(load)
    spec = _context_spec(
        rows,
        {
            "date": lambda r: (r["requested_on"], r["request_id"]),
            "amount": lambda r: Decimal(r["amount"]),
            "change": change,
        },
        "date",
        filters={"role": (sorted({r["required_role"] for r in rows}), lambda r: r["required_role"])},
        texts=lambda r: [r["request_id"], r["requested_by"], r["reason"], r.get("reason_zh") or ""],
    )
    window = listing.read(request.query_params, _REQUESTS, spec).apply(spec, rows)

    def contexts() -> dict[str, Any]:
        """The page's requests beside the recommendation (read for this page's customers only)."""
        shown = [r["request"] for r in window.rows]
        ids = {r.customer_id for r in shown if r.company_code is None}
        recommended = recommended_limits(services.limit_inputs(), ids, today) if ids else {}
        with services.read_uow() as uow:
            return {r.request_id: request_context(uow, r, recommended.get(r.customer_id), today) for r in shown}

    found = await run_in_threadpool(contexts)
    refusals = {r["request_id"]: _request_refusal(r["request"], user) for r in window.rows}
    lang = ui.language(request)
    roles = [(v, i18n.label("role", v, lang)) for v in spec.filters["role"][0]]
    selects = [*context_selects(spec, lang), ("role", i18n.translate("required_role", lang), roles)]
    return ui.render(request, "limit_requests.html", window=window, contexts=found, refusals=refusals, selects=selects)


@router.post(_REQUESTS + "/{request_id}/{action}")
async def decide(
    request: Request,
    user: DecidesRequests,
    services: ServicesDep,
    ui: UiDep,
    request_id: str,
    action: str,
    comment: str = Form(""),
    back: str = Form(""),
) -> Response:
    """Approve or reject; the service applies four eyes, the authority matrix and the comment a
    warned approval needs. ``back``: a page of this site to return to (default the worklist)."""
    if action not in ("approve", "reject"):
        return ui.not_found(request)
    approve = action == "approve"
    cmd = DecideRequest(request_id, approve, user.name, user.role, comment.strip() or None)
    return await _act(
        request,
        lambda: decide_request(cmd, services.uow(), services.clock, services.limit_inputs()),
        lambda decided: f"request_{decided.status.value}",
        request_id,
        back if back.startswith("/") and not back.startswith("//") else _REQUESTS,
    )


@router.get(_REVIEWS, response_class=HTMLResponse)
async def reviews(request: Request, user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    today = services.clock.today()

    def load() -> list[dict[str, Any]]:
        with services.read_uow() as uow:
            rows = uow.management.reviews_due(today)
        with services.engine.connect() as conn:
            context = customer_context(conn.execution_options(readonly=True), [r["customer_id"] for r in rows], today)
        return [{**r, "ctx": context.get(r["customer_id"])} for r in rows]

    rows = await run_in_threadpool(load)
    spec = _context_spec(rows, {"due": lambda r: (r["next_review_on"], r["customer_id"])}, "due")
    window = listing.read(request.query_params, _REVIEWS, spec).apply(spec, rows)
    can = may(user.role, Permission.SET_LIMIT)
    selects = context_selects(spec, Ui.language(request))
    return ui.render(request, "reviews.html", window=window, can_review=can, today=today, selects=selects)


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
