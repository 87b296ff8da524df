"""The signed-in user's notifications (the bell in the navigation): newest first, each with a
link to its matter; mark one or all read, and choose how mail comes (each, a daily digest, or
none). Every action is a form with the session's CSRF token; a user reaches only their own."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, form_permitted
from creditdesk.entrypoints.web.i18n import format_amount, format_date
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import NOTIFY_MODES, Principal, set_contact
from creditdesk.service.errors import ServiceError
from creditdesk.service.notifications import TEXTS, Notification, TextStyle, mark_all_read, mark_read, my_notifications
from creditdesk.service.notifications import text as notification_text

_PAGE = "/notifications"

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, form_permitted(Permission.READ, _PAGE)]


class PageStyle(TextStyle):
    """A notification on the page: the catalogue's words escaped, its data (ids, names, what people
    typed, amounts) marked ``translate="no"``, days in the reader's form."""

    def __init__(self, language: str) -> None:
        self.language = language

    def data(self, value: object) -> str:
        return Markup('<span translate="no">{}</span>').format("" if value is None else value)

    def date(self, value: object) -> str:
        if not value:
            return ""
        try:
            return Markup("{}").format(format_date(str(value), self.language))
        except ValueError:
            return self.data(value)

    def amount(self, value: object) -> str:
        figure, _, currency = str(value or "").partition(" ")
        try:
            number = Decimal(figure.replace(",", ""))
        except ArithmeticError:
            return self.data(value)
        return Markup('{} <span translate="no">{}</span>').format(format_amount(number, self.language), currency)

    def fmt(self, template: str, **values: object) -> str:
        return Markup(escape(template)).format(**values) if values else Markup(escape(template))

    def join(self, lines: list[str]) -> str:
        return Markup("\n").join(lines)


def shown(notification: Notification, language: str) -> tuple[Markup, Markup]:
    """A notification's subject and body in the reader's language; one made before its values
    were kept shows its stored text, as data."""
    if notification.values is not None and notification.kind in TEXTS:
        try:
            subject, body = notification_text(notification.kind, language, notification.values, PageStyle(language))
            return Markup(subject), Markup(body)
        except (KeyError, IndexError, ValueError):
            pass
    mark = Markup('<span translate="no">{}</span>')
    return mark.format(notification.subject), mark.format(notification.body)


@router.get(_PAGE, response_class=HTMLResponse)
async def notifications(request: Request, user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    def load() -> tuple[list[Notification], str, str | None]:
        found = my_notifications(services.notification_store(), user.name, limit=200)
        with services.read_uow() as uow:
            record = uow.users.get(user.name)
        return found, (record.notify if record else "each"), (record.email if record else None)

    rows, notify, email = await run_in_threadpool(load)
    language = ui.language(request)
    texts = {n.notification_id: shown(n, language) for n in rows}
    return ui.render(
        request, "notifications.html", rows=rows, texts=texts, notify=notify, email=email, modes=NOTIFY_MODES
    )


@router.post(_PAGE + "/read-all")
async def read_all(request: Request, user: Reader, services: ServicesDep) -> Response:
    marked = await run_in_threadpool(mark_all_read, services.notification_store(), services.clock, user.name)
    Ui.flash(request, "notifications_marked", count=str(marked))
    return RedirectResponse(_PAGE, status_code=303)


@router.post(_PAGE + "/settings")
async def settings(request: Request, user: Reader, services: ServicesDep, notify: str = Form("")) -> Response:
    """The user's own mail mode (their address is set by an admin)."""
    try:
        await run_in_threadpool(lambda: set_contact(user.name, services.uow(), user.name, user.role, notify=notify))
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=user.name, detail=error.detail)
    else:
        Ui.flash(request, "notify_saved")
    return RedirectResponse(_PAGE, status_code=303)


@router.post(_PAGE + "/{notification_id}/read")
async def read_one(request: Request, user: Reader, services: ServicesDep, ui: UiDep, notification_id: int) -> Response:
    if not 1 <= notification_id < 2**31:
        return ui.not_found(request)
    try:
        await run_in_threadpool(mark_read, services.notification_store(), services.clock, user.name, notification_id)
    except ServiceError:
        return ui.not_found(request)  # another user's, or none: the same answer
    return RedirectResponse(_PAGE, status_code=303)
