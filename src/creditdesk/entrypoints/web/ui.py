"""What every page module needs of the web app: rendering, the signed-in check, CSRF, messages."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.domain.roles import Permission, Role, may


@dataclass(frozen=True)
class Ui:
    render: Callable[..., HTMLResponse]
    signed_in: Callable[[Request], bool]
    to_login: Callable[[Request], RedirectResponse]

    @staticmethod
    def csrf_ok(request: Request, token: str) -> bool:
        """The form's token is this session's (an empty one never is: no session, no form)."""
        expected = str(request.session.get("csrf", ""))
        return bool(token) and bool(expected) and secrets.compare_digest(token.encode(), expected.encode())

    @staticmethod
    def role(request: Request) -> Role:
        return Role(request.session.get("role", Role.VIEWER.value))

    def allowed(self, request: Request, permission: Permission) -> bool:
        return may(self.role(request), permission)

    @staticmethod
    def flash(request: Request, key: str, kind: str = "ok", **values: str) -> None:
        """A message for the next page (after the redirect), as a catalogue key and its values."""
        request.session["flash"] = {"key": key, "kind": kind, "values": values}

    def forbidden(self, request: Request) -> HTMLResponse:
        return self.render(request, "forbidden.html", status=403)

    def refuse(self, request: Request, csrf: str, permission: Permission, back: str) -> Response | None:
        """Why a form's action may not go ahead, as the response to give (None: it may): the
        sign-in page, the page it came from with an 'expired form' message, or a 403."""
        if not self.signed_in(request):
            return self.to_login(request)
        if not self.csrf_ok(request, csrf):
            self.flash(request, "bad_form", "error")
            return RedirectResponse(back, status_code=303)
        if not self.allowed(request, permission):
            return self.forbidden(request)
        return None
