"""The published event types: what an ERP or a webhook may subscribe to (docs/events/*.json).

Order and ledger events carry the postings and order states of ``service.events``; the others
say what changed on an account, with the reason a person can read.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

ORDER_DECISIONS = ("order.approved", "order.blocked", "order.review")
EVENT_TYPES: dict[str, str] = {
    "order.approved": "an order passed the credit check; its amount is reserved",
    "order.blocked": "an order was blocked by the credit check; nothing is reserved",
    "order.review": "an order waits for a person with authority; nothing is reserved",
    "order.release_requested": "someone asked for a held order to be released beyond their authority",
    "order.released": "a held order was released by a person with authority; its amount is reserved",
    "order.rejected": "a held order was rejected",
    "order.amended": "an order's amount or dates changed",
    "order.amendment_refused": "a change to an order was refused by the credit check",
    "order.cancelled": "an order was cancelled; its reservation released",
    "order.delivered": "an order was delivered",
    "order.expired": "an order's reservation lapsed at the end of its validity",
    "order.reopened.approved": "a cancelled order was reopened and approved",
    "order.reopened.blocked": "a cancelled order was reopened and blocked",
    "order.reopened.review": "a cancelled order was reopened and waits for review",
    "invoice.posted": "a receivable was posted",
    "invoice.dispute": "an invoice was disputed or its dispute resolved",
    "dispute.opened": "a dispute case was opened on (part of) an invoice; that part leaves the overdue rules",
    "dispute.resolved": "a dispute case was resolved by credit note or rejected",
    "payment.received": "a payment was received and applied",
    "receivables.revalued": "open foreign-currency invoices were revalued at a month-end's rates (docs/currencies.md)",
    "import.booked": "an import booked a customer's documents",
    "group.opened": "a pooled group account opened",
    "segment.limit_set": "a customer's credit limit in one company code was set (docs/segments.md)",
    "limit.changed": "a customer's credit limit changed",
    "limit.requested": "a credit limit change waits for approval",
    "limit.request.approved": "a credit limit request was approved and applied",
    "limit.request.rejected": "a credit limit request was rejected",
    "account.status_changed": "an account was put on hold, blocked or made active again",
    "account.defaulted": "a customer was recorded in default (or its default cleared)",
    "account.review_due": "an account's credit review fell due",
    "customer.changed": "a customer's master data changed (a new version; a group move carries its postings)",
    "application.submitted": "a new customer's credit application was submitted, scored and a limit proposed",
    "application.decided": "a credit application was approved (customer and account opened), rejected or withdrawn",
}
# Names that stand for several types: "order.held" is every order the check did not approve.
ALIASES: dict[str, tuple[str, ...]] = {
    "order.held": ("order.blocked", "order.review", "order.reopened.blocked", "order.reopened.review"),
}


class UnknownEventType(ValueError):
    pass


def check_patterns(patterns: list[str]) -> list[str]:
    """The subscription's patterns, each a type, an alias or a wildcard (``order.*``, ``*``) that
    matches at least one type; anything else is refused, so a typo never subscribes to nothing."""
    unknown = [p for p in patterns if not any(matches([p], name) for name in EVENT_TYPES)]
    if unknown or not patterns:
        known = ", ".join([*EVENT_TYPES, *ALIASES])
        raise UnknownEventType(f"unknown event types {', '.join(unknown) or '(none given)'}; known: {known}")
    return patterns


def matches(patterns: list[str], event_type: str) -> bool:
    return any(event_type in ALIASES.get(p, ()) or fnmatchcase(event_type, p) for p in patterns)
