"""The caller's own notifications: listed, and marked read."""

from __future__ import annotations

from creditdesk.service.errors import NotFound
from creditdesk.service.ports import Clock

from .ports import Notification, NotificationStore

# --- the caller's own notifications ---------------------------------------------------------------


def my_notifications(
    store: NotificationStore, username: str, *, unread_only: bool = False, limit: int = 200
) -> list[Notification]:
    return store.listing(username, unread_only=unread_only, limit=max(1, min(limit, 1000)))


def mark_read(store: NotificationStore, clock: Clock, username: str, notification_id: int) -> None:
    """Mark one of the caller's notifications read; another user's is not found (never told apart)."""
    if not store.mark_read(username, notification_id, clock.now()):
        raise NotFound(f"no notification {notification_id}")


def mark_all_read(store: NotificationStore, clock: Clock, username: str) -> int:
    return store.mark_all_read(username, clock.now())
