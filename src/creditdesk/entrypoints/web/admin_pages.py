"""Users and API tokens, managed by an admin (as `creditdesk user add` and `token create` do)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from creditdesk.adapters.db import queries
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission, Role
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import add_user, create_token, parse_role, revoke_token
from creditdesk.service.errors import ServiceError


def install(app: FastAPI, services: Services, ui: Ui) -> None:
    async def page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            with services.engine.connect() as conn:
                return queries.users_and_tokens(conn)

        users, tokens = await run_in_threadpool(load)
        roles = [r.value for r in Role]
        return ui.render(request, "admin.html", status=status, users=users, tokens=tokens, roles=roles, **context)

    @app.get("/admin", response_class=HTMLResponse, include_in_schema=False)
    async def admin(request: Request) -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)
        return await page(request) if ui.allowed(request, Permission.ADMINISTER) else ui.forbidden(request)

    @app.post("/admin/users", include_in_schema=False)
    async def new_user(
        request: Request,
        username: str = Form(""),
        role: str = Form(""),
        password: str = Form(""),
        language: str = Form("en"),
        csrf: str = Form(""),
    ) -> Response:
        if (stop := ui.refuse(request, csrf, Permission.ADMINISTER, "/admin")) is not None:
            return stop
        try:
            chosen = parse_role(role)
            actor = request.session["user"]
            await run_in_threadpool(
                add_user, username, password, chosen, services.uow(), services.hasher, actor, language
            )
        except ServiceError as error:
            return await page(request, status=error.status, error_detail=error.detail)
        return await page(request, added=username)

    @app.post("/admin/tokens", include_in_schema=False)
    async def new_token(
        request: Request, name: str = Form(""), user: str = Form(""), role: str = Form(""), csrf: str = Form("")
    ) -> Response:
        """For a user (it acts as them), or with a role alone for a service user of that name."""
        if (stop := ui.refuse(request, csrf, Permission.ADMINISTER, "/admin")) is not None:
            return stop
        try:
            owner = user.strip() or None
            chosen = None if owner else parse_role(role)
            actor = request.session["user"]
            token = await run_in_threadpool(
                lambda: create_token(name, services.uow(), services.clock, actor, user=owner, role=chosen)
            )
        except ServiceError as error:
            return await page(request, status=error.status, error_detail=error.detail)
        # Shown once, in this response only: it is never stored or sent again.
        return await page(request, new_token=token, token_name=name)

    @app.post("/admin/tokens/{token_id}/revoke", include_in_schema=False)
    async def revoke(request: Request, token_id: int, csrf: str = Form("")) -> Response:
        if (stop := ui.refuse(request, csrf, Permission.ADMINISTER, "/admin")) is not None:
            return stop
        try:
            name = await run_in_threadpool(
                revoke_token, token_id, services.uow(), services.clock, request.session["user"]
            )
        except ServiceError as error:
            return await page(request, status=error.status, error_detail=error.detail)
        return await page(request, revoked=name)
