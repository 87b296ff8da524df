"""The portfolio's totals in the reporting currency, one way for the dashboard, the reports API
and the CLI (docs/currencies.md)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from creditdesk.domain.money import Money
from creditdesk.service.reporting_currency import InReporting, in_reporting_currency, money_figures

if TYPE_CHECKING:
    from creditdesk.adapters.db.queries import CurrencyTotals
    from creditdesk.bootstrap import Services

#: The report rows' money columns that add up across rows (per currency), by report.
SUMMED = {"aging": None, "ecl": ["provision", "pd_lgd_ead"]}


def _convert(services: Services, figures: dict[str, dict[str, Money]], as_of: date) -> InReporting:
    with services.read_uow() as uow:
        return in_reporting_currency(figures, services.settings.reporting_currency, uow.reference.rate, as_of)


def portfolio_in_reporting(services: Services, totals: list[CurrencyTotals], as_of: date) -> InReporting:
    """The dashboard's totals (per account currency) converted and added."""
    figures: dict[str, dict[str, Money]] = {}
    for c in totals:
        assert c.total_limit is not None and c.receivables is not None and c.overdue is not None
        figures[c.currency] = {
            "total_limit": c.total_limit,
            "exposure": c.exposure,
            "receivables": c.receivables,
            "overdue": c.overdue,
        }
    return _convert(services, figures, as_of)


def utilisation(found: InReporting) -> float | None:
    if not found.totals or found.totals["total_limit"].is_zero():
        return None
    return float(found.totals["exposure"].amount / found.totals["total_limit"].amount)


def report_in_reporting(
    services: Services, name: str, rows: list[dict[str, Any]], as_of: date, by: str | None = None
) -> InReporting | None:
    """A report's money totals in the reporting currency (aging: every bucket, total and overdue;
    ecl: the provision matrix's and PD × LGD × EAD); None for reports of ratios (dso, cei, trends)."""
    if name not in SUMMED or not rows:
        return None
    names = SUMMED[name]
    if names is None:  # the ageing buckets are the money columns of its rows
        names = [key for key, value in rows[0].items() if key not in ("currency", by or "scope") and _is_money(value)]
    return _convert(services, money_figures(rows, names), as_of)


def _is_money(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        Money.of(value, "CNY")
    except ValueError:
        return False
    return True


def reporting_text(found: InReporting, names: list[str]) -> str:
    """One line for the CLI: the named totals in the reporting currency, or the missing rates."""
    if found.totals is None:
        return f"in {found.currency}: no total, {'; '.join(found.missing)}"
    figures = ", ".join(f"{name} {found.totals[name]}" for name in names if name in found.totals)
    rates = "; ".join(f"{pair} {rate}" for pair, rate in found.rates.items())
    return f"in {found.currency} at the rates of {found.as_of}: {figures}" + (f" ({rates})" if rates else "")
