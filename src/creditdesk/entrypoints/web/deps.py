"""The pages' dependencies: the signed-in user, what they may do, the services and the renderer.

A page that may not go ahead answers with the sign-in page (a redirect, never a 401), the form's
page again with an 'expired form' message, or a 403 page: a dependency raises :class:`PageStop`
with that response and :func:`answer_page_stop` gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from creditdesk.domain.roles import Permission, may
from creditdesk.entrypoints.bounded import BackgroundJobs
from creditdesk.entrypoints.portfolio_views import PortfolioViews
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import Principal


@dataclass(frozen=True)
class Site:
    """What the pages share, one per app (``app.state.web``)."""

    ui: Ui
    views: PortfolioViews  # its background thread and ledger memo: one per process
    jobs: BackgroundJobs  # the policy what-ifs


class PageStop(Exception):
    """The page's answer, decided before its handler ran."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def answer_page_stop(_request: Request, stop: Exception) -> Response:
    assert isinstance(stop, PageStop)
    return stop.response


async def get_site(request: Request) -> Site:
    # async: FastAPI would run a plain function in the thread pool, a hop per request.
    site: Site = request.app.state.web
    return site


async def get_ui(request: Request) -> Ui:
    return (await get_site(request)).ui


async def get_views(request: Request) -> PortfolioViews:
    return (await get_site(request)).views


async def get_jobs(request: Request) -> BackgroundJobs:
    return (await get_site(request)).jobs


UiDep = Annotated[Ui, Depends(get_ui)]
ViewsDep = Annotated[PortfolioViews, Depends(get_views)]
JobsDep = Annotated[BackgroundJobs, Depends(get_jobs)]


def signed_in(request: Request, ui: UiDep) -> Principal:
    """The session's user, as stored now; not signed in (or the session ended): the sign-in
    page, coming back here afterwards. A plain function: its database read runs in the thread pool."""
    principal = ui.principal(request)
    if principal is None:
        raise PageStop(ui.to_login(request))
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


def permitted(permission: Permission) -> Any:
    """A page for those whose role may: signed in, then the 403 page for the others."""

    async def check(request: Request, principal: SignedIn, ui: UiDep) -> Principal:
        if not may(principal.role, permission):
            raise PageStop(ui.forbidden(request))
        return principal

    return Depends(check)


def form_permitted(permission: Permission, back: str) -> Any:
    """A form's action (its ``csrf`` field): signed in, then the form must be this session's
    (else back to ``back`` with an 'expired form' message), then the role must allow it (403 page)."""

    async def check(request: Request, principal: SignedIn, ui: UiDep, csrf: Annotated[str, Form()] = "") -> Principal:
        if not Ui.csrf_ok(request, csrf):
            Ui.flash(request, "bad_form", "error")
            raise PageStop(RedirectResponse(back, status_code=303))
        if not may(principal.role, permission):
            raise PageStop(ui.forbidden(request))
        return principal

    return Depends(check)
