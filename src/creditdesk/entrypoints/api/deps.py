"""Typed dependencies: the services, the caller and its role."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission, may
from creditdesk.entrypoints.bounded import HeavyReads
from creditdesk.service.auth import Principal, authenticate_token


async def get_services(request: Request) -> Services:
    # async: FastAPI would run a plain function in the thread pool, a hop per request.
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


class TokenCache:
    """Recently verified tokens, so a busy client costs one database read per token per TTL.

    A token revoked in this process stops working at once (:meth:`clear`); one revoked elsewhere
    (the CLI, another server worker) within ``ttl`` seconds. An unknown one is never cached.
    """

    def __init__(self, ttl: float = 10.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._seen: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str) -> Principal | None:
        found = self._seen.get(token)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def put(self, token: str, principal: Principal) -> None:
        if len(self._seen) >= self.size:
            self._seen.clear()
        self._seen[token] = (principal, time.monotonic() + self.ttl)

    def clear(self) -> None:
        self._seen.clear()


# The OpenAPI's bearer scheme (components.securitySchemes, each operation's security). It never
# refuses by itself: get_principal reads the header and words the 401s as it always has.
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", description="An API token: `creditdesk token create`")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


async def get_principal(request: Request, _bearer: BearerDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    cache: TokenCache = request.app.state.token_cache
    token = token.strip()
    principal = cache.get(token)
    if principal is None:
        services: Services = request.app.state.services  # not a sub-dependency: each costs per request
        principal = await run_in_threadpool(authenticate_token, token, services.read_uow())
        if principal is None:
            raise HTTPException(401, "the token is not valid", headers={"WWW-Authenticate": "Bearer"})
        cache.put(token, principal)
    request.state.principal = principal  # the request log line's user
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_heavy(request: Request) -> HeavyReads:
    heavy: HeavyReads = request.app.state.heavy
    return heavy


HeavyDep = Annotated[HeavyReads, Depends(get_heavy)]


def bounded(heavy: HeavyReads, services: Services, name: str, *args: Any, compute: Any) -> Any:
    """``compute()`` through the process's bounded heavy reads, kept for the current data."""
    return heavy.get((name, *args, services.snapshot_store().data_version()), compute)


def require(permission: Permission) -> Any:
    async def check(principal: PrincipalDep) -> Principal:
        if not may(principal.role, permission):
            raise HTTPException(403, f"role {principal.role.value!r} may not {permission.value.replace('_', ' ')}")
        return principal

    return Depends(check)
