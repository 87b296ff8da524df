"""Company codes and credit segments on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, func, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.company_codes import CompanyCode, CreditSegment
from creditdesk.domain.ledger import Totals
from creditdesk.domain.money import Money


class SqlSegments:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add_company_code(self, company: CompanyCode, at: datetime) -> None:
        self._c.execute(
            insert(t.company_codes),
            {
                "code": company.code,
                "name": company.name,
                "currency": company.currency,
                "country": company.country,
                "created_at": at,
            },
        )

    def company_codes(self) -> list[CompanyCode]:
        rows = self._c.execute(select(t.company_codes).order_by(t.company_codes.c.code)).mappings()
        return [CompanyCode(r["code"], r["name"], r["currency"], r["country"]) for r in rows]

    def open_segment_account(self, customer_id: str, company_code: str, currency: str, limit: int) -> None:
        self._c.execute(
            insert(t.segment_accounts),
            {"customer_id": customer_id, "company_code": company_code, "currency": currency, "limit_minor": limit},
        )

    def set_segment_limit(self, customer_id: str, company_code: str, limit: int) -> None:
        s = t.segment_accounts
        self._c.execute(
            update(s).where(s.c.customer_id == customer_id, s.c.company_code == company_code).values(limit_minor=limit)
        )

    def segments_of(self, customer_id: str) -> list[CreditSegment]:
        s = t.segment_accounts
        rows = self._c.execute(select(s).where(s.c.customer_id == customer_id).order_by(s.c.company_code)).mappings()
        return [
            CreditSegment(
                customer_id,
                r["company_code"],
                Money.from_minor(r["limit_minor"], r["currency"]),
                Totals(r["receivable_minor"], r["reserved_minor"], r["delivered_minor"], r["unapplied_minor"]),
            )
            for r in rows
        ]

    def document_totals(self, customer_id: str, company_code: str) -> Totals:
        return segment_document_totals(self._c, customer_id, company_code)


def segment_document_totals(conn: Connection, customer_id: str, company_code: str) -> Totals:
    """What the company code's documents of the customer carry, in the account currency."""

    def total(table: Table, column: str) -> int:
        query = select(func.coalesce(func.sum(table.c[column]), 0)).where(
            table.c.customer_id == customer_id, table.c.company_code == company_code
        )
        return int(conn.execute(query).scalar_one())

    return Totals(
        receivable=total(t.invoices, "open_minor"),
        reserved=total(t.orders, "reserved_minor"),
        delivered=total(t.orders, "delivered_minor"),
        unapplied=total(t.payments, "unapplied_minor"),
    )
