"""Financial statements: the customers' own figures, in minor units."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from creditdesk.adapters.db import tables as t

from .. import fields as f
from .base import Field, ImportState, Kind, RowIssue, customer_issues, minor_of

_STATEMENT_REQUIRED = t.STATEMENT_REQUIRED_MONEY
_STATEMENT_OPTIONAL = t.STATEMENT_OPTIONAL_MONEY


class Financials(Kind):
    name = "financials"
    table = t.financial_statements
    key = ("customer_id", "period_end")
    fields = (
        Field("customer_id", f.identifier, required=True),
        Field("period_end", f.iso_date, required=True),
        Field("currency", f.currency, required=True),
        *(Field(name, f.decimal_amount, required=True) for name in _STATEMENT_REQUIRED),
        *(Field(name, f.decimal_amount) for name in _STATEMENT_OPTIONAL),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "customer_id": values["customer_id"],
            "period_end": values["period_end"],
            "currency": values["currency"],
        }
        for name in (*_STATEMENT_REQUIRED, *_STATEMENT_OPTIONAL):
            row[f"{name}_minor"] = minor_of(
                values,
                name,
                values["currency"],
                non_negative=name in ("total_assets", "current_assets", "cash", "inventory"),
            )
        return row

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        # Statements may be kept in another currency than the credit account.
        return customer_issues(conn, rows, state, currency_must_match=False)
