"""Server-rendered pages: sign-in, portfolio, customer. Sessions are signed cookies."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from creditdesk.adapters.db import customer_views, queries
from creditdesk.adapters.importing.fields import ID_PATTERN
from creditdesk.bootstrap import Services
from creditdesk.entrypoints.portfolio_views import PortfolioViews, dashboard_views
from creditdesk.entrypoints.web import admin_pages, charts, i18n, model_pages, policy_pages, report_pages, worklists
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import (
    authenticate_user,
    end_sessions,
    login_wait,
    record_login,
    session_principal,
    set_language,
    throttle_keys,
)
from creditdesk.service.errors import NotFound
from creditdesk.service.limit_recommendation import recommend_limits
from creditdesk.service.scoring import customer_score

_HERE = Path(__file__).parent
PAGE_SIZE = 50
MAX_SEARCH = 200  # characters of the customer search; longer is cut, with a message
MAX_PAGE = 100_000  # 5 million customers at PAGE_SIZE a page
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_CUSTOMER_ID = re.compile(ID_PATTERN)


def _search_text(q: str) -> tuple[str, bool]:
    """The search as the query takes it, and whether it was cut to MAX_SEARCH characters."""
    text = _CONTROL_CHARACTERS.sub("", q).strip()
    return text[:MAX_SEARCH], len(text) > MAX_SEARCH


def _page_number(page: int) -> int:
    return min(max(1, page), MAX_PAGE)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after sign-in.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def install(app: FastAPI, services: Services) -> None:
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    env = templates.env
    env.globals.update(
        languages=i18n.LANGUAGES,
        fmt_date=i18n.format_date,
        fmt_pct=i18n.format_percent,
        fmt_money=i18n.format_money,
        fmt_amount=i18n.format_amount,
        fmt_decimal=i18n.format_decimal,
        fmt_datetime=i18n.format_datetime,
        fmt_date_text=i18n.format_date_text,
        fmt_cell=i18n.format_cell,
        column_label=i18n.column_label,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=services.settings.session_secret(),
        session_cookie="creditdesk_session",
        same_site="lax",
        https_only=services.settings.cookie_secure,
        max_age=services.settings.session_hours * 3600,
    )
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    def language_of(request: Request) -> str:
        lang = request.session.get("lang") or "en"
        return lang if lang in i18n.LANGUAGES else "en"

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(24)
            request.session["csrf"] = token
        return str(token)

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = language_of(request)
        context.update(
            request=request,
            lang=lang,
            user=request.session.get("user"),
            role=request.session.get("role"),
            csrf=csrf_token(request),
            t=lambda key, **values: i18n.translate(key, lang, **values),
            other_lang="zh" if lang == "en" else "en",
            here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            flash=request.session.pop("flash", None),
        )
        if context["user"]:
            with services.engine.connect() as conn:
                context["counts"] = queries.worklist_counts(conn)
        return templates.TemplateResponse(request, template, context, status_code=status)

    def signed_in(request: Request) -> bool:
        """A live session of a person who may still sign in, their role as stored now (a
        log-out, a new password, role or status ends every older session at once)."""
        if getattr(request.state, "principal", None) is not None:
            return True
        user, version = request.session.get("user"), request.session.get("sv")
        if not user or not isinstance(version, int):
            return False
        principal = session_principal(user, version, services.read_uow())
        if principal is None:
            request.session.clear()
            return False
        request.state.principal = principal
        request.session["role"] = principal.role.value
        return True

    def to_login(request: Request) -> RedirectResponse:
        target = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    ui = Ui(render, signed_in, to_login)
    views = PortfolioViews(services)  # one per process: its background thread and ledger memo
    worklists.install(app, services, ui)
    policy_pages.install(app, services, ui)
    report_pages.install(app, views, ui)
    model_pages.install(app, views, ui)
    admin_pages.install(app, services, ui)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    async def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return render(request, "login.html", next=_safe_next(next), error=None)

    @app.post("/login", include_in_schema=False)
    async def login(
        request: Request,
        username: str = Form("", max_length=200),
        password: str = Form("", max_length=1024),
        csrf: str = Form("", max_length=200),
        next: str = Form("/", max_length=2000),
    ) -> Response:
        if not Ui.csrf_ok(request, csrf):  # log-in CSRF: the form must come from this session
            return render(request, "login.html", status=400, next=_safe_next(next), error="bad_form")
        keys = throttle_keys(username, request.client.host if request.client else None)
        wait = await run_in_threadpool(login_wait, keys, services.read_uow(), services.clock)
        if wait:
            response = render(request, "login.html", status=429, next=_safe_next(next), error="too_many_logins")
            response.headers["Retry-After"] = str(wait)
            return response
        principal = await run_in_threadpool(authenticate_user, username, password, services.read_uow(), services.hasher)
        await run_in_threadpool(record_login, keys, principal is not None, services.uow(), services.clock)
        if principal is None:
            return render(request, "login.html", status=401, next=_safe_next(next), error="bad_login")
        request.session.clear()
        request.session.update(
            user=principal.name,
            sv=principal.session_version,
            role=principal.role.value,
            lang=principal.language,
            csrf=secrets.token_urlsafe(24),
        )
        return RedirectResponse(_safe_next(next), status_code=303)

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        if Ui.csrf_ok(request, csrf):
            user = request.session.get("user")
            if user:  # every copy of this session's cookie stops working, not just this one
                await run_in_threadpool(end_sessions, user, services.uow())
            request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/lang/{code}", include_in_schema=False)
    async def switch_language(request: Request, code: str, next: str = "/") -> Response:
        """This session's language (a link: it changes nothing stored)."""
        if code in i18n.LANGUAGES:
            request.session["lang"] = code
        return RedirectResponse(_safe_next(next), status_code=303)

    @app.post("/lang/{code}", include_in_schema=False)
    async def keep_language(request: Request, code: str, csrf: str = Form(""), next: str = Form("/")) -> Response:
        """The language, remembered for the user's next sign-in too (a form, with its CSRF token)."""
        if code in i18n.LANGUAGES:
            request.session["lang"] = code
            if signed_in(request) and Ui.csrf_ok(request, csrf):
                await run_in_threadpool(set_language, request.session["user"], code, services.uow())
        return RedirectResponse(_safe_next(next), status_code=303)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home(request: Request, q: str = "", page: int = 1, alert: str = "") -> Response:
        if not signed_in(request):
            return to_login(request)
        page = _page_number(page)
        search, shortened = _search_text(q)
        if shortened:
            Ui.flash(request, "search_shortened", "error", limit=str(MAX_SEARCH))
        as_of = services.clock.today()
        chosen = alert if alert in queries.alert_conditions(as_of) else None

        def load() -> dict[str, Any]:
            with services.engine.connect() as conn:
                conn = conn.execution_options(readonly=True)
                totals = queries.portfolio_totals(conn, as_of)
                count, rows = queries.customer_page(
                    conn, as_of, search=search, alert=chosen, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
                )
                # The breakdowns are in the currency most accounts keep (sums across currencies mean nothing).
                main = max(totals, key=lambda c: c.customers).currency if totals else None
                board = queries.dashboard(conn, main, as_of) if main else None
                migration = queries.grade_migration(conn)
            panels = {view.name: views.read(view) for view in dashboard_views(as_of)}
            return {
                "totals": totals,
                "count": count,
                "rows": rows,
                "board": board,
                "migration": migration,
                "panels": panels,
                "trend": charts.trend_panel(panels["trends"].body, main),
                "losses": charts.loss_panel(panels["ecl"].body, main),
                "cash": charts.cash_panel(panels["cash"].body, main),
            }

        data = await run_in_threadpool(load)
        return render(
            request,
            "home.html",
            q=search,
            alert=chosen or "",
            page=page,
            page_size=PAGE_SIZE,
            as_of=as_of,
            buckets=[b[0] for b in queries.AGEING_BUCKETS],
            **data,
        )

    @app.get("/customers/{customer_id}", response_class=HTMLResponse, include_in_schema=False)
    async def customer(request: Request, customer_id: str) -> Response:
        if not signed_in(request):
            return to_login(request)
        if not _CUSTOMER_ID.match(customer_id):  # no such id can exist (nor reach the database)
            return render(request, "not_found.html", status=404)
        as_of = services.clock.today()

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
            with services.read_uow() as uow:
                history = uow.limits.for_customer(customer_id)
            try:
                score: dict[str, Any] | None = customer_score(services.scoring_store(), customer_id)
            except NotFound:
                score = None  # not scored yet
            _, recommended = recommend_limits(services.limit_inputs(), as_of, None, customer_id)
            ageing: dict[str, Any] = {}
            for item in items:
                ageing[item.bucket] = (
                    ageing[item.bucket] + item.open_amount if item.bucket in ageing else item.open_amount
                )
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
                "score": score,
                "recommendation": recommended[0].as_json() if recommended else None,
            }

        data = await run_in_threadpool(load)
        if data is None:
            return render(request, "not_found.html", status=404)
        return render(request, "customer.html", as_of=as_of, buckets=[b[0] for b in queries.AGEING_BUCKETS], **data)
