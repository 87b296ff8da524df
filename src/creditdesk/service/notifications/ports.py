"""What the notifications need of the world: the store's records and its Protocol, and the
mailer's (the adapters implement them: adapters/db/notification_store.py, adapters/mailer.py)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role

# --- what the store gives and keeps --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedEvent:
    event_id: int
    position: int
    stream: str
    type: str
    payload: dict[str, Any]
    at: datetime


@dataclass(frozen=True, slots=True)
class Person:
    """A user who may be told: a person (not a service user), not disabled."""

    username: str
    role: Role
    language: str
    email: str | None
    notify: str


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_id: str
    customer_id: str
    status: str
    amount: Money  # in the order's currency
    account_amount: Money  # in the account currency: what authority is measured in
    reasons: list[dict[str, Any]]  # code, message, message_zh
    submitted_by: str | None
    resolution: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification to make."""

    username: str
    key: str
    kind: str
    customer_id: str | None
    subject: str
    body: str
    link: str | None
    created_at: datetime
    values: dict[str, Any] | None = None  # data and codes: the web page renders it in its reader's language


@dataclass(frozen=True, slots=True)
class Notification:
    notification_id: int
    username: str
    key: str
    kind: str
    customer_id: str | None
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None
    mailed_at: datetime | None
    values: dict[str, Any] | None = None  # None: made before values were kept (its text only)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.notification_id,
            "kind": self.kind,
            "customer_id": self.customer_id,
            "subject": self.subject,
            "body": self.body,
            "link": self.link,
            "created_at": self.created_at.isoformat(),
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "mailed_at": self.mailed_at.isoformat() if self.mailed_at else None,
        }


@dataclass(frozen=True, slots=True)
class FailingDelivery:
    delivery_id: int
    url: str
    event_type: str
    status: str
    attempts: int
    last_error: str | None


class NotificationStore(Protocol):
    def cursor(self, consumer: str) -> int: ...
    def published_after(self, position: int, limit: int) -> list[FeedEvent]: ...
    def people(self) -> list[Person]: ...
    def orders(self, order_ids: list[str]) -> dict[str, OrderFacts]: ...
    def customer_names(self, customer_ids: list[str]) -> dict[str, str]: ...
    def pending_requests(self, request_ids: list[str]) -> set[str]: ...
    def account_statuses(self, customer_ids: list[str]) -> dict[str, str]: ...
    def save(self, notices: list[Notice], *, consumer: str | None = None, position: int | None = None) -> int:
        """Insert the notices (one already there under its user and key is left as it is) and,
        in the same transaction, move the consumer's cursor; how many were new."""
        ...

    def listing(self, username: str, *, unread_only: bool = False, limit: int = 200) -> list[Notification]: ...
    def unread_count(self, username: str) -> int: ...
    def mark_read(self, username: str, notification_id: int, at: datetime) -> bool: ...
    def mark_all_read(self, username: str, at: datetime) -> int: ...
    def unmailed(
        self, mode: str, since: datetime, until: datetime | None = None
    ) -> list[tuple[Person, list[Notification]]]:
        """Per user with this notify mode and an address, their unmailed notifications made from
        ``since`` (and before ``until``), oldest first."""
        ...

    def mark_mailed(self, notification_ids: list[int], at: datetime) -> None: ...
    def due_reviews(self, as_of: date) -> list[tuple[str, date]]: ...
    def review_events(self, customer_ids: list[str]) -> set[tuple[str, str]]: ...
    def failing_deliveries(self, min_attempts: int, limit: int = 200) -> list[FailingDelivery]: ...


# --- mail ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str
    language: str = "en"


class MailUnavailable(Exception):
    """The SMTP server cannot be reached or refuses us: nothing is marked mailed, try again later."""


class MailRefused(Exception):
    """The server refused this one message (its recipient, say); the others may still go."""


class MailSession(Protocol):
    def send(self, mail: Mail) -> None: ...


class Mailer(Protocol):
    @property
    def configured(self) -> bool: ...
    def session(self) -> AbstractContextManager[MailSession]: ...
