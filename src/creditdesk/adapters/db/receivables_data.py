"""The ledger as frames for receivables analytics: invoices, what was applied to them, and each
customer's segment and grade (its latest champion score on the as-of date)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, case, exists, func, or_, select, true

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.engine import reading
from creditdesk.adapters.db.queries import frame_of
from creditdesk.domain.documents import SettlementKind
from creditdesk.service.errors import TooLarge
from creditdesk.service.receivables import LedgerFrames

_INVOICE_COLUMNS = [
    "invoice_id",
    "customer_id",
    "currency",
    "invoice_date",
    "due_date",
    "amount_minor",
    "disputed",
    "disputed_minor",
    "has_cases",
]


def carried_amount() -> ColumnElement[int]:
    """An invoice issued in another currency counts at its carried value: what it is open for
    now plus everything applied to it, so that after a month-end revaluation (which moves
    ``open_minor``) a settled invoice closes at 0 (docs/currencies.md)."""
    i, a = t.invoices, t.payment_allocations
    applied = (
        select(func.coalesce(func.sum(a.c.amount_minor), 0)).where(a.c.invoice_id == i.c.invoice_id).scalar_subquery()
    )
    return case((i.c.doc_currency.is_(None), i.c.amount_minor), else_=i.c.open_minor + applied).label("amount_minor")


def _disputed_on(as_of: date) -> ColumnElement[int]:
    """What of an invoice was under dispute cases open on ``as_of`` (opened by then, not resolved
    by then): point in time, so a dunning run for a past day sees the disputes of that day."""
    i, d = t.invoices, t.disputes
    return (
        select(func.coalesce(func.sum(d.c.amount_minor), 0))
        .where(
            d.c.invoice_id == i.c.invoice_id,
            d.c.opened_on <= as_of,
            or_(d.c.resolved_on.is_(None), d.c.resolved_on > as_of),
        )
        .scalar_subquery()
        .label("disputed_minor")
    )


def adjustments_query() -> Any:
    """The credit notes and write-offs as issued."""
    p = t.payments
    return select(p.c.customer_id, p.c.currency, p.c.payment_date, p.c.amount_minor, p.c.kind).where(
        p.c.kind != SettlementKind.PAYMENT.value
    )


def cover_query(as_of: date) -> Any:
    """The credit support that began by ``as_of`` (the ECL keeps what is valid on the day)."""
    cs = t.credit_support
    return select(
        cs.c.customer_id, cs.c.kind, cs.c.amount_minor, cs.c.currency, cs.c.cover_share, cs.c.valid_from, cs.c.valid_to
    ).where(cs.c.valid_from <= as_of)


def revalued_query() -> Any:
    """The invoices issued in another currency than their account's, at their carried value."""
    i = t.invoices
    return select(i.c.invoice_id, i.c.customer_id, carried_amount()).where(i.c.doc_currency.is_not(None))


