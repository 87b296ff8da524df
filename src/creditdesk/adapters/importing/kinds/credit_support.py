"""Credit support: insurance, guarantees and letters of credit behind an account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from creditdesk.adapters.db import tables as t

from .. import fields as f
from ..problems import Code, FieldError
from .base import BuildError, Field, ImportState, Kind, RowIssue, customer_issues, minor_of

SUPPORT_KINDS = ("insurance", "guarantee", "letter_of_credit")


class CreditSupport(Kind):
    """Credit insurance (the insurer's buyer limit and the share of a loss it bears), guarantees
    and letters of credit: what lets a limit go beyond the customer's own standing."""

    name = "credit_support"
    table = t.credit_support
    key = ("support_id",)
    fields = (
        Field("support_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("kind", f.bounded_text(24), required=True),
        Field("provider", f.identifier, required=True),
        Field("amount", f.decimal_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("valid_from", f.iso_date, required=True),
        Field("valid_to", f.iso_date),
        Field("cover_share", f.decimal_amount),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        kind = values["kind"]
        if kind not in SUPPORT_KINDS:
            raise BuildError(
                "kind", FieldError(Code.OUT_OF_RANGE, f"expected one of {', '.join(SUPPORT_KINDS)}, found {kind!r}")
            )
        share = values.get("cover_share")
        if kind == "insurance" and share is None:
            raise BuildError(
                "cover_share", FieldError(Code.MISSING_VALUE, "expected the share of a loss the insurer bears")
            )
        if share is not None and not 0 <= share <= 1:
            raise BuildError("cover_share", FieldError(Code.OUT_OF_RANGE, f"expected 0 to 1, found {share}"))
        valid_to = values.get("valid_to")
        if valid_to is not None and valid_to < values["valid_from"]:
            raise BuildError(
                "valid_to", FieldError(Code.OUT_OF_RANGE, f"expected a date on or after {values['valid_from']}")
            )
        return {
            "support_id": values["support_id"],
            "customer_id": values["customer_id"],
            "kind": kind,
            "provider": values["provider"],
            "amount_minor": minor_of(values, "amount", values["currency"], non_negative=True),
            "currency": values["currency"],
            "cover_share": None if share is None else str(share),
            "valid_from": values["valid_from"],
            "valid_to": valid_to,
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        return customer_issues(conn, rows, state)
