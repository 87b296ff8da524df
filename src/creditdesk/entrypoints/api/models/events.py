"""The event feed and webhook subscriptions (docs/events.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FeedEvent(BaseModel):
    event_id: int = Field(description="the outbox's id; unique, but not the feed's order")
    position: int = Field(description="the event's place in the feed: the cursor to resume after")
    type: str = Field(examples=["order.blocked"])
    stream: str = Field(description="the customer (or pooled group) the event is about")
    seq: int = Field(description="the event's number in its stream: 1, 2, 3 ... in order")
    at: str = Field(description="when it happened (ISO 8601, UTC)")
    data: dict[str, Any] = Field(description="the payload; docs/events/<type>.schema.json")


class EventFeed(BaseModel):
    events: list[FeedEvent]
    next: int = Field(description="pass as `after` to read on; the same cursor when nothing new was published")


class WebhookOut(BaseModel):
    subscription_id: int
    url: str
    events: list[str]
    created_by: str
    created_at: str
    disabled_at: str | None
    active: bool


class WebhookAdded(WebhookOut):
    secret: str = Field(description="signs the deliveries; shown this once, never listed")
    secret_generated: bool


class Webhooks(BaseModel):
    webhooks: list[WebhookOut]


class DeliveryOut(BaseModel):
    delivery_id: int
    subscription_id: int
    event_id: int
    event_type: str
    stream: str
    position: int
    status: str = Field(examples=["pending", "delivered", "failed"])
    attempts: int
    next_attempt_at: str | None = Field(description="when a pending delivery is tried next")
    last_status: int | None = Field(description="the receiver's last HTTP status; none when it did not answer")
    last_error: str | None
    delivered_at: str | None
    created_at: str


class Deliveries(BaseModel):
    deliveries: list[DeliveryOut]
