"""The signed-in user's notifications (the bell in the navigation): newest first, each with a
link to its matter; mark one or all read, and choose how mail comes (each, a daily digest, or
none). Every action is a form with the session's CSRF token; a user reaches only their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import NOTIFY_MODES, Principal, set_contact
from creditdesk.service.errors import ServiceError
from creditdesk.service.notifications import Notification, mark_all_read, mark_read, my_notifications

_PAGE = "/notifications"

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, form_permitted(Permission.READ, _PAGE)]


@router.get(_PAGE, response_class=HTMLResponse)
async def notifications(request: Request, user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    def load() -> tuple[list[Notification], str, str | None]:
        found = my_notifications(services.notification_store(), user.name, limit=200)
        with services.read_uow() as uow:
            record = uow.users.get(user.name)
        return found, (record.notify if record else "each"), (record.email if record else None)

    rows, notify, email = await run_in_threadpool(load)
    return ui.render(request, "notifications.html", rows=rows, notify=notify, email=email, modes=NOTIFY_MODES)


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
