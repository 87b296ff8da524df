"""The outbox relay: events leave the building (docs/events.md).

Three steps, each in short transactions of its own, run by one worker at a time (the "relay"
lease) and safe if two ever ran at once:

1. **publish** gives the events written to the outbox their place in the feed (``position``),
   in ``event_id`` order after the highest position given so far, and ``published_at``. A reader
   of the feed resumes after a position; positions are given only to committed events, in one
   transaction at a time (PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE), so the
   positions a reader can see are always a gap-free prefix, and an event that committed late
   with a lower ``event_id`` gets a later position instead of being skipped.

   Order per customer: an event's ``stream_seq`` is taken by incrementing the customer's
   account row (``SqlCreditStore.emit``), which stays locked until the transaction ends, and its
   ``event_id`` is drawn after that, in the same transaction. So within a stream, a later
   ``stream_seq`` has a later ``event_id`` and commits no earlier: publishing the committed
   events in ``event_id`` order keeps every stream in ``stream_seq`` order, on both engines.

2. **fan-out** turns the published events each active subscription's patterns match into
   delivery rows, from the subscription's cursor (``event_cursors``, consumer ``webhook:<id>``).

3. **deliver** sends the due deliveries, oldest first and one at a time per (subscription,
   stream): a customer's later event waits while an earlier one is pending. No transaction is
   open during an HTTP call. 2xx: delivered. Anything else: retried after
   ``min(backoff_max, backoff * 2**(attempts-1))``, given up (``failed``) after
   ``max_attempts``. A receiver that cannot be reached is not tried again in the same round:
   its other due deliveries count the attempt with the same error, so a dead receiver costs
   one timeout per round and its deliveries back off and give up in bounded time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from creditdesk.service.event_types import matches
from creditdesk.service.ports import Clock

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
DELIVERY_STATUSES = (PENDING, DELIVERED, FAILED)
SIGNATURE_HEADER = "X-Creditdesk-Signature"
TIMESTAMP_HEADER = "X-Creditdesk-Timestamp"
EVENT_HEADER = "X-Creditdesk-Event"
DELIVERY_HEADER = "X-Creditdesk-Delivery"


def webhook_consumer(subscription_id: int) -> str:
    """The subscription's cursor in ``event_cursors``."""
    return f"webhook:{subscription_id}"


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    event_id: int
    position: int
    type: str
    stream: str
    seq: int
    at: datetime
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The event as the feed lists it and a webhook receives it."""
        return {
            "event_id": self.event_id,
            "position": self.position,
            "type": self.type,
            "stream": self.stream,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "data": self.data,
        }


@dataclass(frozen=True, slots=True)
class Subscription:
    subscription_id: int
    url: str
    events: list[str]
    created_by: str
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def as_json(self) -> dict[str, Any]:
        """Never the secret: it is shown once, when the subscription is added."""
        return {
            "subscription_id": self.subscription_id,
            "url": self.url,
            "events": self.events,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
            "active": self.active,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    delivery_id: int
    subscription_id: int
    event_id: int
    event_type: str
    stream: str
    position: int
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "subscription_id": self.subscription_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "stream": self.stream,
            "position": self.position,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.status == PENDING else None,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery to send now, with what sending it needs."""

    delivery_id: int
    subscription_id: int
    url: str
    secret: str
    attempts: int
    next_attempt_at: datetime
    event: PublishedEvent


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What the receiver answered: its status (None: no answer) and, unless 2xx, why it failed."""

    status: int | None
    error: str | None = None
    reachable: bool = True  # False: connection refused, timed out, no such host

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt's result, to record: the delivery's new state."""

    delivery_id: int
    attempts_before: int
    status: str
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None


class WebhookSender(Protocol):
    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendOutcome: ...


class EventRelayStore(Protocol):
    """The outbox, the feed and the deliveries; every method is one short transaction."""

    def publish(self, now: datetime, limit: int) -> int:
        """Positions for up to ``limit`` unpublished events, in event_id order; how many."""
        ...

    def feed(self, after: int, limit: int) -> list[PublishedEvent]: ...
    def head_position(self) -> int: ...
    def subscriptions(self, *, active_only: bool = False) -> list[Subscription]: ...
    def cursor(self, consumer: str) -> int | None: ...
    def fan_out(
        self, subscription_id: int, cursor_from: int, cursor_to: int, events: list[PublishedEvent], now: datetime
    ) -> int:
        """Deliveries of ``events`` and the cursor moved from ``cursor_from`` to ``cursor_to``,
        together; 0 and nothing written when the cursor moved meanwhile."""
        ...

    def due(self, now: datetime, limit: int) -> list[DueDelivery]:
        """Up to ``limit`` due deliveries of active subscriptions, in position order, each the
        earliest pending one of its (subscription, stream) or following it in that chain."""
        ...

    def record(self, attempts: list[Attempt]) -> int:
        """The attempts' results, in one transaction; each unless another relay recorded one
        first (its delivery no longer pending with the attempts it had). How many were recorded."""
        ...

    def retain(self, cutoff: datetime) -> tuple[int, int]:
        """Delete published events from before ``cutoff`` that every subscription is done with
        (fanned out, and no delivery pending), with their deliveries; (events, deliveries)."""
        ...


@dataclass(frozen=True, slots=True)
class RelaySettings:
    max_attempts: int = 8
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 3600.0
    publish_batch: int = 5000
    fan_out_batch: int = 2000
    deliver_batch: int = 1000
    concurrency: int = 8  # chains (a subscriber's stream) served at once, one thread each


