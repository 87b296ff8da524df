"""The web app inside the ASGI app: the session cookie, static files, templates, what the pages
share (:class:`~creditdesk.entrypoints.web.deps.Site`), and the page routers to include."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from creditdesk.bootstrap import Services
from creditdesk.entrypoints.bounded import BackgroundJobs
from creditdesk.entrypoints.portfolio_views import PortfolioViews
from creditdesk.entrypoints.web import (
    admin_pages,
    application_pages,
    dispute_pages,
    i18n,
    master_data_pages,
    model_pages,
    notification_pages,
    operations_pages,
    pages,
    policy_pages,
    report_pages,
    webhook_pages,
    worklists,
)
from creditdesk.entrypoints.web.deps import PageStop, Site, answer_page_stop
from creditdesk.entrypoints.web.ui import Ui

_HERE = Path(__file__).parent

#: Every page, in the order the app includes them (all outside the OpenAPI schema).
PAGE_ROUTERS: tuple[APIRouter, ...] = (
    worklists.router,
    policy_pages.router,
    report_pages.router,
    model_pages.router,
    admin_pages.router,
    notification_pages.router,
    operations_pages.router,
    webhook_pages.router,
    application_pages.router,  # credit applications; the customer page's notes and attachments
    dispute_pages.router,  # the disputes worklist; the disputes and cover sections' forms
    master_data_pages.router,  # the master-data section's forms (docs/master-data.md)
    pages.router,
)


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=str(_HERE / "templates"))
    found.env.globals.update(
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
    return found


def install(app: FastAPI, services: Services) -> None:
    """Everything the pages need but their routes (``PAGE_ROUTERS``, which the app includes)."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=services.settings.session_secret(),
        session_cookie="creditdesk_session",
        same_site=services.settings.cookie_samesite,
        https_only=services.settings.cookie_secure,
        max_age=services.settings.session_hours * 3600,
    )
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    app.add_exception_handler(PageStop, answer_page_stop)  # the sign-in page, a 403 page, the form again
    app.state.web = Site(Ui(services, templates()), PortfolioViews(services), BackgroundJobs())
