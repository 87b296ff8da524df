"""Webhook deliveries given up, or failing again and again: the admins are told."""

from __future__ import annotations

from creditdesk.service.ports import Clock

from .ports import Notice, NotificationStore
from .recipients import admins
from .texts import text

WEBHOOK_FAILURES = 3  # a delivery failing this many times in a row "keeps failing"


# --- webhooks that keep failing -------------------------------------------------------------------


def notify_failing_webhooks(store: NotificationStore, clock: Clock) -> int:
    """The admins hear of each delivery given up, or failing ``WEBHOOK_FAILURES`` times in a row."""
    failing = store.failing_deliveries(WEBHOOK_FAILURES)
    if not failing:
        return 0
    notices = []
    at = clock.now()
    for person in admins(store.people()):
        for d in failing:
            values = {
                "delivery_id": d.delivery_id,
                "event_type": d.event_type,
                "url": d.url,
                "status": d.status,
                "attempts": d.attempts,
                "error": d.last_error or "-",
            }
            subject, body = text("webhook.failed", person.language, values)
            notices.append(
                Notice(
                    person.username,
                    f"webhook-failed:{d.delivery_id}",
                    "webhook.failed",
                    None,
                    subject,
                    body,
                    "/admin",
                    at,
                    values,
                )
            )
    return store.save(notices)
