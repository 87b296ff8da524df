"""Bureau reports: scores, ratings and recommended limits from the credit bureaus."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from creditdesk.adapters.db import tables as t

from .. import fields as f
from ..problems import Code, FieldError
from .base import BuildError, Field, ImportState, Kind, RowIssue, customer_issues, minor_of


class Bureau(Kind):
    name = "bureau"
    table = t.bureau_reports
    key = ("customer_id", "provider", "report_date")
    fields = (
        Field("customer_id", f.identifier, required=True),
        Field("provider", f.identifier, required=True),
        Field("report_date", f.iso_date, required=True),
        Field("score", f.integer, required=True),
        Field("rating", f.bounded_text(16)),
        Field("pd", f.number),
        Field("recommended_limit", f.decimal_amount),
        Field("currency", f.currency),
        Field("events", f.event_list),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        pd = values.get("pd")
        if pd is not None and not 0.0 <= pd <= 1.0:
            raise BuildError("pd", FieldError(Code.OUT_OF_RANGE, f"expected a probability from 0 to 1, found {pd}"))
        return {
            "customer_id": values["customer_id"],
            "provider": values["provider"],
            "report_date": values["report_date"],
            "score": values["score"],
            "rating": values.get("rating") or None,
            "pd": pd,
            "recommended_limit_minor": minor_of(values, "recommended_limit", values.get("currency"), non_negative=True),
            "currency": values.get("currency"),
            "events": values.get("events") or None,
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        return customer_issues(conn, rows, state, currency_must_match=False)
