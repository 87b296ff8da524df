"""The published feed, webhook subscriptions and their deliveries, in the database.

``SqlEventStore`` is the relay's side (service/publishing.py): each method one short
transaction of its own, never open while a webhook is being called. ``SqlWebhooks`` is the
administrator's side, inside a unit of work (``WebhookUnitOfWork``) so that each change and its
audit record commit together.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self

from sqlalchemy import Connection, Engine, and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.repositories import utc
from creditdesk.adapters.db.uow import SqlUnitOfWork
from creditdesk.service.publishing import (
    DELIVERED,
    FAILED,
    PENDING,
    Attempt,
    Delivery,
    DueDelivery,
    PublishedEvent,
    Subscription,
    webhook_consumer,
)

# Any constant: the PostgreSQL advisory lock that makes giving positions one transaction at a time.
_PUBLISH_LOCK_KEY = 0x43_44_50_55
_CHUNK = 500  # ids per IN (...) list

o = t.outbox
s = t.webhook_subscriptions
d = t.webhook_deliveries
c = t.event_cursors


def _event(row: Mapping[Any, Any]) -> PublishedEvent:
    return PublishedEvent(
        event_id=int(row["event_id"]),
        position=int(row["position"]),
        type=row["type"],
        stream=row["stream"],
        seq=int(row["stream_seq"]),
        at=utc(row["at"]),
        data=json.loads(row["payload"]),
    )


def _subscription(row: Mapping[Any, Any]) -> Subscription:
    return Subscription(
        subscription_id=int(row["subscription_id"]),
        url=row["url"],
        events=list(json.loads(row["events"])),
        created_by=row["created_by"],
        created_at=utc(row["created_at"]),
        disabled_at=utc(row["disabled_at"]) if row["disabled_at"] is not None else None,
    )


def _delivery(row: Mapping[Any, Any]) -> Delivery:
    return Delivery(
        delivery_id=int(row["delivery_id"]),
        subscription_id=int(row["subscription_id"]),
        event_id=int(row["event_id"]),
        event_type=row["type"],
        stream=row["stream"],
        position=int(row["position"]),
        status=row["status"],
        attempts=int(row["attempts"]),
        next_attempt_at=utc(row["next_attempt_at"]),
        last_status=row["last_status"],
        last_error=row["last_error"],
        delivered_at=utc(row["delivered_at"]) if row["delivered_at"] is not None else None,
        created_at=utc(row["created_at"]),
    )


_EVENT_COLUMNS = (o.c.event_id, o.c.position, o.c.type, o.c.stream, o.c.stream_seq, o.c.at, o.c.payload)
_DELIVERY_COLUMNS = (*d.c, o.c.type)


def _head(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(o.c.position), 0))).scalar_one())


class SqlEventStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn = conn.execution_options(readonly=True)
            with conn.begin():
                yield conn

    # the feed -------------------------------------------------------------------------------
    def publish(self, now: datetime, limit: int) -> int:
        try:
            with self._engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # One publisher at a time; the next one reads the positions this one gave.
                    # (SQLite: BEGIN IMMEDIATE already serialises writers.)
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PUBLISH_LOCK_KEY})
                ids = list(
                    conn.execute(
                        select(o.c.event_id).where(o.c.position.is_(None)).order_by(o.c.event_id).limit(limit)
                    ).scalars()
                )
                if not ids:
                    return 0
                start = _head(conn)
                conn.execute(
                    update(o)
                    .where(o.c.event_id == bindparam("eid"), o.c.position.is_(None))
                    .values(position=bindparam("pos"), published_at=bindparam("now")),
                    [{"eid": eid, "pos": start + n, "now": now} for n, eid in enumerate(ids, 1)],
                )
                return len(ids)
        except IntegrityError:
            # Another publisher got there first (the unique position): its
            # positions stand; this round gives none and the next one carries on after them.
            return 0

    def feed(self, after: int, limit: int) -> list[PublishedEvent]:
        with self._read() as conn:
            rows = conn.execute(
                select(*_EVENT_COLUMNS).where(o.c.position > after).order_by(o.c.position).limit(limit)
            ).mappings()
            return [_event(r) for r in rows]

    def head_position(self) -> int:
        with self._read() as conn:
            return _head(conn)

    def unpublished(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(func.count()).where(o.c.position.is_(None))).scalar_one())

    # fan-out --------------------------------------------------------------------------------
    def subscriptions(self, *, active_only: bool = False) -> list[Subscription]:
        query = select(s).order_by(s.c.subscription_id)
        if active_only:
            query = query.where(s.c.disabled_at.is_(None))
        with self._read() as conn:
            return [_subscription(r) for r in conn.execute(query).mappings()]

    def cursor(self, consumer: str) -> int | None:
        with self._read() as conn:
            found = conn.execute(select(c.c.position).where(c.c.consumer == consumer)).scalar_one_or_none()
        return None if found is None else int(found)

    def fan_out(
        self, subscription_id: int, cursor_from: int, cursor_to: int, events: list[PublishedEvent], now: datetime
    ) -> int:
        consumer = webhook_consumer(subscription_id)
        try:
            with self._engine.begin() as conn:
                moved = conn.execute(
                    update(c).where(c.c.consumer == consumer, c.c.position == cursor_from).values(position=cursor_to)
                ).rowcount
                if moved == 0:
                    if cursor_from != 0 or conn.execute(select(c.c.position).where(c.c.consumer == consumer)).first():
                        return 0  # another relay moved it meanwhile
                    conn.execute(insert(c), {"consumer": consumer, "position": cursor_to})
                if events:
                    conn.execute(
                        insert(d),
                        [
                            {
                                "subscription_id": subscription_id,
                                "event_id": e.event_id,
                                "stream": e.stream,
                                "position": e.position,
                                "status": PENDING,
                                "attempts": 0,
                                "next_attempt_at": now,
                                "created_at": now,
                            }
                            for e in events
                        ],
                    )
                return len(events)
        except IntegrityError:
            return 0

    # delivery -------------------------------------------------------------------------------
    def due(self, now: datetime, limit: int) -> list[DueDelivery]:
        earlier = aliased(d)
        waits = (
            select(earlier.c.delivery_id)
            .where(
                earlier.c.subscription_id == d.c.subscription_id,
                earlier.c.stream == d.c.stream,
                earlier.c.status == PENDING,
                earlier.c.position < d.c.position,
            )
            .exists()
        )
        active = and_(s.c.subscription_id == d.c.subscription_id, s.c.disabled_at.is_(None))
        with self._read() as conn:
            heads = conn.execute(
                select(d.c.subscription_id, d.c.stream)
                .join(s, active)
                .where(d.c.status == PENDING, d.c.next_attempt_at <= now, ~waits)
                .order_by(d.c.position)
                .limit(limit)
            ).all()
            if not heads:
                return []
            chains = {(int(sid), stream) for sid, stream in heads}
            streams = sorted({stream for _, stream in chains})
            found: list[DueDelivery] = []
            taken: dict[tuple[int, str], bool] = {}
            for start in range(0, len(streams), _CHUNK):
                rows = conn.execute(
                    select(
                        d.c.delivery_id,
                        d.c.subscription_id,
                        d.c.attempts,
                        d.c.next_attempt_at,
                        s.c.url,
                        s.c.secret,
                        *_EVENT_COLUMNS,
                    )
                    .join(s, active)
                    .join(o, o.c.event_id == d.c.event_id)
                    .where(
                        d.c.status == PENDING,
                        d.c.subscription_id.in_(sorted({sid for sid, _ in chains})),
                        d.c.stream.in_(streams[start : start + _CHUNK]),
                    )
                    .order_by(d.c.position)
                ).mappings()
                for row in rows:
                    key = (int(row["subscription_id"]), row["stream"])
                    if key not in chains or taken.get(key) is False:
                        continue
                    # A chain goes on while its deliveries are due; the first one waiting stops it.
                    if utc(row["next_attempt_at"]) > now:
                        taken[key] = False
                        continue
                    taken[key] = True
                    found.append(
                        DueDelivery(
                            delivery_id=int(row["delivery_id"]),
                            subscription_id=key[0],
                            url=row["url"],
                            secret=row["secret"],
                            attempts=int(row["attempts"]),
                            next_attempt_at=utc(row["next_attempt_at"]),
                            event=_event(row),
                        )
                    )
        found.sort(key=lambda due: due.event.position)
        return found[:limit]

    def record(self, attempts: list[Attempt]) -> int:
        if not attempts:
            return 0
        with self._engine.begin() as conn:
            # One at a time, for each its row count (a delivery another relay recorded first is left).
            statement = (
                update(d)
                .where(d.c.delivery_id == bindparam("did"), d.c.status == PENDING, d.c.attempts == bindparam("before"))
                .values(
                    status=bindparam("new_status"),
                    attempts=bindparam("after"),
                    last_status=bindparam("code"),
                    last_error=bindparam("error"),
                    next_attempt_at=bindparam("next_at"),
                    delivered_at=bindparam("done_at"),
                )
            )
            recorded = 0
            for a in attempts:
                recorded += conn.execute(
                    statement,
                    {
                        "did": a.delivery_id,
                        "before": a.attempts_before,
                        "new_status": a.status,
                        "after": a.attempts_before + 1,
                        "code": a.last_status,
                        "error": a.last_error,
                        "next_at": a.next_attempt_at,
                        "done_at": a.delivered_at,
                    },
                ).rowcount
            return recorded

    # retention ------------------------------------------------------------------------------
    def retain(self, cutoff: datetime) -> tuple[int, int]:
        with self._engine.begin() as conn:
            # Every active subscription has fanned out up to its cursor; beyond it, keep.
            active = conn.execute(select(s.c.subscription_id).where(s.c.disabled_at.is_(None))).scalars()
            consumers = [webhook_consumer(int(sid)) for sid in active]
            found = dict(conn.execute(select(c.c.consumer, c.c.position).where(c.c.consumer.in_(consumers))).all())
            cursors = [int(found.get(consumer, 0)) for consumer in consumers]
            pending = select(d.c.delivery_id).where(d.c.event_id == o.c.event_id, d.c.status == PENDING).exists()
            query = select(o.c.event_id).where(o.c.position.is_not(None), o.c.at < cutoff, ~pending)
            if cursors:
                query = query.where(o.c.position <= min(cursors))
            ids = list(conn.execute(query).scalars())
            events = deliveries = 0
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                deliveries += conn.execute(
                    delete(d).where(d.c.event_id.in_(chunk), d.c.status.in_((DELIVERED, FAILED)))
                ).rowcount
                still_used = select(d.c.delivery_id).where(d.c.event_id == o.c.event_id).exists()
                events += conn.execute(delete(o).where(o.c.event_id.in_(chunk), ~still_used)).rowcount
            return events, deliveries


class SqlWebhooks:
    """Subscriptions and deliveries as an administrator manages them, on the unit's connection."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, url: str, events: list[str], secret: str, created_by: str, at: datetime) -> int:
        """A subscription, its cursor at the feed's head: it receives what is published from now on."""
        subscription_id = int(
            self._c.execute(
                insert(s).returning(s.c.subscription_id),
                {
                    "url": url,
                    "events": json.dumps(events),
                    "secret": secret,
                    "created_by": created_by,
                    "created_at": at,
                },
            ).scalar_one()
        )
        self._c.execute(insert(c), {"consumer": webhook_consumer(subscription_id), "position": _head(self._c)})
        return subscription_id

    def get(self, subscription_id: int) -> Subscription | None:
        row = self._c.execute(select(s).where(s.c.subscription_id == subscription_id)).mappings().first()
        return _subscription(row) if row is not None else None

    def subscriptions(self) -> list[Subscription]:
        return [_subscription(r) for r in self._c.execute(select(s).order_by(s.c.subscription_id)).mappings()]

    def disable(self, subscription_id: int, at: datetime) -> None:
        self._c.execute(
            update(s).where(s.c.subscription_id == subscription_id, s.c.disabled_at.is_(None)).values(disabled_at=at)
        )

    def deliveries(
        self, *, status: str | None = None, subscription_id: int | None = None, limit: int = 100
    ) -> list[Delivery]:
        query = select(*_DELIVERY_COLUMNS).join(o, o.c.event_id == d.c.event_id)
        if status is not None:
            query = query.where(d.c.status == status)
        if subscription_id is not None:
            query = query.where(d.c.subscription_id == subscription_id)
        rows = self._c.execute(query.order_by(d.c.delivery_id.desc()).limit(limit)).mappings()
        return [_delivery(r) for r in rows]

    def delivery(self, delivery_id: int) -> Delivery | None:
        row = (
            self._c.execute(
                select(*_DELIVERY_COLUMNS).join(o, o.c.event_id == d.c.event_id).where(d.c.delivery_id == delivery_id)
            )
            .mappings()
            .first()
        )
        return _delivery(row) if row is not None else None

    def redeliver(self, delivery_id: int, at: datetime) -> None:
        """A failed delivery back to pending, due now, with its attempts counted afresh."""
        self._c.execute(
            update(d)
            .where(d.c.delivery_id == delivery_id, d.c.status == FAILED)
            .values(status=PENDING, attempts=0, next_attempt_at=at)
        )


class WebhookUnitOfWork(SqlUnitOfWork):
    """A unit of work that also manages webhooks: a change and its audit record commit together."""

    webhooks: SqlWebhooks

    def __enter__(self) -> Self:
        super().__enter__()
        self.webhooks = SqlWebhooks(self.connection)
        return self
