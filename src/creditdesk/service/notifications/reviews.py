"""Reviews falling due: a daily job makes their events and tells the analysts and managers."""

from __future__ import annotations

from datetime import date

from creditdesk.service.ports import Clock, UnitOfWork

from .ports import Notice, NotificationStore
from .recipients import reviewers
from .texts import text

# --- reviews falling due (a daily job) ------------------------------------------------------------


def reviews_due(store: NotificationStore, uow: UnitOfWork, clock: Clock, as_of: date) -> dict[str, int]:
    """Every account whose review is due on ``as_of`` or earlier: an ``account.review_due`` event
    (once per account and review date) and a notification to the analysts and managers (once per
    person, account and review date). A second run of the day changes nothing more."""
    due = store.due_reviews(as_of)
    customer_ids = [cid for cid, _ in due]
    emitted = store.review_events(customer_ids)
    at = clock.now()
    events = 0
    with uow:
        for cid, on in due:
            if (cid, on.isoformat()) in emitted:
                continue
            payload = {"customer_id": cid, "next_review_on": on.isoformat(), "as_of": as_of.isoformat()}
            uow.ledger.emit(cid, "account.review_due", payload, at)
            events += 1
        uow.commit()
    people = reviewers(store.people())
    names = store.customer_names(customer_ids)
    notices = []
    for cid, on in due:
        values = {"customer": names.get(cid, cid), "customer_id": cid, "on": on.isoformat()}
        for person in people:
            subject, body = text("review.due", person.language, values)
            notices.append(
                Notice(
                    person.username,
                    f"review:{cid}:{on.isoformat()}",
                    "review.due",
                    cid,
                    subject,
                    body,
                    "/worklists/reviews",
                    at,
                    values,
                )
            )
    made = store.save(notices)
    return {"due": len(due), "events": events, "notifications": made}
