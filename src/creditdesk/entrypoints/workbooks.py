"""Workbooks shared by the command line and the API (one sheet layout for each report)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any


def forecast_workbook(documents: list[dict[str, Any]], target: Path | IO[bytes]) -> None:
    import pandas as pd  # a download's cost, not every request's

    """Per currency, the weekly and the daily inflows and, when planned, the funding gap."""
    with pd.ExcelWriter(target, engine="openpyxl") as book:
        for document in documents:
            currency = document["currency"]
            pd.DataFrame(document["rows"]).to_excel(book, sheet_name=f"inflows {currency}", index=False)
            pd.DataFrame(document["days"]).to_excel(book, sheet_name=f"daily {currency}", index=False)
            if "funding" in document:
                pd.DataFrame(document["funding"]["rows"]).to_excel(book, sheet_name=f"funding {currency}", index=False)
        if not documents:
            pd.DataFrame(columns=["week"]).to_excel(book, sheet_name="inflows", index=False)


def flat_what_if(row: dict[str, Any]) -> dict[str, Any]:
    """A working-capital row with its what-if's figures beside the others, prefixed: one line
    or one sheet row."""
    nested = row.get("what_if", {})
    return {**{k: v for k, v in row.items() if k != "what_if"}, **{f"what_if_{k}": v for k, v in nested.items()}}
