"""The caller's own notifications over HTTP: list them, mark one or all read. Another user's
notification is not found (404), never told apart from one that does not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.service.notifications import mark_all_read, mark_read, my_notifications

router = APIRouter(prefix="/api/v1/notifications", dependencies=[require(Permission.READ)])


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(examples=["order.held"])
    customer_id: str | None
    subject: str
    body: str
    link: str | None = Field(description="The web app's page of the matter, e.g. /worklists/orders")
    created_at: str
    read_at: str | None
    mailed_at: str | None


class Notifications(BaseModel):
    unread: int
    items: list[NotificationOut]


class MarkedRead(BaseModel):
    marked: int


@router.get("", response_model=Notifications)
async def get_notifications(
    services: ServicesDep,
    principal: PrincipalDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """The caller's notifications, newest first, in the language they had when each was made."""

    def load() -> dict[str, Any]:
        store = services.notification_store()
        found = my_notifications(store, principal.name, unread_only=unread, limit=limit)
        return {"unread": store.unread_count(principal.name), "items": [n.as_json() for n in found]}

    return declared(await run_in_threadpool(load))


@router.post("/read", response_model=MarkedRead)
async def post_all_read(services: ServicesDep, principal: PrincipalDep) -> Any:
    """Mark every notification of the caller read."""
    marked = await run_in_threadpool(mark_all_read, services.notification_store(), services.clock, principal.name)
    return declared({"marked": marked})


@router.post("/{notification_id}/read", response_model=MarkedRead)
async def post_read(
    notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)], services: ServicesDep, principal: PrincipalDep
) -> Any:
    """Mark one of the caller's notifications read (again: no change); another's: 404."""
    await run_in_threadpool(mark_read, services.notification_store(), services.clock, principal.name, notification_id)
    return declared({"marked": 1})
