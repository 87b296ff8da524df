"""The customer context a worklist shows beside each line: name, segment, grade, account status,
limit, exposure, available, overdue and how late the oldest item is (as the monitor counts it,
:func:`creditdesk.adapters.db.customer_views.standings`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.customer_views import Standing, standings
from creditdesk.adapters.db.repositories import account_from_row
from creditdesk.domain.money import Money

_CHUNK = 500  # ids per IN list


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


@dataclass(frozen=True, slots=True)
class CustomerContext:
    customer_id: str
    name: str
    segment: str
    status: str  # the account's: active, on_hold, blocked
    grade: int | None  # the latest champion score's; None: not scored
    limit: Money
    exposure: Money
    available: Money
    overdue: Money  # open amounts past their due date
    standing: Standing  # days overdue as the monitor counts them, and why the status is what it is

    @property
    def oldest_overdue_days(self) -> int:
        return self.standing.days_overdue


def customer_names(conn: Connection, customer_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(name, segment) of each customer: cheap enough for a whole worklist's filter and search."""
    c = t.customers
    ids = sorted(set(customer_ids))
    found: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(ids):
        for cid, name, segment in conn.execute(
            select(c.c.customer_id, c.c.name, c.c.segment).where(c.c.customer_id.in_(chunk))
        ):
            found[cid] = (name, segment)
    return found


def latest_grades(conn: Connection, customer_ids: Sequence[str]) -> dict[str, int]:
    """Each customer's latest champion grade (the newest as-of date, then the newest run)."""
    s = t.customer_scores
    grades: dict[str, int] = {}
    for chunk in _chunks(list(customer_ids)):
        for cid, grade in conn.execute(
            select(s.c.customer_id, s.c.grade)
            .where(s.c.customer_id.in_(chunk), s.c.role == "champion")
            .order_by(s.c.customer_id, s.c.as_of, s.c.id)
        ):
            grades[cid] = int(grade)  # the last one read is the latest
    return grades


def customer_context(conn: Connection, customer_ids: Iterable[str], as_of: date) -> dict[str, CustomerContext]:
    """The :class:`CustomerContext` of each of ``customer_ids`` that exists (a few queries, in chunks)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    c, a, i = t.customers, t.credit_accounts, t.invoices
    accounts = {}
    for chunk in _chunks(ids):
        for row in (
            conn.execute(
                select(c.c.name, c.c.segment, *a.c)
                .join(a, a.c.customer_id == c.c.customer_id)
                .where(c.c.customer_id.in_(chunk))
            )
            .mappings()
            .all()
        ):
            accounts[row["customer_id"]] = (row["name"], row["segment"], account_from_row(row))
    overdue: dict[str, int] = {}
    stood: dict[str, Standing] = {}
    for chunk in _chunks(ids):
        overdue.update(
            (cid, int(amount or 0))
            for cid, amount in conn.execute(
                select(i.c.customer_id, func.sum(i.c.open_minor))
                .where(i.c.customer_id.in_(chunk), i.c.open_minor > 0, i.c.due_date < as_of)
                .group_by(i.c.customer_id)
            )
        )
        stood.update(standings(conn, chunk, as_of))
    grades = latest_grades(conn, ids)
    found = {}
    for cid, (name, segment, account) in accounts.items():
        found[cid] = CustomerContext(
            customer_id=cid,
            name=name,
            segment=segment,
            status=account.status.value,
            grade=grades.get(cid),
            limit=account.limit,
            exposure=account.exposure,
            available=account.available,
            overdue=Money.from_minor(overdue.get(cid, 0), account.currency),
            standing=stood[cid],
        )
    return found