class SqlReceivables:
    """``most_invoices``: the most a report computed in one process may read (settings'
    ``in_process_invoices``); a larger ledger is refused before it is read."""

    def __init__(self, engine: Engine, most_invoices: int | None = None) -> None:
        self.engine = engine
        self.most_invoices = most_invoices

    def frames(self, as_of: date, company_code: str | None = None) -> LedgerFrames:
        """The ledger's documents; with ``company_code``, only those of that selling entity."""
        i, a, c, s, k = t.invoices, t.payment_allocations, t.customers, t.customer_scores, t.credit_accounts
        p = t.payments
        in_invoices = (i.c.company_code == company_code) if company_code is not None else true()
        in_payments = (p.c.company_code == company_code) if company_code is not None else true()
        with reading(self.engine) as conn:
            self._refuse_beyond_the_bound(conn, in_invoices)
            invoices = frame_of(
                conn,
                select(
                    i.c.invoice_id,
                    i.c.customer_id,
                    i.c.currency,
                    i.c.invoice_date,
                    i.c.due_date,
                    carried_amount(),  # amount_minor; a foreign invoice's as revalued (docs/currencies.md)
                    i.c.disputed,
                    _disputed_on(as_of),  # disputed_minor: the cases open on the day (service/disputes.py)
                    exists().where(t.disputes.c.invoice_id == i.c.invoice_id).label("has_cases"),
                ).where(in_invoices),
            )
            allocations = frame_of(
                conn,
                select(a.c.invoice_id, a.c.applied_on, a.c.amount_minor, p.c.kind)
                .join(p, p.c.payment_id == a.c.payment_id)
                .join(i, i.c.invoice_id == a.c.invoice_id)
                .where(in_invoices),
            )
            adjustments = frame_of(conn, adjustments_query().where(in_payments))
            cover = frame_of(conn, cover_query(as_of))
            customers = frame_of(
                conn,
                select(c.c.customer_id, c.c.segment, k.c.limit_minor).select_from(
                    c.outerjoin(k, k.c.customer_id == c.c.customer_id)
                ),
            )
            scores = frame_of(
                conn,
                select(s.c.customer_id, s.c.as_of, s.c.id, s.c.grade, s.c.pd).where(
                    s.c.role == "champion", s.c.as_of <= as_of
                ),
            )
        if invoices.empty:
            invoices = pd.DataFrame(columns=_INVOICE_COLUMNS)
        if allocations.empty:
            allocations = pd.DataFrame(columns=["invoice_id", "applied_on", "amount_minor", "kind"])
        if adjustments.empty:
            adjustments = pd.DataFrame(columns=["customer_id", "currency", "payment_date", "amount_minor", "kind"])
        adjustments = adjustments.astype({"amount_minor": "int64"}).assign(
            payment_date=pd.to_datetime(adjustments["payment_date"])
        )
        invoices = invoices.astype({"amount_minor": "int64", "disputed_minor": "int64", "has_cases": bool}).assign(
            invoice_date=pd.to_datetime(invoices["invoice_date"]), due_date=pd.to_datetime(invoices["due_date"])
        )
        allocations = allocations.astype({"amount_minor": "int64"}).assign(
            applied_on=pd.to_datetime(allocations["applied_on"])
        )
        grade, risk = pd.Series(dtype=object), pd.Series(dtype=float)
        if not scores.empty:
            latest = scores.sort_values(["customer_id", "as_of", "id"]).groupby("customer_id").tail(1)
            grade = latest.set_index("customer_id")["grade"].astype(int).astype(str)
            risk = latest.set_index("customer_id")["pd"].astype(float)
        customers = customers.assign(grade=customers["customer_id"].map(grade), pd=customers["customer_id"].map(risk))
        return LedgerFrames(invoices, allocations, customers, adjustments, cover if not cover.empty else None)

    def statements(self, as_of: date) -> pd.DataFrame:
        """Each customer's latest financial statement with a period end on or before ``as_of``:
        customer_id, period_end, currency and revenue, receivables, inventory, payables in minor
        units (the last three may be missing)."""
        f = t.financial_statements
        columns = ["revenue_minor", "receivables_minor", "inventory_minor", "payables_minor"]
        with reading(self.engine) as conn:
            found = frame_of(
                conn,
                select(f.c.customer_id, f.c.period_end, f.c.currency, *[f.c[name] for name in columns]).where(
                    f.c.period_end <= as_of
                ),
            )
        if found.empty:
            return pd.DataFrame(columns=["customer_id", "period_end", "currency", *columns])
        from creditdesk.service.working_capital import latest_statements

        return latest_statements(found)

    def _refuse_beyond_the_bound(self, conn: Connection, in_invoices: ColumnElement[bool]) -> None:
        """Counted up to one past the bound (a bounded read, not a count of tens of millions)."""
        if self.most_invoices is None:
            return
        first = select(t.invoices.c.invoice_id).where(in_invoices).limit(self.most_invoices + 1).subquery()
        if conn.execute(select(func.count()).select_from(first)).scalar_one() > self.most_invoices:
            raise TooLarge(
                f"the ledger holds more than {self.most_invoices:,} invoices, the most a report computed in one "
                "process reads (CREDITDESK_IN_PROCESS_INVOICES); the nightly batch computes the receivables "
                "reports of a larger book (CREDITDESK_BATCH_ENGINE=local, docs/scale.md)",
                code="ledger_too_large",
                values={"most": f"{self.most_invoices:,}"},
            )
