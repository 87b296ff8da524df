"""What every page needs of the web app: rendering, the session's user, CSRF, messages."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from creditdesk.adapters.db import queries
from creditdesk.adapters.db.notification_store import unread_notifications
from creditdesk.bootstrap import Services
from creditdesk.entrypoints.web import i18n
from creditdesk.service.auth import Principal, session_principal
from creditdesk.service.errors import Detail


class Ui:
    """The pages' renderer (templates with the language, the user and the CSRF token) and the
    session's user as stored now. One per app."""

    def __init__(self, services: Services, templates: Jinja2Templates) -> None:
        self.services = services
        self.templates = templates

    @staticmethod
    def language(request: Request) -> str:
        """The session's language (the user's, once signed in); before that, the browser's first
        choice between Chinese and English (``Accept-Language``), else English."""
        lang = request.session.get("lang") or i18n.preferred_language(request.headers.get("accept-language", ""))
        return lang if lang in i18n.LANGUAGES else "en"

    @staticmethod
    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(24)
            request.session["csrf"] = token
        return str(token)

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = self.language(request)
        context.update(
            request=request,
            lang=lang,
            user=request.session.get("user"),
            role=request.session.get("role"),
            csrf=self.csrf_token(request),
            t=lambda key, **values: i18n.translate(key, lang, **values),
            other_lang="zh" if lang == "en" else "en",
            here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            flash=request.session.pop("flash", None),
        )
        if context["user"]:
            with self.services.engine.connect() as conn:
                context["counts"] = queries.worklist_counts(conn)
                context["unread"] = unread_notifications(conn, str(context["user"]))  # the bell
        return self.templates.TemplateResponse(request, template, context, status_code=status)

    def principal(self, request: Request) -> Principal | None:
        """A live session of a person who may still sign in, their role as stored now (a
        log-out, a new password, role or status ends every older session at once)."""
        found: Principal | None = getattr(request.state, "principal", None)
        if found is not None:
            return found
        user, version = request.session.get("user"), request.session.get("sv")
        if not user or not isinstance(version, int):
            return None
        principal = session_principal(user, version, self.services.read_uow())
        if principal is None:
            request.session.clear()
            return None
        request.state.principal = principal  # the request log line's user
        request.session["role"] = principal.role.value
        return principal

    @staticmethod
    def to_login(request: Request) -> RedirectResponse:
        target = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @staticmethod
    def csrf_ok(request: Request, token: str) -> bool:
        """The form's token is this session's (an empty one never is: no session, no form)."""
        expected = str(request.session.get("csrf", ""))
        return bool(token) and bool(expected) and secrets.compare_digest(token.encode(), expected.encode())

    @staticmethod
    def flash(request: Request, key: str, kind: str = "ok", **values: str) -> None:
        """A message for the next page (after the redirect), as a catalogue key and its values; a
        refusal's detail keeps its code (service/errors.py) to be said in the reader's language."""
        codes = {name: [v.code, v.values] for name, v in values.items() if isinstance(v, Detail) and v.code}
        request.session["flash"] = {"key": key, "kind": kind, "values": {n: str(v) for n, v in values.items()}}
        if codes:
            request.session["flash"]["codes"] = codes

    def forbidden(self, request: Request) -> HTMLResponse:
        return self.render(request, "forbidden.html", status=403)

    def not_found(self, request: Request) -> HTMLResponse:
        return self.render(request, "not_found.html", status=404)
