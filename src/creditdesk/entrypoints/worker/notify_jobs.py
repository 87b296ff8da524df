"""The worker's notification duties: the tick (notifications from newly published events and
webhooks that keep failing, then one mail each), and two daily jobs: reviews falling due, and
the digest mail (docs/notifications.md)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services


def _end_of(day: date, timezone: str) -> datetime:
    """The first instant after ``day`` in the worker's time zone."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))


def make_notifications(services: Services) -> dict[str, int]:
    """Notifications from the events published since the last pass, and failing webhooks."""
    from creditdesk.service.notifications import notify_events, notify_failing_webhooks

    store = services.notification_store()
    counts = notify_events(store, services.read_uow(), services.clock)
    counts["webhook_notifications"] = notify_failing_webhooks(store, services.clock)
    return counts


def mail_each(services: Services) -> dict[str, int]:
    from creditdesk.adapters.mailer import SmtpMailer
    from creditdesk.service.notifications import send_each

    mailer = SmtpMailer(services.settings)
    return send_each(services.notification_store(), mailer, services.clock, services.settings.public_url)


def notify_tick(services: Services) -> dict[str, int]:
    """Make notifications from newly published events, then mail the users who want one mail each."""
    return {**make_notifications(services), **mail_each(services)}


def reviews_due(services: Services, as_of: date) -> dict[str, int | str]:
    from creditdesk.service.notifications import reviews_due as due

    return dict(due(services.notification_store(), services.uow(), services.clock, as_of))


def digest(services: Services, as_of: date) -> dict[str, int | str]:
    """One mail per digest user with their notifications up to the end of ``as_of``."""
    from creditdesk.adapters.mailer import SmtpMailer
    from creditdesk.service.notifications import send_digests

    until = _end_of(as_of, services.settings.worker_timezone)
    mailer = SmtpMailer(services.settings)
    counts = send_digests(
        services.notification_store(), mailer, services.clock, services.settings.public_url, as_of, until
    )
    return dict(counts)
