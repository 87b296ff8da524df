"""The event feed (`GET /api/v1/events?after=&limit=`) and webhook subscriptions (admin only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.events import (
    Deliveries,
    DeliveryOut,
    EventFeed,
    WebhookAdded,
    WebhookOut,
    Webhooks,
)
from creditdesk.entrypoints.api.schemas import RequestBody
from creditdesk.service.auth import Principal
from creditdesk.service.webhooks import (
    Acting,
    add_subscription,
    disable_subscription,
    list_deliveries,
    list_subscriptions,
    redeliver,
)

router = APIRouter(prefix="/api/v1")

FEED_LIMIT_MAX = 1000
MAX_POSITION = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # an integer key; beyond it, 422 (never a database error)


class WebhookCreate(RequestBody):
    url: str = Field(max_length=2000, examples=["https://erp.example.com/creditdesk/events"])
    events: list[str] | str = Field(
        default="*", description="event types, aliases (order.held) or wildcards (order.*); a list or a,b"
    )
    secret: str | None = Field(
        default=None, max_length=200, description="16 characters or more; none: one is made and answered once"
    )


def _acting(principal: Principal) -> Acting:
    return Acting(principal.name, principal.role)


@router.get("/events", dependencies=[require(Permission.READ)], response_model=EventFeed)
async def get_events(
    services: ServicesDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="the cursor: the last position read (0: from the start)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=FEED_LIMIT_MAX, description="at most this many events")] = 100,
) -> Any:
    """Published events after the cursor, in feed order; `next` resumes without gaps or repeats."""
    events = await run_in_threadpool(services.event_store().feed, after, limit)
    return declared({"events": [e.as_json() for e in events], "next": events[-1].position if events else after})


@router.post(
    "/webhooks",
    dependencies=[require(Permission.MANAGE_WEBHOOKS)],
    status_code=201,
    response_model=WebhookAdded,
)
async def post_webhook(body: WebhookCreate, services: ServicesDep, principal: PrincipalDep) -> Any:
    """Subscribe a URL; the answer carries the secret, this once."""
    added = await run_in_threadpool(
        add_subscription, _acting(principal), body.url, body.events, body.secret, services.webhook_uow(), services.clock
    )
    return declared(added.as_json(), status_code=201)


@router.get("/webhooks", dependencies=[require(Permission.MANAGE_WEBHOOKS)], response_model=Webhooks)
async def get_webhooks(services: ServicesDep, principal: PrincipalDep) -> Any:
    found = await run_in_threadpool(list_subscriptions, _acting(principal), services.webhook_uow())
    return declared({"webhooks": [s.as_json() for s in found]})


@router.post(
    "/webhooks/{subscription_id}/disable",
    dependencies=[require(Permission.MANAGE_WEBHOOKS)],
    response_model=WebhookOut,
)
async def post_webhook_disable(subscription_id: RowId, services: ServicesDep, principal: PrincipalDep) -> Any:
    """No more deliveries to it; kept with its history."""
    done = await run_in_threadpool(
        disable_subscription, _acting(principal), subscription_id, services.webhook_uow(), services.clock
    )
    return declared(done.as_json())


@router.get("/webhooks/deliveries", dependencies=[require(Permission.MANAGE_WEBHOOKS)], response_model=Deliveries)
async def get_deliveries(
    services: ServicesDep,
    principal: PrincipalDep,
    status: Annotated[str | None, Query(description="pending, delivered or failed")] = None,
    subscription_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Newest first; a failed one with its last error."""
    found = await run_in_threadpool(
        lambda: list_deliveries(
            _acting(principal), services.webhook_uow(), status=status, subscription_id=subscription_id, limit=limit
        )
    )
    return declared({"deliveries": [d.as_json() for d in found]})


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    dependencies=[require(Permission.MANAGE_WEBHOOKS)],
    response_model=DeliveryOut,
)
async def post_redeliver(delivery_id: RowId, services: ServicesDep, principal: PrincipalDep) -> Any:
    """A failed delivery back to pending; the relay sends it on its next round."""
    again = await run_in_threadpool(redeliver, _acting(principal), delivery_id, services.webhook_uow(), services.clock)
    return declared(again.as_json())
