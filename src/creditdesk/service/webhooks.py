"""Webhook subscriptions, managed by an administrator (CLI, API and web alike), each change audited.

A subscription names a URL, the event types it wants (types, aliases such as ``order.held``, or
wildcards ``order.*``, ``*``) and a secret that signs its deliveries. The secret is shown once,
when the subscription is added, and never listed. A subscription receives the events published
after it was added.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.event_types import UnknownEventType, check_patterns
from creditdesk.service.ports import Clock, UnitOfWork
from creditdesk.service.publishing import DELIVERY_STATUSES, FAILED, Delivery, Subscription

SECRET_MIN_LENGTH = 16
SECRET_MAX_LENGTH = 200
URL_MAX_LENGTH = 2000
DELIVERIES_LIMIT_MAX = 1000


class Webhooks(Protocol):
    def add(self, url: str, events: list[str], secret: str, created_by: str, at: datetime) -> int: ...
    def get(self, subscription_id: int) -> Subscription | None: ...
    def subscriptions(self) -> list[Subscription]: ...
    def disable(self, subscription_id: int, at: datetime) -> None: ...
    def deliveries(
        self, *, status: str | None = None, subscription_id: int | None = None, limit: int = 100
    ) -> list[Delivery]: ...
    def delivery(self, delivery_id: int) -> Delivery | None: ...
    def redeliver(self, delivery_id: int, at: datetime) -> None: ...


class WebhookUnitOfWork(UnitOfWork, Protocol):
    @property
    def webhooks(self) -> Webhooks: ...


@dataclass(frozen=True, slots=True)
class Acting:
    """Who asks, with the role they act in."""

    actor: str
    role: Role


@dataclass(frozen=True, slots=True)
class Added:
    subscription: Subscription
    secret: str  # shown this once
    generated: bool

    def as_json(self) -> dict[str, object]:
        return {**self.subscription.as_json(), "secret": self.secret, "secret_generated": self.generated}


def _allowed(who: Acting, doing: str) -> None:
    if not may(who.role, Permission.MANAGE_WEBHOOKS):
        raise Forbidden(
            f"role {who.role.value!r} may not {doing}; webhooks are managed by an admin",
            code="role_may_not",
            values={"role": who.role.value},
        )


def check_url(url: str) -> str:
    url = url.strip()
    problem = None
    if not url or len(url) > URL_MAX_LENGTH:
        problem = f"a webhook URL has 1 to {URL_MAX_LENGTH} characters"
    elif any(ch.isspace() or ord(ch) < 32 for ch in url):
        problem = "a webhook URL has no spaces or control characters"
    else:
        try:
            parts = urlsplit(url)
            _ = parts.port  # a port that is not a number raises here
        except ValueError as error:
            problem = f"not a URL: {error}"
        else:
            if parts.scheme not in ("http", "https"):
                problem = f"a webhook URL starts with http:// or https://; got {url!r}"
            elif not parts.hostname:
                problem = f"a webhook URL names a host; got {url!r}"
    if problem:
        raise InvalidInput(problem, [FieldProblem(("body", "url"), "BAD_URL", problem)])
    return url


def parse_events(events: str | list[str] | None) -> list[str]:
    """``a,b`` or a list; none given: every event (``*``)."""
    if events is None:
        return ["*"]
    items = events.split(",") if isinstance(events, str) else events
    patterns = [p.strip() for p in items if p.strip()]
    try:
        return check_patterns(patterns or ["*"])
    except UnknownEventType as error:
        raise InvalidInput(str(error), [FieldProblem(("body", "events"), "UNKNOWN_EVENT", str(error))]) from None


def _secret(secret: str | None) -> tuple[str, bool]:
    if secret is None or secret == "":
        return secrets.token_urlsafe(24), True
    if not SECRET_MIN_LENGTH <= len(secret) <= SECRET_MAX_LENGTH or any(ord(ch) < 32 for ch in secret):
        detail = f"a webhook secret has {SECRET_MIN_LENGTH} to {SECRET_MAX_LENGTH} characters (or none: one is made)"
        raise InvalidInput(detail, [FieldProblem(("body", "secret"), "BAD_SECRET", detail)])
    return secret, False


def add_subscription(
    who: Acting, url: str, events: str | list[str] | None, secret: str | None, uow: WebhookUnitOfWork, clock: Clock
) -> Added:
    _allowed(who, "add webhooks")
    url = check_url(url)
    patterns = parse_events(events)
    chosen, generated = _secret(secret)
    with uow:
        subscription_id = uow.webhooks.add(url, patterns, chosen, who.actor, clock.now())
        uow.audit.append(who.actor, "webhook.added", "webhook", str(subscription_id), {"url": url, "events": patterns})
        added = uow.webhooks.get(subscription_id)
        assert added is not None
        uow.commit()
    return Added(added, chosen, generated)


def list_subscriptions(who: Acting, uow: WebhookUnitOfWork) -> list[Subscription]:
    _allowed(who, "see webhooks")
    with uow:
        return uow.webhooks.subscriptions()


def disable_subscription(who: Acting, subscription_id: int, uow: WebhookUnitOfWork, clock: Clock) -> Subscription:
    """No more deliveries to it (those pending stay, undelivered); kept with its history."""
    _allowed(who, "disable webhooks")
    with uow:
        found = uow.webhooks.get(subscription_id)
        if found is None:
            raise NotFound(f"there is no webhook subscription {subscription_id}")
        if not found.active:
            raise Conflict(f"webhook subscription {subscription_id} is disabled already")
        uow.webhooks.disable(subscription_id, clock.now())
        uow.audit.append(who.actor, "webhook.disabled", "webhook", str(subscription_id), {"url": found.url})
        disabled = uow.webhooks.get(subscription_id)
        assert disabled is not None
        uow.commit()
    return disabled


def list_deliveries(
    who: Acting,
    uow: WebhookUnitOfWork,
    *,
    status: str | None = None,
    subscription_id: int | None = None,
    limit: int = 100,
) -> list[Delivery]:
    """Newest first; ``failed`` ones carry their last error."""
    _allowed(who, "see webhook deliveries")
    if status is not None and status not in DELIVERY_STATUSES:
        detail = f"status is one of {', '.join(DELIVERY_STATUSES)}; got {status!r}"
        raise InvalidInput(detail, [FieldProblem(("query", "status"), "BAD_STATUS", detail)])
    if not 1 <= limit <= DELIVERIES_LIMIT_MAX:
        detail = f"limit is 1 to {DELIVERIES_LIMIT_MAX}; got {limit}"
        raise InvalidInput(detail, [FieldProblem(("query", "limit"), "BAD_LIMIT", detail)])
    with uow:
        return uow.webhooks.deliveries(status=status, subscription_id=subscription_id, limit=limit)


def redeliver(who: Acting, delivery_id: int, uow: WebhookUnitOfWork, clock: Clock) -> Delivery:
    """A failed delivery back to pending, due now; the relay sends it on its next round."""
    _allowed(who, "redeliver webhooks")
    with uow:
        found = uow.webhooks.delivery(delivery_id)
        if found is None:
            raise NotFound(f"there is no webhook delivery {delivery_id}")
        if found.status != FAILED:
            raise Conflict(f"delivery {delivery_id} is {found.status}; only a failed delivery is redelivered")
        subscription = uow.webhooks.get(found.subscription_id)
        if subscription is None or not subscription.active:
            raise Conflict(f"webhook subscription {found.subscription_id} is disabled; add it again to deliver")
        uow.webhooks.redeliver(delivery_id, clock.now())
        uow.audit.append(
            who.actor,
            "webhook.redelivered",
            "webhook",
            str(found.subscription_id),
            {"delivery_id": delivery_id, "event_id": found.event_id, "last_error": found.last_error},
        )
        again = uow.webhooks.delivery(delivery_id)
        assert again is not None
        uow.commit()
    return again
