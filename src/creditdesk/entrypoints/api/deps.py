"""Typed dependencies: the services, the caller and its role."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission, may
from creditdesk.service.auth import Principal, authenticate_token


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_principal(request: Request, services: ServicesDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    principal = await run_in_threadpool(authenticate_token, token.strip(), services.read_uow())
    if principal is None:
        raise HTTPException(401, "the token is not valid", headers={"WWW-Authenticate": "Bearer"})
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: Permission) -> Any:
    async def check(principal: PrincipalDep) -> Principal:
        if not may(principal.role, permission):
            raise HTTPException(403, f"role {principal.role.value!r} may not {permission.value.replace('_', ' ')}")
        return principal

    return Depends(check)
