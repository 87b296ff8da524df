"""Read models for pages and reports: plain figures, computed in the database where it is cheap."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, func, or_, select, true

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.cover_store import claims_missing_condition, expiring_condition
from creditdesk.adapters.db.repositories import account_from_row, customer_from_row
from creditdesk.domain.accounts import AccountStatus, CreditAccount
from creditdesk.domain.customers import Customer
from creditdesk.domain.limit_requests import RequestStatus
from creditdesk.domain.money import Money
from creditdesk.domain.orders import HELD

if TYPE_CHECKING:
    import pandas as pd


def frame_of(conn: Connection, query: Any) -> pd.DataFrame:
    """A query's rows as a table (plain tuples: pandas probes SQLAlchemy rows slowly, key by key)."""
    import pandas as pd  # only the reports need it; pages and checks read plain rows

    result = conn.execute(query)
    return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))


# Default ageing buckets: (label, first day overdue, last day overdue or None).
AGEING_BUCKETS: list[tuple[str, int | None, int | None]] = [
    ("current", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("180+", 181, None),
]


def bucket_of(days_overdue: int) -> str:
    for label, low, high in AGEING_BUCKETS:
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return label
    raise AssertionError("buckets cover every day")  # pragma: no cover


@dataclass
class CurrencyTotals:
    currency: str
    customers: int = 0
    total_limit: Money | None = None
    receivables: Money | None = None
    reserved: Money | None = None
    overdue: Money | None = None
    ageing: dict[str, Money] = field(default_factory=dict)

    @property
    def exposure(self) -> Money:
        assert self.receivables is not None and self.reserved is not None
        return self.receivables + self.reserved

    @property
    def utilisation(self) -> float | None:
        assert self.total_limit is not None
        if self.total_limit.is_zero():
            return None
        return float(self.exposure.amount / self.total_limit.amount)


def portfolio_totals(conn: Connection, as_of: date, company_code: str | None = None) -> list[CurrencyTotals]:
    """Totals per account currency: limits, exposure, utilisation, overdue and ageing; with
    ``company_code``, the credit segments in that company code and its invoices."""
    acc: Any = t.credit_accounts if company_code is None else t.segment_accounts
    in_code = acc.c.company_code == company_code if company_code is not None else true()
    totals: dict[str, CurrencyTotals] = {}
    for ccy, count, limit, receivable, reserved in conn.execute(
        select(
            acc.c.currency,
            func.count(),
            func.sum(acc.c.limit_minor),
            func.sum(acc.c.receivable_minor),
            # Orders not yet invoiced: reserved plus delivered-not-invoiced.
            func.sum(acc.c.reserved_minor + acc.c.delivered_minor),
        )
        .where(in_code)
        .group_by(acc.c.currency)
        .order_by(acc.c.currency)
    ):
        totals[ccy] = CurrencyTotals(
            ccy,
            int(count),
            Money.from_minor(int(limit or 0), ccy),
            Money.from_minor(int(receivable or 0), ccy),
            Money.from_minor(int(reserved or 0), ccy),
            Money.zero(ccy),
            {label: Money.zero(ccy) for label, _, _ in AGEING_BUCKETS},
        )
    inv = t.invoices
    invoices_in_code = inv.c.company_code == company_code if company_code is not None else true()
    for ccy, due, open_minor in conn.execute(
        select(inv.c.currency, inv.c.due_date, func.sum(inv.c.open_minor))
        .where(inv.c.open_minor > 0, invoices_in_code)
        .group_by(inv.c.currency, inv.c.due_date)
    ):
        entry = totals.get(ccy)
        if entry is None:
            continue
        amount = Money.from_minor(int(open_minor), ccy)
        days = (as_of - due).days
        entry.ageing[bucket_of(days)] = entry.ageing[bucket_of(days)] + amount
        if days > 0:
            assert entry.overdue is not None
            entry.overdue = entry.overdue + amount
    return list(totals.values())


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    account: CreditAccount
    overdue: Money


def alert_conditions(as_of: date) -> dict[str, Any]:
    """The accounts that need attention, by kind: one condition each, for the dashboard's counts
    and the customer list filtered to them."""
    acc = t.credit_accounts
    exposure = acc.c.receivable_minor + acc.c.reserved_minor + acc.c.delivered_minor
    return {
        "over_limit": exposure > acc.c.limit_minor,
        "on_hold": acc.c.status == AccountStatus.ON_HOLD.value,
        "blocked": acc.c.status == AccountStatus.BLOCKED.value,
        "in_default": acc.c.in_default_since.is_not(None),
        "reviews_due": acc.c.next_review_on <= as_of,
        "limits_expiring": acc.c.limit_valid_to.between(as_of, as_of + timedelta(days=30)),
        # Cover (service/cover.py): expiring within 30 days or lapsed, not renewed, with exposure;
        # defaulted insured customers without a claim.
        "cover_expiring": expiring_condition(as_of),
        "claims_missing": claims_missing_condition(),
    }


def customer_page(
    conn: Connection,
    as_of: date,
    *,
    search: str = "",
    alert: str | None = None,
    offset: int = 0,
    limit: int = 50,
    sort: str = "exposure",
    company_code: str | None = None,
    descending: bool = True,
    segment: str | None = None,
    status: str | None = None,
    grade: int | None = None,
) -> tuple[int, list[CustomerRow]]:
    """One page of customers with their account and overdue amount, largest exposure first;
    ``alert``: only the accounts of one of :func:`alert_conditions`; ``company_code``: only the
    customers with a credit segment in it; ``sort`` (exposure, limit, available, name or id) in
    either direction; ``segment``, ``status`` (the account's), ``grade`` (the latest champion's)."""
    cust, acc, inv = t.customers, t.credit_accounts, t.invoices
    where: list[ColumnElement[bool]] = []
    if company_code is not None:
        seg = t.segment_accounts
        where.append(cust.c.customer_id.in_(select(seg.c.customer_id).where(seg.c.company_code == company_code)))
    if search:
        # autoescape: a % or _ in the search is that character, not a wildcard
        where.append(
            or_(cust.c.customer_id.icontains(search, autoescape=True), cust.c.name.icontains(search, autoescape=True))
        )
    if alert is not None:
        where.append(alert_conditions(as_of)[alert])
    if segment is not None:
        where.append(cust.c.segment == segment)
    if status is not None:
        where.append(acc.c.status == status)
    if grade is not None:
        s, latest = t.customer_scores, latest_scores()
        where.append(
            cust.c.customer_id.in_(
                select(latest.c.customer_id).join(s, s.c.id == latest.c.id).where(s.c.grade == grade)
            )
        )
    joined = cust.join(acc, acc.c.customer_id == cust.c.customer_id)
    # Every account has its customer (a foreign key): unfiltered, the accounts alone are counted.
    counted = select(func.count()).select_from(joined).where(*where) if where else select(func.count()).select_from(acc)
    total = int(conn.execute(counted).scalar_one())
    exposure = t.EXPOSURE  # indexed: the first page, largest exposure first, is read from the index
    column = {
        "exposure": exposure,
        "limit": acc.c.limit_minor,
        "available": acc.c.limit_minor - exposure,
        "name": cust.c.name,
        "id": cust.c.customer_id,
    }.get(sort, exposure)
    order = column.desc() if descending else column.asc()
    rows = (
        conn.execute(
            select(*_CUSTOMER_COLUMNS, *[c for c in acc.c if c.name not in {"customer_id", "currency"}])
            .join(acc, acc.c.customer_id == cust.c.customer_id)
            .where(*where)
            .order_by(order, cust.c.customer_id)
            .offset(offset)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    ids = [row["customer_id"] for row in rows]
    overdue: dict[str, int] = {}
    if ids:
        overdue = dict(
            conn.execute(
                select(inv.c.customer_id, func.sum(inv.c.open_minor))
                .where(inv.c.customer_id.in_(ids), inv.c.open_minor > 0, inv.c.due_date < as_of)
                .group_by(inv.c.customer_id)
            ).all()
        )
    result = []
    for row in rows:
        customer = customer_from_row(row)
        account = account_from_row(row)
        result.append(
            CustomerRow(
                customer, account, Money.from_minor(int(overdue.get(customer.customer_id, 0)), customer.currency)
            )
        )
    return total, result


@dataclass(frozen=True)
class OpenItemView:
    invoice_id: str
    invoice_date: date
    due_date: date
    amount: Money
    open_amount: Money
    days_overdue: int
    bucket: str
    disputed: bool
    # Issued in another currency: what is open in it, and the rate it was booked at (docs/currencies.md).
    doc_open: Money | None = None
    fx_rate: str | None = None


def open_items(conn: Connection, customer_id: str, as_of: date, limit: int = 500) -> list[OpenItemView]:
    inv = t.invoices
    rows = conn.execute(
        select(inv)
        .where(inv.c.customer_id == customer_id, inv.c.open_minor > 0)
        .order_by(inv.c.due_date, inv.c.invoice_id)
        .limit(limit)
    ).mappings()
    items = []
    for row in rows:
        ccy = row["currency"]
        days = max(0, (as_of - row["due_date"]).days)
        items.append(
            OpenItemView(
                row["invoice_id"],
                row["invoice_date"],
                row["due_date"],
                Money.from_minor(row["amount_minor"], ccy),
                Money.from_minor(row["open_minor"], ccy),
                days,
                bucket_of((as_of - row["due_date"]).days),
                bool(row["disputed"]),
                Money.from_minor(row["doc_open_minor"], row["doc_currency"]) if row["doc_currency"] else None,
                row["fx_rate"],
            )
        )
    return items


# customers.status (active/inactive/merged) is not the account's status: rows joined with the
# account take the account's ``status``; the customer's is read by service/master_data.py.
_CUSTOMER_COLUMNS = [c for c in t.customers.c if c.name not in ("status", "merged_into")]


def customer_account(conn: Connection, customer_id: str, today: date) -> tuple[Customer, CreditAccount] | None:
    """The customer and its account, with a temporary limit that ended before ``today`` lapsed."""
    cust, acc = t.customers, t.credit_accounts
    row = (
        conn.execute(
            select(*_CUSTOMER_COLUMNS, *[c for c in acc.c if c.name not in ("customer_id", "currency")])
            .join(acc, acc.c.customer_id == cust.c.customer_id)
            .where(cust.c.customer_id == customer_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    account = account_from_row(row)
    base, valid_to = row["base_limit_minor"], row["limit_valid_to"]
    if base is not None and valid_to is not None and valid_to < today:
        account = replace(account, limit=Money.from_minor(base, account.currency), limit_valid_to=None)
    return customer_from_row(row), account


def table_counts(conn: Connection) -> dict[str, Any]:
    return {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in (
            ("customers", t.customers),
            ("invoices", t.invoices),
            ("orders", t.orders),
            ("payments", t.payments),
            ("limits_set", t.limit_changes),
        )
    }


def worklist_counts(conn: Connection) -> dict[str, int]:
    """The counts in the navigation: orders held by the rules or waiting for a second approver,
    and limit requests waiting for a decision."""
    o, r = t.orders, t.limit_requests
    held = sorted(s.value for s in HELD)
    pending = RequestStatus.PENDING.value
    return {
        "orders": int(conn.execute(select(func.count()).where(o.c.status.in_(held))).scalar_one()),
        "limit_requests": int(conn.execute(select(func.count()).where(r.c.status == pending)).scalar_one()),
    }


@dataclass(frozen=True)
class Share:
    """One line of a breakdown: a label, how many customers, their exposure and its share."""

    label: str
    customers: int
    exposure: Money
    share: float


@dataclass(frozen=True)
class Dashboard:
    """The portfolio at a glance in one currency: grades, concentration and what needs attention."""

    currency: str
    grades: list[Share]
    industries: list[Share]
    countries: list[Share]
    groups: list[Share]
    alerts: dict[str, int]


def _shares(
    rows: list[tuple[Any, int, int]], currency: str, top: int | None = None, *, labelled_only: bool = False
) -> list[Share]:
    """``labelled_only``: leave out the row without a label (customers in no group are no
    concentration), its exposure still counted in the shares' total."""
    total = sum(int(exposure or 0) for _, _, exposure in rows)
    shown = [row for row in rows if row[0] is not None] if labelled_only else rows
    ordered = sorted(shown, key=lambda row: -int(row[2] or 0))[:top] if top else shown
    return [
        Share(
            str(label) if label is not None else "—",
            int(count),
            Money.from_minor(int(exposure or 0), currency),
            int(exposure or 0) / total if total else 0.0,
        )
        for label, count, exposure in ordered
    ]


def latest_scores(before: date | None = None) -> Any:
    """Each customer's latest champion score (customer_id, id): the newest as-of date, then the
    newest run of it; with ``before``, the latest one dated on or before it."""
    s = t.customer_scores
    newest = (
        func.row_number().over(partition_by=s.c.customer_id, order_by=(s.c.as_of.desc(), s.c.id.desc())).label("rank")
    )
    where = [s.c.role == "champion", *([s.c.as_of <= before] if before else [])]
    ranked = select(s.c.customer_id, s.c.id, newest).where(*where).subquery()
    return select(ranked.c.customer_id, ranked.c.id).where(ranked.c.rank == 1).subquery()


@dataclass(frozen=True)
class Migration:
    """How the customers' grades moved from one scoring date to the latest: counts[from][to]."""

    since: date
    until: date
    counts: dict[int, dict[int, int]]

    @property
    def grades(self) -> list[int]:
        return sorted({g for row in self.counts.values() for g in row} | set(self.counts))

    def share(self, moved: str) -> float:
        """The share of customers whose grade went ``up`` (riskier), ``down`` or stayed (``same``)."""
        pairs = [(b - a, n) for a, row in self.counts.items() for b, n in row.items()]
        total = sum(n for _, n in pairs)
        sign = {"up": 1, "down": -1, "same": 0}[moved]
        return sum(n for step, n in pairs if (step > 0) - (step < 0) == sign) / total if total else 0.0


def grade_migration(conn: Connection, gap_days: int = 60) -> Migration | None:
    """The grades of the customers scored on the latest scoring date against their grades on the
    latest scoring date at least ``gap_days`` before it (None until there are two such dates); of
    two runs on one day, the later counts."""
    s = t.customer_scores
    until = conn.execute(select(func.max(s.c.as_of)).where(s.c.role == "champion")).scalar()
    if until is None:
        return None
    since = conn.execute(
        select(func.max(s.c.as_of)).where(s.c.role == "champion", s.c.as_of <= until - timedelta(days=gap_days))
    ).scalar()
    if since is None:
        return None
    # Two days' scores read in id order (a few rows a customer) beat a window over the whole history.
    grades: dict[date, dict[str, int]] = {since: {}, until: {}}
    query = (
        select(s.c.as_of, s.c.customer_id, s.c.grade)
        .where(s.c.role == "champion", s.c.as_of.in_([since, until]))
        .order_by(s.c.id)
    )
    for day, customer_id, grade in conn.execute(query):
        grades[day][customer_id] = int(grade)
    counts: dict[int, dict[int, int]] = {}
    for customer_id, after in grades[until].items():
        before = grades[since].get(customer_id)
        if before is not None:
            row = counts.setdefault(before, {})
            row[after] = row.get(after, 0) + 1
    return Migration(since, until, counts)


def dashboard(conn: Connection, currency: str, as_of: date, top: int = 8) -> Dashboard:
    acc, c, s = t.credit_accounts, t.customers, t.customer_scores
    exposure = acc.c.receivable_minor + acc.c.reserved_minor + acc.c.delivered_minor
    latest = latest_scores()
    graded = (
        select(s.c.grade, func.count(), func.sum(exposure))
        .select_from(acc.join(latest, latest.c.customer_id == acc.c.customer_id).join(s, s.c.id == latest.c.id))
        .where(acc.c.currency == currency)
        .group_by(s.c.grade)
        .order_by(s.c.grade)
    )
    by_account = acc.join(c, c.c.customer_id == acc.c.customer_id)

    def breakdown(column: Any) -> list[tuple[Any, int, int]]:
        query = (
            select(column, func.count(), func.sum(exposure))
            .select_from(by_account)
            .where(acc.c.currency == currency)
            .group_by(column)
        )
        return [tuple(row) for row in conn.execute(query)]

    def count(condition: Any) -> int:
        # Customers, not money: every account counts, whatever its currency (as the filtered list).
        return int(conn.execute(select(func.count()).select_from(acc).where(condition)).scalar_one())

    alerts = {name: count(condition) for name, condition in alert_conditions(as_of).items()}
    alerts.update(worklist_counts(conn))
    return Dashboard(
        currency,
        _shares([tuple(row) for row in conn.execute(graded)], currency),
        _shares(breakdown(c.c.industry), currency, top),
        _shares(breakdown(c.c.country), currency, top),
        _shares(breakdown(c.c.group_id), currency, top, labelled_only=True),
        alerts,
    )


@dataclass(frozen=True)
class OrderLine:
    order_id: str
    order_date: date
    amount: Money
    status: str
    reasons: list[dict[str, Any]]


def recent_orders(conn: Connection, customer_id: str, limit: int = 20) -> list[OrderLine]:
    """The customer's latest orders with the check's reasons (none when it was approved)."""
    o = t.orders
    query = (
        select(o.c.order_id, o.c.order_date, o.c.amount_minor, o.c.currency, o.c.status, o.c.decision)
        .where(o.c.customer_id == customer_id)
        .order_by(o.c.order_date.desc(), o.c.order_id.desc())
        .limit(limit)
    )
    lines = []
    for order_id, order_date, amount, currency, status, decision in conn.execute(query):
        reasons = json.loads(decision).get("reasons", []) if decision else []
        lines.append(OrderLine(order_id, order_date, Money.from_minor(int(amount), currency), status, reasons))
    return lines


@dataclass(frozen=True)
class PolicyVersion:
    version: int
    name: str
    sha256: str
    activated_at: Any
    activated_by: str
    body: str


def policy_versions(conn: Connection) -> list[PolicyVersion]:
    """Every check policy ever activated, the active one (the highest version) first."""
    p = t.check_policies
    query = select(p.c.version, p.c.name, p.c.sha256, p.c.activated_at, p.c.activated_by, p.c.body)
    return [PolicyVersion(*row) for row in conn.execute(query.order_by(p.c.version.desc()))]


def users_and_tokens(conn: Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The web users (never their password hashes) and the API tokens (never the tokens)."""
    u, k = t.users, t.api_tokens
    users = conn.execute(
        select(
            u.c.username,
            u.c.role,
            u.c.language,
            u.c.created_at,
            u.c.kind,
            u.c.disabled_at,
            u.c.email,
            u.c.notify,
            u.c.company_codes,
        ).order_by(u.c.username)
    )
    tokens = conn.execute(
        select(k.c.id, k.c.name, k.c.username, k.c.role, k.c.created_at, k.c.revoked_at).order_by(k.c.created_at.desc())
    )
    people = [
        {**row, "company_codes": json.loads(row["company_codes"]) if row["company_codes"] is not None else None}
        for row in users.mappings()
    ]
    return people, [dict(row) for row in tokens.mappings()]
