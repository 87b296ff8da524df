"""Notifications made from the published event feed, read from the ``notifications`` cursor; the
cursor moves in the transaction that saves what a batch of events made."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from creditdesk.domain.orders import HELD, OrderStatus
from creditdesk.domain.roles import Role
from creditdesk.domain.rules import CheckPolicy
from creditdesk.service.event_types import ALIASES
from creditdesk.service.ports import Clock, UnitOfWork

from .ports import FeedEvent, Notice, NotificationStore, OrderFacts, Person
from .recipients import deciders, managers, releasers, reviewers
from .texts import amount_text, money_text, text

CONSUMER = "notifications"  # the feed cursor's name in event_cursors
BATCH = 500  # events per transaction
MAX_EVENTS_PER_PASS = 5_000

HELD_EVENTS = frozenset(ALIASES["order.held"])


# --- from the feed --------------------------------------------------------------------------------


@dataclass
class _Batch:
    people: list[Person]
    policy: CheckPolicy
    orders: dict[str, OrderFacts]
    names: dict[str, str]
    pending: set[str]
    statuses: dict[str, str]
    notices: list[Notice] = field(default_factory=list)

    def tell(
        self,
        who: list[Person],
        key: str,
        kind: str,
        customer_id: str | None,
        link: str | None,
        at: datetime,
        values: dict[str, Any],
        *,
        skip: set[str] | None = None,
    ) -> None:
        """Each person's notification: its text in their language (for mail and the API) and its
        values, from which the web page renders it again in its reader's language."""
        for person in who:
            if skip and person.username in skip:
                continue
            subject, body = text(kind, person.language, values)
            self.notices.append(Notice(person.username, key, kind, customer_id, subject, body, link, at, values))


def _order_id(event: FeedEvent) -> str | None:
    orders = event.payload.get("orders") or []
    return str(orders[0]["order_id"]) if orders and orders[0].get("order_id") else None


def _customer_ids(events: list[FeedEvent]) -> list[str]:
    return sorted({str(e.payload.get("customer_id") or e.stream) for e in events})


def notify_events(
    store: NotificationStore, uow: UnitOfWork, clock: Clock, *, limit: int = MAX_EVENTS_PER_PASS
) -> dict[str, int]:
    """Notifications from the events published since the cursor, a batch per transaction."""
    with uow:
        policy = uow.reference.check_policy()
    people = store.people()
    events_seen = made = 0
    while events_seen < limit:
        events = store.published_after(store.cursor(CONSUMER), min(BATCH, limit - events_seen))
        if not events:
            break
        batch = _Batch(
            people,
            policy,
            store.orders(sorted({oid for e in events if (oid := _order_id(e)) is not None})),
            store.customer_names(_customer_ids(events)),
            store.pending_requests(
                sorted({str(e.payload["request_id"]) for e in events if e.type == "limit.requested"})
            ),
            store.account_statuses(sorted({e.stream for e in events if e.type == "account.status_changed"})),
        )
        for event in events:
            _notify_one(batch, event, clock.now())
        made += store.save(batch.notices, consumer=CONSUMER, position=events[-1].position)
        events_seen += len(events)
    return {"events": events_seen, "notifications": made}