@dataclass
class RelayCounts:
    published: int = 0
    fanned_out: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, int]:
        return {
            "published": self.published,
            "fanned_out": self.fanned_out,
            "delivered": self.delivered,
            "retried": self.retried,
            "failed": self.failed,
        }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=HEX``, HEX = HMAC-SHA256(secret, timestamp + "." + body)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def delivery_body(event: PublishedEvent) -> bytes:
    return json.dumps(event.as_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode()


def delivery_headers(due: DueDelivery, body: bytes, now: datetime) -> dict[str, str]:
    timestamp = str(int(now.timestamp()))
    return {
        "Content-Type": "application/json",
        "User-Agent": "creditdesk-webhooks/1",
        EVENT_HEADER: due.event.type,
        DELIVERY_HEADER: str(due.delivery_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(due.secret, timestamp, body),
    }


def backoff(settings: RelaySettings, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1: the first)."""
    seconds = settings.backoff_seconds * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(settings.backoff_max_seconds, seconds))


def publish(store: EventRelayStore, clock: Clock, settings: RelaySettings) -> int:
    return store.publish(clock.now(), settings.publish_batch)


def fan_out(store: EventRelayStore, clock: Clock, settings: RelaySettings) -> int:
    """Deliveries for every active subscription, from its cursor to the feed's head (bounded)."""
    made = 0
    for subscription in store.subscriptions(active_only=True):
        cursor = store.cursor(webhook_consumer(subscription.subscription_id)) or 0
        events = store.feed(cursor, settings.fan_out_batch)
        if not events:
            continue
        wanted = [e for e in events if matches(subscription.events, e.type)]
        made += store.fan_out(subscription.subscription_id, cursor, events[-1].position, wanted, clock.now())
    return made


def _chains(due: Iterable[DueDelivery]) -> list[list[DueDelivery]]:
    """The (subscription, stream) chains, each in position order, the earliest chain first."""
    chains: dict[tuple[int, str], list[DueDelivery]] = {}
    for item in due:
        chains.setdefault((item.subscription_id, item.event.stream), []).append(item)
    return list(chains.values())


def _result(settings: RelaySettings, due: DueDelivery, outcome: SendOutcome, now: datetime) -> Attempt:
    if outcome.ok:
        return Attempt(due.delivery_id, due.attempts, DELIVERED, outcome.status, None, due.next_attempt_at, now)
    attempts = due.attempts + 1
    return Attempt(
        due.delivery_id,
        due.attempts,
        FAILED if attempts >= settings.max_attempts else PENDING,
        outcome.status,
        (outcome.error or f"HTTP {outcome.status}")[:2000],
        now + backoff(settings, attempts),
        None,
    )


class _Round:
    """One delivery round's shared state: the results so far, and the receivers found down."""

    def __init__(self, sender: WebhookSender, clock: Clock, settings: RelaySettings) -> None:
        self.sender, self.clock, self.settings = sender, clock, settings
        self.results: list[Attempt] = []
        self.down: dict[int, SendOutcome] = {}
        self._lock = threading.Lock()

    def serve(self, chain: list[DueDelivery]) -> None:
        """A chain's deliveries in order, stopping at its first failure (its later events wait);
        a receiver found unreachable this round is not called again: the attempt is counted
        with its error."""
        for due in chain:
            with self._lock:
                down = self.down.get(due.subscription_id)
            if down is None:
                body = delivery_body(due.event)
                outcome = self.sender.send(due.url, body, delivery_headers(due, body, self.clock.now()))
                if not outcome.reachable:
                    with self._lock:
                        self.down.setdefault(due.subscription_id, outcome)
            else:
                outcome = SendOutcome(None, f"not sent: the receiver was unreachable this round ({down.error})", False)
            result = _result(self.settings, due, outcome, self.clock.now())
            with self._lock:
                self.results.append(result)
            if not outcome.ok:
                return


def deliver(store: EventRelayStore, sender: WebhookSender, clock: Clock, settings: RelaySettings) -> RelayCounts:
    """Send what is due now (bounded): the chains concurrently (a few threads), each chain in
    order; the results are recorded together at the end, in one short transaction (no
    transaction is open while a receiver is called)."""
    chains = _chains(store.due(clock.now(), settings.deliver_batch))
    round_ = _Round(sender, clock, settings)
    if len(chains) <= 1 or settings.concurrency <= 1:
        for chain in chains:
            round_.serve(chain)
    else:
        with ThreadPoolExecutor(min(settings.concurrency, len(chains)), thread_name_prefix="webhook") as pool:
            for future in [pool.submit(round_.serve, chain) for chain in chains]:
                future.result()
    counts = RelayCounts()
    if round_.results:
        store.record(round_.results)
    for result in round_.results:
        if result.status == DELIVERED:
            counts.delivered += 1
        elif result.status == FAILED:
            counts.failed += 1
        else:
            counts.retried += 1
    return counts


def relay_tick(store: EventRelayStore, sender: WebhookSender, clock: Clock, settings: RelaySettings) -> RelayCounts:
    """One round: publish, fan out, deliver what is due (each bounded)."""
    published = publish(store, clock, settings)
    fanned = fan_out(store, clock, settings)
    counts = deliver(store, sender, clock, settings)
    counts.published = published
    counts.fanned_out = fanned
    return counts


def retention(store: EventRelayStore, as_of_start: datetime, retention_days: int) -> dict[str, int]:
    """Delete the events published before ``retention_days`` before the day (and their
    deliveries) once every subscription is done with them; undelivered ones stay."""
    events, deliveries = store.retain(as_of_start - timedelta(days=retention_days))
    return {"events_deleted": events, "deliveries_deleted": deliveries}
