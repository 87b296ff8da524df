"""Exchange rates: the daily rates orders in a foreign currency are converted at."""

from __future__ import annotations

from typing import Any

from creditdesk.adapters.db import tables as t

from .. import fields as f
from ..problems import Code, FieldError
from .base import BuildError, Field, Kind


class FxRates(Kind):
    name = "fx_rates"
    table = t.fx_rates
    key = ("base_currency", "quote_currency", "rate_date")
    fields = (
        Field("base_currency", f.currency, required=True),
        Field("quote_currency", f.currency, required=True),
        Field("rate_date", f.iso_date, required=True),
        Field("rate", f.decimal_amount, required=True),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["base_currency"] == values["quote_currency"]:
            raise BuildError(
                "quote_currency",
                FieldError(Code.OUT_OF_RANGE, f"expected a currency other than {values['base_currency']}"),
            )
        if not values["rate"] > 0:
            raise BuildError("rate", FieldError(Code.OUT_OF_RANGE, f"expected a positive rate, found {values['rate']}"))
        return {**values, "rate": str(values["rate"])}