def _notify_one(batch: _Batch, event: FeedEvent, at: datetime) -> None:
    key = f"event:{event.event_id}"
    payload = event.payload
    customer_id = str(payload.get("customer_id") or event.stream)
    customer = batch.names.get(customer_id, customer_id)
    common = {"customer": customer, "customer_id": customer_id}
    if event.type in HELD_EVENTS or event.type == "order.release_requested":
        order_id = _order_id(event)
        order = batch.orders.get(order_id or "")
        if order is None:
            return
        requested = event.type == "order.release_requested"
        wanted = {OrderStatus.RELEASE_PENDING.value} if requested else {s.value for s in HELD}
        if order.status not in wanted:
            return  # already released, rejected or cancelled: nobody needs to act any more
        outcome = "blocked" if event.type.endswith("blocked") else "review"
        requester = str(order.resolution.get("requested_by") or "")
        skip = {name for name in (order.submitted_by, requester) if name}
        who = releasers(batch.people, batch.policy, order.account_amount, second=requested)

        order_values = {
            **common,
            "order_id": order.order_id,
            "amount": money_text(order.amount),
            "outcome": outcome,
            "reasons": [
                {k: r[k] for k in ("code", "message", "message_zh") if r.get(k)}
                for r in order.reasons or [{"code": c} for c in payload.get("codes") or []]
            ],
            "requested_by": requester,
            "comment": order.resolution.get("comment") or "",
        }

        kind = "order.release_requested" if requested else "order.held"
        batch.tell(who, key, kind, customer_id, "/worklists/orders", at, order_values, skip=skip)
    elif event.type == "limit.requested":
        if str(payload.get("request_id")) not in batch.pending:
            return  # decided already
        try:
            required = Role(str(payload.get("required_role")))
        except ValueError:
            required = Role.ADMIN

        request_values = {
            **common,
            "request_id": payload.get("request_id"),
            "amount": amount_text(payload.get("amount"), payload.get("currency")),
            "expires_on": payload.get("expires_on"),
            "reason": payload.get("reason") or "",
            "requested_by": payload.get("requested_by"),
            "required_role": required.value,
        }

        skip = {str(payload.get("requested_by"))}
        batch.tell(
            deciders(batch.people, required),
            key,
            "limit.requested",
            customer_id,
            "/worklists/limit-requests",
            at,
            request_values,
            skip=skip,
        )
    elif event.type == "application.submitted":  # docs/applications.md: analysts and up may approve first
        application_values = {
            **common,
            "customer": payload.get("name") or customer_id,
            "application_id": payload.get("application_id"),
            "requested": amount_text(payload.get("requested_limit"), payload.get("currency")),
            "amount": amount_text(payload.get("proposed_limit"), payload.get("currency")),
            "submitted_by": payload.get("submitted_by"),
            "required_role": str(payload.get("required_role") or "admin"),
            "approvals": payload.get("approvals_needed") or 1,
        }

        batch.tell(
            deciders(batch.people, Role.ANALYST),
            key,
            "application.submitted",
            None,  # no customer yet
            f"/applications/{payload.get('application_id')}",
            at,
            application_values,
            skip={str(payload.get("submitted_by"))},
        )
    elif event.type in ("limit.request.approved", "limit.request.rejected"):
        asker = [p for p in batch.people if p.username == payload.get("requested_by")]

        decided_values = {
            **common,
            "request_id": payload.get("request_id"),
            "amount": amount_text(payload.get("amount"), payload.get("currency")),
            "decided_by": payload.get("decided_by"),
            "comment": payload.get("comment") or "",
        }

        batch.tell(asker, key, event.type, customer_id, f"/customers/{customer_id}", at, decided_values)
    elif event.type == "account.status_changed":
        if payload.get("to") != "blocked" or batch.statuses.get(customer_id) != "blocked":
            return  # not a block, or lifted since

        blocked_values = {
            **common,
            "before": str(payload.get("from") or ""),
            "reason": payload.get("reason") or "",
            "reason_zh": payload.get("reason_zh") or "",
        }

        batch.tell(
            managers(batch.people), key, "account.blocked", customer_id, f"/customers/{customer_id}", at, blocked_values
        )
    elif event.type == "account.defaulted":
        if not payload.get("since"):
            return  # a default cleared: nobody needs to act

        default_values = {
            **common,
            "since": payload.get("since"),
            "reason": payload.get("reason") or "",
            "reason_zh": payload.get("reason_zh") or "",
        }

        batch.tell(
            managers(batch.people),
            key,
            "account.defaulted",
            customer_id,
            f"/customers/{customer_id}",
            at,
            default_values,
        )
    elif event.type == "account.review_due":
        on = str(payload.get("next_review_on") or "")
        batch.tell(
            reviewers(batch.people),
            f"review:{customer_id}:{on}",
            "review.due",
            customer_id,
            "/worklists/reviews",
            at,
            {**common, "on": on},
        )
