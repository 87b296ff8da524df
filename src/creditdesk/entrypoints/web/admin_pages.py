"""Users and API tokens, managed by an admin (as `creditdesk user add` and `token create` do)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from creditdesk.adapters.db import queries
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission, Role
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import UiDep, form_permitted, permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import (
    NOTIFY_MODES,
    Principal,
    add_user,
    create_token,
    parse_role,
    revoke_token,
    set_contact,
)
from creditdesk.service.errors import ServiceError
from creditdesk.service.segments import scope_user

router = APIRouter(include_in_schema=False)

Admin = Annotated[Principal, permitted(Permission.ADMINISTER)]
AdminForm = Annotated[Principal, form_permitted(Permission.ADMINISTER, "/admin")]


async def _page(request: Request, services: Services, ui: Ui, status: int = 200, **context: Any) -> HTMLResponse:
    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with services.engine.connect() as conn:
            return queries.users_and_tokens(conn)

    users, tokens = await run_in_threadpool(load)
    roles = [r.value for r in Role]
    return ui.render(
        request, "admin.html", status=status, users=users, tokens=tokens, roles=roles, modes=NOTIFY_MODES, **context
    )


@router.get("/admin", response_class=HTMLResponse)
async def admin(request: Request, _admin: Admin, services: ServicesDep, ui: UiDep) -> Response:
    return await _page(request, services, ui)


@router.post("/admin/users")
async def new_user(
    request: Request,
    admin: AdminForm,
    services: ServicesDep,
    ui: UiDep,
    username: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    language: str = Form("en"),
) -> Response:
    try:
        chosen = parse_role(role)
        await run_in_threadpool(
            add_user, username, password, chosen, services.uow(), services.hasher, admin.name, language
        )
    except ServiceError as error:
        return await _page(request, services, ui, status=error.status, error_detail=error.detail)
    return await _page(request, services, ui, added=username)


@router.post("/admin/users/contact")
async def user_contact(
    request: Request,
    admin: AdminForm,
    services: ServicesDep,
    ui: UiDep,
    username: str = Form(""),
    email: str = Form(""),
    language: str = Form(""),
    notify: str = Form(""),
) -> Response:
    """A user's e-mail address, language and notify mode, as `creditdesk user set` does; an empty
    field leaves it as it is (`creditdesk user set NAME --email ""` removes an address)."""
    try:
        await run_in_threadpool(
            lambda: set_contact(
                username,
                services.uow(),
                admin.name,
                admin.role,
                email=email.strip() or None,
                language=language or None,
                notify=notify or None,
            )
        )
    except ServiceError as error:
        return await _page(request, services, ui, status=error.status, error_detail=error.detail)
    return await _page(request, services, ui, contact_saved=username)


@router.post("/admin/users/company-codes")
async def user_company_codes(
    request: Request,
    admin: AdminForm,
    services: ServicesDep,
    ui: UiDep,
    username: str = Form(""),
    company_codes: str = Form(""),
) -> Response:
    """The company codes a user acts for (comma-separated; empty: all), as `creditdesk user set
    NAME --company-codes` does; the user's sessions end."""
    codes = tuple(code.strip() for code in company_codes.split(",") if code.strip()) or None
    try:
        await run_in_threadpool(scope_user, username, codes, services.uow(), admin.name, admin.role)
    except ServiceError as error:
        return await _page(request, services, ui, status=error.status, error_detail=error.detail)
    return await _page(request, services, ui, scope_saved=username)


@router.post("/admin/tokens")
async def new_token(
    request: Request,
    admin: AdminForm,
    services: ServicesDep,
    ui: UiDep,
    name: str = Form(""),
    user: str = Form(""),
    role: str = Form(""),
) -> Response:
    """For a user (it acts as them), or with a role alone for a service user of that name."""
    try:
        owner = user.strip() or None
        chosen = None if owner else parse_role(role)
        token = await run_in_threadpool(
            lambda: create_token(name, services.uow(), services.clock, admin.name, user=owner, role=chosen)
        )
    except ServiceError as error:
        return await _page(request, services, ui, status=error.status, error_detail=error.detail)
    # Shown once, in this response only: it is never stored or sent again.
    return await _page(request, services, ui, new_token=token, token_name=name)


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke(request: Request, admin: AdminForm, services: ServicesDep, ui: UiDep, token_id: int) -> Response:
    try:
        name = await run_in_threadpool(revoke_token, token_id, services.uow(), services.clock, admin.name)
    except ServiceError as error:
        return await _page(request, services, ui, status=error.status, error_detail=error.detail)
    request.app.state.token_cache.clear()  # this process's API refuses it from the next request
    return await _page(request, services, ui, revoked=name)
