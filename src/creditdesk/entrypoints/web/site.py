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
    collection_pages,
    customer_actions,
    dispute_pages,
    i18n,
    import_pages,
    master_data_pages,
    model_pages,
    notification_pages,
    operations_pages,
    pages,
    policy_pages,
    report_pages,
    status_why,
    webhook_pages,
    workings,
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
    customer_actions.router,  # the customer page's actions: limits, standing, reviews, promises
    collection_pages.router,  # the collections worklist and its one-click actions
    import_pages.router,  # upload a file, see its problems or counts, confirm
    pages.router,
)


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=str(_HERE / "templates"))
    found.env.globals.update(
        languages=i18n.LANGUAGES,
        t_count=i18n.translate_count,  # t_count('wi_n_months', 1, lang) → "1 month"
        fmt_date=i18n.format_date,
        fmt_pct=i18n.format_percent,
        fmt_money=i18n.format_money,
        fmt_amount=i18n.amount_in_page,  # 万/亿 in Chinese, the exact figure on hover
        fmt_decimal=i18n.decimal_in_page,
        fmt_datetime=i18n.format_datetime,
        fmt_date_text=i18n.format_date_text,
        fmt_period=i18n.format_period,  # 2025Q3 → 2025年第3季度
        fmt_cell=i18n.cell_in_page,  # fmt_cell(value, lang, column): ratios as per cent
        column_label=i18n.column_label,
        label=i18n.label,  # label(kind, value, lang): a stored value in the reader's language
        flash_message=i18n.flash_message,  # flash_message(flash, lang): refusals by their code
        refusal=i18n.refusal_text,  # refusal(error_detail, lang): a ServiceError's detail
        working=workings.working_html,  # working(method_json, lang): a limit method's formula
        working_note=workings.working_note,
        permits=customer_actions.permits,  # permits(role, 'set_limit'): show or disable a button
        status_why=status_why,  # status_why.account(account, standing, lang) → Why(short, full)
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
