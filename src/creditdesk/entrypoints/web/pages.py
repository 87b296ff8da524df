"""Server-rendered pages: sign-in, portfolio, customer. Sessions are signed cookies."""

from __future__ import annotations

import re
import secrets
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.adapters.db import customer_views, queries
from creditdesk.adapters.db.segment_store import SqlSegments
from creditdesk.adapters.importing.fields import ID_PATTERN
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.company_codes import valid_code
from creditdesk.domain.customers import Segment
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.portfolio_views import dashboard_views
from creditdesk.entrypoints.reporting import portfolio_in_reporting, utilisation
from creditdesk.entrypoints.web import charts, i18n, listing
from creditdesk.entrypoints.web import sections as customer_sections
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, ViewsDep
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import (
    authenticate_user,
    end_sessions,
    login_wait,
    record_login,
    set_language,
    throttle_keys,
)
from creditdesk.service.errors import NotFound
from creditdesk.service.limit_recommendation import recommend_limits
from creditdesk.service.scores import customer_score
from creditdesk.service.snapshots import FIGURES_MAX_AGE

PAGE_SIZE = 50
MAX_SEARCH = 200  # characters of the customer search; longer is cut, with a message
MAX_PAGE = 100_000  # 5 million customers at PAGE_SIZE a page
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_CUSTOMER_ID = re.compile(ID_PATTERN)

router = APIRouter(include_in_schema=False)


def _search_text(q: str) -> tuple[str, bool]:
    """The search as the query takes it, and whether it was cut to MAX_SEARCH characters."""
    text = _CONTROL_CHARACTERS.sub("", q).strip()
    return text[:MAX_SEARCH], len(text) > MAX_SEARCH


def _page_number(page: int) -> int:
    return min(max(1, page), MAX_PAGE)


def _unsorted(_row: Any) -> None:
    return None  # the database sorts the customer list


CUSTOMER_LIST: listing.Spec[Any] = listing.Spec(
    sorts={key: _unsorted for key in ("exposure", "limit", "available", "name", "id")},
    default_sort="exposure",
    default_descending=True,
    filters={
        "segment": ([s.value for s in Segment], _unsorted),
        "grade": ([str(g) for g in range(1, 11)], _unsorted),
        "status": ([s.value for s in AccountStatus], _unsorted),
    },
    search=lambda _row: [],
    size=PAGE_SIZE,
)


def _customer_selects(lang: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (
            "segment",
            i18n.translate("segment", lang),
            [(s.value, i18n.label("segment", s.value, lang)) for s in Segment],
        ),
        ("grade", i18n.translate("grade", lang), [(str(g), str(g)) for g in range(1, 11)]),
        (
            "status",
            i18n.translate("status", lang),
            [(s.value, i18n.translate(f"status_{s.value}", lang)) for s in AccountStatus],
        ),
    ]


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after sign-in.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, ui: UiDep, next: str = "/") -> HTMLResponse:
    return ui.render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
async def login(
    request: Request,
    services: ServicesDep,
    ui: UiDep,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=1024),
    csrf: str = Form("", max_length=200),
    next: str = Form("/", max_length=2000),
) -> Response:
    if not Ui.csrf_ok(request, csrf):  # log-in CSRF: the form must come from this session
        return ui.render(request, "login.html", status=400, next=_safe_next(next), error="bad_form")
    keys = throttle_keys(username, request.client.host if request.client else None)
    wait = await run_in_threadpool(login_wait, keys, services.read_uow(), services.clock)
    if wait:
        response = ui.render(request, "login.html", status=429, next=_safe_next(next), error="too_many_logins")
        response.headers["Retry-After"] = str(wait)
        return response
    principal = await run_in_threadpool(authenticate_user, username, password, services.read_uow(), services.hasher)
    await run_in_threadpool(record_login, keys, principal is not None, services.uow(), services.clock)
    if principal is None:
        return ui.render(request, "login.html", status=401, next=_safe_next(next), error="bad_login")
    request.session.clear()
    request.session.update(
        user=principal.name,
        sv=principal.session_version,
        role=principal.role.value,
        lang=principal.language,
        csrf=secrets.token_urlsafe(24),
    )
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request, services: ServicesDep, csrf: str = Form("")) -> Response:
    if Ui.csrf_ok(request, csrf):
        user = request.session.get("user")
        if user:  # every copy of this session's cookie stops working, not just this one
            await run_in_threadpool(end_sessions, user, services.uow())
        request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
