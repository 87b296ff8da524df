"""Portfolio totals in the reporting currency (docs/currencies.md).

Each account currency's total is converted once at the as-of date's rate (the latest rate on or
before it), rounded half-even to the reporting currency's minor unit, then the converted totals
are added. A currency without a rate is never dropped: the totals are then withheld and the
missing rates named, so no figure silently leaves part of the portfolio out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditdesk.domain.fx import MissingRate, Rate, identity
from creditdesk.domain.money import Money

RateLookup = Callable[[str, str, date], Rate]


@dataclass(frozen=True, slots=True)
class InReporting:
    currency: str
    as_of: date
    totals: dict[str, Money] | None  # None: a rate is missing (see ``missing``)
    rates: dict[str, str]  # "USD/CNY" -> the rate used
    missing: list[str]  # one sentence per missing rate, naming the pair and the date

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "as_of": self.as_of.isoformat(),
            "totals": {name: money.to_json() for name, money in self.totals.items()} if self.totals else None,
            "rates": self.rates,
            "missing": self.missing,
        }


def in_reporting_currency(
    per_currency: Mapping[str, Mapping[str, Money]], reporting: str, rate: RateLookup, as_of: date
) -> InReporting:
    """``per_currency``: currency -> figure name -> amount in that currency."""
    sums: dict[str, int] = {}
    rates: dict[str, str] = {}
    missing: list[str] = []
    for currency in sorted(per_currency):
        figures = per_currency[currency]
        try:
            used = identity(reporting, as_of) if currency == reporting else rate(currency, reporting, as_of)
        except MissingRate as error:
            missing.append(str(error))
            continue
        if currency != reporting:
            rates[f"{currency}/{reporting}"] = str(used.rate)
        for name, amount in figures.items():
            assert amount.currency == currency, f"{name}: {amount.currency} among {currency} figures"
            sums[name] = sums.get(name, 0) + used.convert(amount).minor
    totals = None if missing else {name: Money.from_minor(minor, reporting) for name, minor in sums.items()}
    return InReporting(reporting, as_of, totals, rates, missing)


def money_figures(rows: list[dict[str, Any]], names: list[str]) -> dict[str, dict[str, Money]]:
    """Report rows (money as text, a ``currency`` each) summed per currency for ``names``."""
    found: dict[str, dict[str, Money]] = {}
    for row in rows:
        currency = row["currency"]
        figures = found.setdefault(currency, {})
        for name in names:
            if row.get(name) is not None:
                figures[name] = figures.get(name, Money.zero(currency)) + Money.of(str(row[name]), currency)
    return found
