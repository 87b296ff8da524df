"""Planned cash outflows from a CSV file: ``date,amount`` [``currency``], one row a payment.

Every bad cell is reported with its line and column, as the importers do; nothing is returned
unless the whole file reads cleanly.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from creditdesk.adapters.importing.fields import currency, decimal_amount, iso_date
from creditdesk.adapters.importing.problems import Code, FieldError, Problem

REQUIRED = ("date", "amount")
PARSERS = {"date": iso_date, "amount": decimal_amount, "currency": currency}


class OutflowsError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the outflows file")
        self.problems = problems


def read_outflows(path: Path, only_currency: str | None = None) -> dict[date, Decimal]:
    """The outflows summed per day: with ``only_currency``, the rows in it (rows without a
    currency count as in it)."""
    name = str(path)
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as error:
        raise OutflowsError([Problem(name, 1, 1, Code.BAD_FILE, str(error))]) from None
    header = [cell.strip() for cell in rows[0]] if rows else []
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        found = ",".join(header) or "nothing"
        raise OutflowsError(
            [Problem(name, 1, 1, Code.MISSING_COLUMN, f"expected the header date,amount[,currency]; found {found}")]
        )
    where = {column: header.index(column) for column in PARSERS if column in header}
    problems: list[Problem] = []
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):  # "1,000" unquoted: a thousands separator split the amount
            message = f"expected {len(header)} columns as in the header, found {len(row)}"
            problems.append(Problem(name, line, len(header) + 1, Code.BAD_ROW, message))
            continue
        values: dict[str, Any] = {}
        for column, index in where.items():
            try:
                values[column] = PARSERS[column](row[index] if index < len(row) else "")
            except FieldError as error:
                problems.append(Problem(name, line, index + 1, error.code, error.message))
        if len(values) == len(where) and (
            only_currency is None or values.get("currency", only_currency) == only_currency
        ):
            totals[values["date"]] += values["amount"]
    if problems:
        raise OutflowsError(problems)
    return dict(totals)