async def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """This session's language (a link: it changes nothing stored)."""
    if code in i18n.LANGUAGES:
        request.session["lang"] = code
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/lang/{code}")
async def keep_language(
    request: Request, services: ServicesDep, ui: UiDep, code: str, csrf: str = Form(""), next: str = Form("/")
) -> Response:
    """The language, remembered for the user's next sign-in too (a form, with its CSRF token).
    Signed out, it is this session's alone: no sign-in needed, so not the SignedIn dependency."""
    if code in i18n.LANGUAGES:
        request.session["lang"] = code
        principal = ui.principal(request)
        if principal is not None and Ui.csrf_ok(request, csrf):
            await run_in_threadpool(set_language, principal.name, code, services.uow())
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    _user: SignedIn,
    services: ServicesDep,
    ui: UiDep,
    views: ViewsDep,
    q: str = "",
    page: int = 1,
    alert: str = "",
    company_code: str = "",
) -> Response:
    page = _page_number(page)
    code = company_code if valid_code(company_code) else None
    search, shortened = _search_text(q)
    if shortened:
        Ui.flash(request, "search_shortened", "error", limit=str(MAX_SEARCH))
    as_of = services.clock.today()
    chosen = alert if alert in queries.alert_conditions(as_of) else None
    lang = ui.language(request)
    buckets = [b[0] for b in queries.AGEING_BUCKETS]
    # Sorting and the segment, grade and status filters of the customer list (web/listing.py).
    shown = listing.read(request.query_params, "/", CUSTOMER_LIST, {"alert": chosen or "", "company_code": code or ""})
    chosen_filters = dict(shown.filters)
    grade = chosen_filters.get("grade")

    def load() -> dict[str, Any]:
        figures, figures_reading = views.figures(as_of, code)
        totals = figures.totals if figures else []
        with services.engine.connect() as conn:
            conn = conn.execution_options(readonly=True)
            count, rows = queries.customer_page(
                conn,
                as_of,
                search=search,
                alert=chosen,
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
                company_code=code,
                sort=shown.sort,
                descending=shown.descending,
                segment=chosen_filters.get("segment"),
                status=chosen_filters.get("status"),
                grade=int(grade) if grade else None,
            )
            company_codes = SqlSegments(conn).company_codes()
            standings = customer_views.standings(conn, [r.customer.customer_id for r in rows], as_of)
        panels = {view.name: views.read(view) for view in dashboard_views(as_of)}
        board = figures.board if figures else None
        migration = figures.migration if figures else None
        main = board.currency if board else None
        reporting = portfolio_in_reporting(services, totals, as_of) if totals else None
        return {
            "totals": totals,
            "company_codes": company_codes,
            "reporting": reporting,  # the totals in the reporting currency (docs/currencies.md)
            "reporting_utilisation": utilisation(reporting) if reporting else None,
            "count": count,
            "rows": rows,
            "standings": standings,
            "board": board,
            "migration": migration,
            "panels": panels,
            "figures_reading": figures_reading,  # a snapshot's, on a book too large to add up now
            "figures_max_minutes": int(FIGURES_MAX_AGE.total_seconds() // 60),
            **charts.dashboard(panels, totals, buckets, board, migration, main, lang),  # figures and charts
        }

    data = await run_in_threadpool(load)
    return ui.render(
        request,
        "home.html",
        q=search,
        alert=chosen or "",
        company_code=code or "",
        page=page,
        page_size=PAGE_SIZE,
        listing=shown,
        customer_selects=_customer_selects(lang),
        as_of=as_of,
        buckets=[b[0] for b in queries.AGEING_BUCKETS],
        **data,
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
async def customer(request: Request, _user: SignedIn, services: ServicesDep, ui: UiDep, customer_id: str) -> Response:
    if not _CUSTOMER_ID.match(customer_id):  # no such id can exist (nor reach the database)
        return ui.not_found(request)
    as_of = services.clock.today()
    lang = ui.language(request)

    def load() -> dict[str, Any] | None:
        with services.engine.connect() as conn:
            conn = conn.execution_options(readonly=True)
            found = queries.customer_account(conn, customer_id, as_of)
            if found is None:
                return None
            items = queries.open_items(conn, customer_id, as_of)
            orders = queries.recent_orders(conn, customer_id)
            pool = customer_views.group_pool(conn, found[0].group_id)
            behaviour = customer_views.payment_behaviour(conn, customer_id, found[1].currency, as_of)
            events = customer_views.timeline(conn, customer_id)
            standing = customer_views.standings(conn, [customer_id], as_of)[customer_id]
            sections = customer_sections.load(conn, customer_id, as_of)
        with services.read_uow() as uow:
            history = uow.limits.for_customer(customer_id)
        try:
            score: dict[str, Any] | None = customer_score(services.scoring_store(), customer_id)
        except NotFound:
            score = None  # not scored yet
        _, recommended = recommend_limits(services.limit_inputs(), as_of, None, customer_id)
        ageing: dict[str, Any] = {}
        for item in items:
            ageing[item.bucket] = ageing[item.bucket] + item.open_amount if item.bucket in ageing else item.open_amount
        return {
            "customer": found[0],
            "account": found[1],
            "items": items,
            "history": history,
            "ageing": ageing,
            "orders": orders,
            "pool": pool,
            "behaviour": behaviour,
            "events": events,
            "standing_of": standing,
            "score": score,
            "recommendation": recommended[0].as_json() if recommended else None,
            "customer_charts": charts.customer(
                behaviour,
                found[1].currency,
                score,
                recommended[0] if recommended else None,
                found[1].limit.amount,
                lang,
            ),
            **sections,
        }

    data = await run_in_threadpool(load)
    if data is None:
        return ui.not_found(request)
    return ui.render(request, "customer.html", as_of=as_of, buckets=[b[0] for b in queries.AGEING_BUCKETS], **data)
