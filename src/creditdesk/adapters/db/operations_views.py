"""What the operations page shows of the event feed: the outbox (published or waiting), how far
each consumer has read it (the notifications, each webhook's fan-out), the webhook deliveries by
status, and the notifications made, unread and waiting for mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from creditdesk.adapters.db import tables as t


@dataclass(frozen=True, slots=True)
class Consumer:
    name: str  # "notifications" or "webhook:<subscription id>"
    position: int
    behind: int  # published events it has not read yet


@dataclass(frozen=True, slots=True)
class FeedState:
    events: int
    unpublished: int
    oldest_unpublished: datetime | None
    last_position: int
    last_published: datetime | None
    consumers: list[Consumer]
    deliveries: dict[str, int]  # status -> count
    oldest_pending: datetime | None  # the next delivery attempt due the longest
    notifications: int
    unread: int
    unmailed: int  # to people who get mail (each or digest), not mailed yet

    @property
    def failed_deliveries(self) -> int:
        return self.deliveries.get("failed", 0)


def feed_state(conn: Connection) -> FeedState:
    o, c, d, n, u = t.outbox, t.event_cursors, t.webhook_deliveries, t.notifications, t.users
    events, last_position, last_published = conn.execute(
        select(func.count(), func.max(o.c.position), func.max(o.c.published_at))
    ).one()
    unpublished, oldest = conn.execute(select(func.count(), func.min(o.c.at)).where(o.c.published_at.is_(None))).one()
    top = int(last_position or 0)
    consumers = [
        Consumer(name, int(position), max(0, top - int(position)))
        for name, position in conn.execute(select(c.c.consumer, c.c.position).order_by(c.c.consumer))
    ]
    deliveries = {
        status: int(count) for status, count in conn.execute(select(d.c.status, func.count()).group_by(d.c.status))
    }
    oldest_pending = conn.execute(select(func.min(d.c.next_attempt_at)).where(d.c.status == "pending")).scalar_one()
    made, unread = conn.execute(select(func.count(), func.count().filter(n.c.read_at.is_(None)))).one()
    unmailed = conn.execute(
        select(func.count())
        .select_from(n.join(u, u.c.username == n.c.username))
        .where(n.c.mailed_at.is_(None), u.c.notify != "off", u.c.email.is_not(None), u.c.email != "")
    ).scalar_one()
    return FeedState(
        events=int(events),
        unpublished=int(unpublished),
        oldest_unpublished=oldest,
        last_position=top,
        last_published=last_published,
        consumers=consumers,
        deliveries=deliveries,
        oldest_pending=oldest_pending,
        notifications=int(made),
        unread=int(unread),
        unmailed=int(unmailed),
    )
