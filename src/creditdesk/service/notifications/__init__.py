"""Notifications to people: who is told what, in their language, on the web app's bell and by mail.

The published event feed (outbox rows with a position, in position order) is read from the
``notifications`` cursor; each event makes notifications for the people it concerns, rendered
in each one's language, and the cursor moves in the same transaction. A notification's key
(``event:<id>``, ``review:<customer>:<date>``, ``webhook-failed:<delivery>``) is unique per user,
so telling twice is impossible. Mail goes out later: one per notification for users with
``notify=each``, once a day for ``notify=digest``; ``off`` is the bell only. A notification is
marked mailed only after the SMTP server accepted it (docs/notifications.md).

Who is told:

- an order held (blocked, review): the people whose role may release it by the active check
  policy's authority (alone or as the second of two), never its submitter; nobody has that
  authority: the admins;
- a release requested beyond its requester's authority: those who may approve it;
- a limit request: the people whose role may decide it (its required role and above), never its
  requester; a decided request: its requester;
- an account blocked or in default: the managers and admins;
- a review due (the daily job): the analysts and managers;
- a webhook delivery given up, or failing again and again: the admins.
"""

from __future__ import annotations

from .failing_webhooks import WEBHOOK_FAILURES, notify_failing_webhooks
from .feed import BATCH, CONSUMER, HELD_EVENTS, MAX_EVENTS_PER_PASS, notify_events
from .inbox import mark_all_read, mark_read, my_notifications
from .mail import MAIL_WINDOW, NOTIFY_MODES, send_digests, send_each, send_test_mail
from .ports import (
    FailingDelivery,
    FeedEvent,
    Mail,
    Mailer,
    MailRefused,
    MailSession,
    MailUnavailable,
    Notice,
    Notification,
    NotificationStore,
    OrderFacts,
    Person,
)
from .recipients import admins, deciders, managers, releasers, reviewers
from .reviews import reviews_due
from .texts import PLAIN, TEXTS, WORDS, TextStyle, render, text, word

__all__ = [
    "BATCH",
    "CONSUMER",
    "HELD_EVENTS",
    "MAIL_WINDOW",
    "MAX_EVENTS_PER_PASS",
    "NOTIFY_MODES",
    "PLAIN",
    "TEXTS",
    "WEBHOOK_FAILURES",
    "WORDS",
    "FailingDelivery",
    "FeedEvent",
    "Mail",
    "MailRefused",
    "MailSession",
    "MailUnavailable",
    "Mailer",
    "Notice",
    "Notification",
    "NotificationStore",
    "OrderFacts",
    "Person",
    "TextStyle",
    "admins",
    "deciders",
    "managers",
    "mark_all_read",
    "mark_read",
    "my_notifications",
    "notify_events",
    "notify_failing_webhooks",
    "releasers",
    "render",
    "reviewers",
    "reviews_due",
    "send_digests",
    "send_each",
    "send_test_mail",
    "text",
    "word",
]
