"""The worker's events duties: the relay's round (every tick) and the feed's retention (daily).

The relay (service/publishing.py) publishes new outbox events to the feed, fans them out to the
webhook subscriptions and delivers what is due, each step bounded; the worker calls it every
``worker_tick_seconds`` under the "relay" lease, and ``creditdesk events publish`` runs it by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from creditdesk.service import publishing

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services
    from creditdesk.config import Settings


def relay_settings(settings: Settings) -> publishing.RelaySettings:
    return publishing.RelaySettings(
        max_attempts=settings.webhook_max_attempts,
        backoff_seconds=settings.webhook_backoff_seconds,
        backoff_max_seconds=settings.webhook_backoff_max_seconds,
    )


def relay_tick(services: Services) -> dict[str, int]:
    """One round: publish, fan out, deliver what is due; the counts of each."""
    counts = publishing.relay_tick(
        services.event_store(), services.webhook_sender(), services.clock, relay_settings(services.settings)
    )
    return counts.as_json()


def relay_until_idle(services: Services, rounds: int = 1000) -> dict[str, int]:
    """Rounds until nothing is left to publish or fan out (a catch-up by hand), summed; the
    deliveries that fail wait for their backoff, as in the worker."""
    total: dict[str, int] = {}
    for _ in range(rounds):
        counts = relay_tick(services)
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
        if not counts["published"] and not counts["fanned_out"] and not counts["delivered"]:
            break
    return total


def retention(services: Services, as_of: date) -> dict[str, int | str]:
    """Drop the events published more than ``event_retention_days`` before the day whose
    deliveries are all done (delivered or failed), with those deliveries; the same day again
    drops nothing more."""
    start = datetime.combine(as_of, time(0), tzinfo=UTC)
    days = services.settings.event_retention_days
    counts: dict[str, int | str] = {"retention_days": days}
    counts.update(publishing.retention(services.event_store(), start, days))
    return counts


DEMO_WEBHOOK_URL = "http://127.0.0.1:9/hook"  # the discard port: nothing listens, the connection is refused
DEMO_WEBHOOK_EVENTS = "order.held,account.defaulted"


def leave_failed_deliveries(services: Services, count: int = 3, actor: str = "admin") -> int:
    """For the demo: a subscription to a receiver that is not there, and its deliveries of the
    last ``count`` held orders or defaults given up (``failed``, with the connection error),
    without waiting on the backoff: each retry is made on a clock moved past it. The feed is
    published first, so the subscription starts at its head; the failed deliveries so made."""
    from creditdesk.adapters.clock import FixedClock
    from creditdesk.domain.roles import Role
    from creditdesk.service.event_types import matches
    from creditdesk.service.webhooks import Acting, add_subscription, parse_events

    store = services.event_store()
    settings = relay_settings(services.settings)
    while store.publish(services.clock.now(), settings.publish_batch):
        pass
    patterns = parse_events(DEMO_WEBHOOK_EVENTS)
    added = add_subscription(
        Acting(actor, Role.ADMIN), DEMO_WEBHOOK_URL, patterns, None, services.webhook_uow(), services.clock
    )
    sid = added.subscription.subscription_id
    # The last `count` matching events of the feed, read backwards a page at a time.
    head, wanted = store.head_position(), list[publishing.PublishedEvent]()
    while head > 0 and len(wanted) < count:
        low = max(0, head - 5000)
        page = store.feed(low, head - low)
        wanted = [e for e in page if matches(patterns, e.type)][-count:] + wanted
        head = low
    wanted = wanted[-count:]
    if not wanted:
        return 0
    now = services.clock.now()
    store.fan_out(sid, store.cursor(publishing.webhook_consumer(sid)) or 0, store.head_position(), wanted, now)
    clock = FixedClock(now)
    sender = services.webhook_sender()
    failed = 0
    # A customer's deliveries go one after the other: each is given up before the next is tried.
    for _ in range(len(wanted) * settings.max_attempts):
        failed += publishing.deliver(store, sender, clock, settings).failed
        if failed >= len(wanted):
            break
        clock.at += timedelta(seconds=settings.backoff_max_seconds)
    return failed
