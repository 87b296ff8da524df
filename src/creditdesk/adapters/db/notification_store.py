"""Notifications in the database: the feed they are made from, who may be told, and what each
user was told, read and mailed (service/notifications/ says who is told what)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, String, and_, cast, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.repositories import utc
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.notifications import (
    FailingDelivery,
    FeedEvent,
    Notice,
    Notification,
    OrderFacts,
    Person,
)

CHUNK = 500  # ids per IN list: well within both engines' bound on parameters
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _notification(row: Any) -> Notification:
    return Notification(
        notification_id=int(row["notification_id"]),
        username=row["username"],
        key=row["key"],
        kind=row["kind"],
        customer_id=row["customer_id"],
        subject=row["subject"],
        body=row["body"],
        link=row["link"],
        created_at=utc(row["created_at"]),
        read_at=utc(row["read_at"]) if row["read_at"] is not None else None,
        mailed_at=utc(row["mailed_at"]) if row["mailed_at"] is not None else None,
        values=json.loads(row["text_values"]) if row["text_values"] else None,
    )


def _person(row: Any) -> Person | None:
    try:
        role = Role(row["role"])
    except ValueError:
        return None
    return Person(row["username"], role, row["language"], row["email"], row["notify"])


def unread_notifications(conn: Connection, username: str) -> int:
    """The bell's count: one index range (username, read_at IS NULL) on ix_notifications_unread."""
    n = t.notifications
    query = select(func.count()).where(n.c.username == username, n.c.read_at.is_(None))
    return int(conn.execute(query).scalar_one())


class SqlNotificationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # the feed -------------------------------------------------------------------------------
    def cursor(self, consumer: str) -> int:
        c = t.event_cursors
        with self.engine.connect() as conn:
            found = conn.execute(select(c.c.position).where(c.c.consumer == consumer)).scalar()
        return int(found or 0)

    def published_after(self, position: int, limit: int) -> list[FeedEvent]:
        o = t.outbox
        query = (
            select(o.c.event_id, o.c.position, o.c.stream, o.c.type, o.c.payload, o.c.at)
            .where(o.c.position.is_not(None), o.c.position > position)
            .order_by(o.c.position)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            FeedEvent(int(r.event_id), int(r.position), r.stream, r.type, json.loads(r.payload), utc(r.at))
            for r in rows
        ]

    # who may be told --------------------------------------------------------------------------
    def people(self) -> list[Person]:
        u = t.users
        query = (
            select(u.c.username, u.c.role, u.c.language, u.c.email, u.c.notify)
            .where(u.c.kind == "person", u.c.disabled_at.is_(None))
            .order_by(u.c.username)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [p for row in rows if (p := _person(row)) is not None]

    # what the texts need ----------------------------------------------------------------------
    def orders(self, order_ids: list[str]) -> dict[str, OrderFacts]:
        o, a = t.orders, t.credit_accounts
        found: dict[str, OrderFacts] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(order_ids):
                query = (
                    select(
                        o.c.order_id,
                        o.c.customer_id,
                        o.c.status,
                        o.c.amount_minor,
                        o.c.currency,
                        o.c.account_minor,
                        o.c.decision,
                        o.c.submitted_by,
                        o.c.resolution,
                        a.c.currency.label("account_currency"),
                    )
                    .join(a, a.c.customer_id == o.c.customer_id)
                    .where(o.c.order_id.in_(chunk))
                )
                for row in conn.execute(query).mappings():
                    amount = Money.from_minor(int(row["amount_minor"]), row["currency"])
                    if row["account_minor"] is not None:
                        in_account = Money.from_minor(int(row["account_minor"]), row["account_currency"])
                    else:
                        in_account = amount
                    decision = json.loads(row["decision"]) if row["decision"] else {}
                    found[row["order_id"]] = OrderFacts(
                        order_id=row["order_id"],
                        customer_id=row["customer_id"],
                        status=row["status"],
                        amount=amount,
                        account_amount=in_account,
                        reasons=list(decision.get("reasons") or []),
                        submitted_by=row["submitted_by"],
                        resolution=json.loads(row["resolution"]) if row["resolution"] else {},
                    )
        return found

    def customer_names(self, customer_ids: list[str]) -> dict[str, str]:
        c = t.customers
        names: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(customer_ids):
                rows = conn.execute(select(c.c.customer_id, c.c.name).where(c.c.customer_id.in_(chunk)))
                names.update({row.customer_id: row.name for row in rows})
        return names

    def pending_requests(self, request_ids: list[str]) -> set[str]:
        r = t.limit_requests
        pending: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(request_ids):
                rows = conn.execute(select(r.c.request_id).where(r.c.request_id.in_(chunk), r.c.status == "pending"))
                pending.update(rows.scalars())
        return pending

    def account_statuses(self, customer_ids: list[str]) -> dict[str, str]:
        a = t.credit_accounts
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(customer_ids):
                rows = conn.execute(select(a.c.customer_id, a.c.status).where(a.c.customer_id.in_(chunk)))
                found.update({row.customer_id: row.status for row in rows})
        return found

    # keeping them ---------------------------------------------------------------------------------
    def save(self, notices: list[Notice], *, consumer: str | None = None, position: int | None = None) -> int:
        n = t.notifications
        unique = list({(x.username, x.key): x for x in notices}.values())
        with self.engine.begin() as conn:
            existing: set[tuple[str, str]] = set()
            for chunk in _chunks(sorted({x.key for x in unique})):
                rows = conn.execute(select(n.c.username, n.c.key).where(n.c.key.in_(chunk)))
                existing.update((row.username, row.key) for row in rows)
            new = [x for x in unique if (x.username, x.key) not in existing]
            if new:
                conn.execute(
                    self._insert_ignoring(conn),
                    [
                        {
                            "username": x.username,
                            "key": x.key,
                            "kind": x.kind,
                            "customer_id": x.customer_id,
                            "subject": x.subject,
                            "body": x.body,
                            "link": x.link,
                            "created_at": x.created_at,
                            "text_values": json.dumps(x.values, default=str) if x.values is not None else None,
                        }
                        for x in new
                    ],
                )
            if consumer is not None and position is not None:
                self._advance(conn, consumer, position)
        return len(new)

    @staticmethod
    def _insert_ignoring(conn: Connection) -> Any:
        """An insert that leaves a notification already there (same user and key) as it is."""
        n = t.notifications
        if conn.dialect.name == "postgresql":
            return pg_insert(n).on_conflict_do_nothing(index_elements=["username", "key"])
        return sqlite_insert(n).on_conflict_do_nothing(index_elements=["username", "key"])

    @staticmethod
    def _advance(conn: Connection, consumer: str, position: int) -> None:
        c = t.event_cursors
        moved = conn.execute(update(c).where(c.c.consumer == consumer).values(position=position)).rowcount
        if moved == 0:
            conn.execute(c.insert().values(consumer=consumer, position=position))

    # a user's own -----------------------------------------------------------------------------
    def listing(self, username: str, *, unread_only: bool = False, limit: int = 200) -> list[Notification]:
        n = t.notifications
        query = select(n).where(n.c.username == username)
        if unread_only:
            query = query.where(n.c.read_at.is_(None))
        query = query.order_by(n.c.created_at.desc(), n.c.notification_id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_notification(row) for row in conn.execute(query).mappings()]

    def unread_count(self, username: str) -> int:
        with self.engine.connect() as conn:
            return unread_notifications(conn, username)

    def mark_read(self, username: str, notification_id: int, at: datetime) -> bool:
        n = t.notifications
        with self.engine.begin() as conn:
            found = conn.execute(
                select(n.c.read_at).where(n.c.notification_id == notification_id, n.c.username == username)
            ).first()
            if found is None:
                return False
            if found.read_at is None:
                conn.execute(update(n).where(n.c.notification_id == notification_id).values(read_at=at))
        return True

    def mark_all_read(self, username: str, at: datetime) -> int:
        n = t.notifications
        with self.engine.begin() as conn:
            query = update(n).where(n.c.username == username, n.c.read_at.is_(None)).values(read_at=at)
            return int(conn.execute(query).rowcount or 0)

    # mail ---------------------------------------------------------------------------------------
    def unmailed(
        self, mode: str, since: datetime, until: datetime | None = None
    ) -> list[tuple[Person, list[Notification]]]:
        n, u = t.notifications, t.users
        query = (
            select(n, u.c.role, u.c.language, u.c.email, u.c.notify)
            .join(u, u.c.username == n.c.username)
            .where(
                u.c.kind == "person",
                u.c.disabled_at.is_(None),
                u.c.notify == mode,
                u.c.email.is_not(None),
                u.c.email != "",
                n.c.mailed_at.is_(None),
                n.c.created_at >= since,
                *([n.c.created_at < until] if until is not None else []),
            )
            .order_by(n.c.username, n.c.created_at, n.c.notification_id)
        )
        grouped: dict[str, tuple[Person, list[Notification]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                person = _person(row)
                if person is None:
                    continue
                grouped.setdefault(person.username, (person, []))[1].append(_notification(row))
        return list(grouped.values())

    def mark_mailed(self, notification_ids: list[int], at: datetime) -> None:
        n = t.notifications
        with self.engine.begin() as conn:
            for chunk in _chunks(notification_ids):
                conn.execute(update(n).where(n.c.notification_id.in_(chunk)).values(mailed_at=at))

    # reviews due --------------------------------------------------------------------------------
    def due_reviews(self, as_of: date) -> list[tuple[str, date]]:
        a = t.credit_accounts
        query = (
            select(a.c.customer_id, a.c.next_review_on)
            .where(a.c.next_review_on.is_not(None), a.c.next_review_on <= as_of)
            .order_by(a.c.next_review_on, a.c.customer_id)
        )
        with self.engine.connect() as conn:
            return [(row.customer_id, row.next_review_on) for row in conn.execute(query)]

    def review_events(self, customer_ids: list[str]) -> set[tuple[str, str]]:
        """(customer, review date) of every ``account.review_due`` event still in the outbox."""
        o = t.outbox
        found: set[tuple[str, str]] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(customer_ids):
                rows = conn.execute(
                    select(o.c.stream, o.c.payload).where(o.c.type == "account.review_due", o.c.stream.in_(chunk))
                )
                for row in rows:
                    on = json.loads(row.payload).get("next_review_on")
                    if on:
                        found.add((row.stream, str(on)))
        return found

    # webhooks -----------------------------------------------------------------------------------
    def failing_deliveries(self, min_attempts: int, limit: int = 200) -> list[FailingDelivery]:
        d, s, o, n = t.webhook_deliveries, t.webhook_subscriptions, t.outbox, t.notifications
        key = literal("webhook-failed:") + cast(d.c.delivery_id, String)
        query = (
            select(d.c.delivery_id, s.c.url, o.c.type, d.c.status, d.c.attempts, d.c.last_error)
            .join(s, s.c.subscription_id == d.c.subscription_id)
            .outerjoin(o, o.c.event_id == d.c.event_id)
            .where(
                or_(d.c.status == "failed", and_(d.c.status == "pending", d.c.attempts >= min_attempts)),
                ~exists().where(n.c.kind == "webhook.failed", n.c.key == key),
            )
            .order_by(d.c.delivery_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            FailingDelivery(int(r.delivery_id), r.url, r.type or "?", r.status, int(r.attempts), r.last_error)
            for r in rows
        ]
