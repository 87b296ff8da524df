"""Webhook deliveries given up, or failing again and again: the admins are told."""

from __future__ import annotations

from creditdesk.service.ports import Clock

from .ports import Notice, NotificationStore
from .recipients import admins
from .texts import render, word

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
            state = word("gave_up" if d.status == "failed" else "still_failing", person.language)
            subject, body = render(
                "webhook.failed",
                person.language,
                delivery_id=d.delivery_id,
                event_type=d.event_type,
                url=d.url,
                state=state,
                attempts=d.attempts,
                error=d.last_error or "-",
            )
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
                )
            )
    return store.save(notices)
