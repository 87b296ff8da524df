"""Working capital: the company's requirement and cash conversion cycle, a what-if of a change of
limits or payment terms, and each customer's own working capital from its statements.

The company's:
- WCR = trade receivables (the ledger) + inventory − payables (entered figures);
- DSO from the ledger (receivables / credit sales × days of the period); DIO = inventory / cost of
  sales a year × 365; DPO = payables / cost of sales a year × 365; CCC = DSO + DIO − DPO;
- financing cost = WCR × the cost of capital (a year).

The what-if keeps how late customers pay against their due dates, so new terms move DSO by the
change of days; a change of limits moves the sales of the customers the limit holds back (open
receivables at 80 % of the limit or more) in proportion. Receivables follow as sales a day × DSO.

A customer's own, from its latest statement on the as-of date (revenue stands in for its cost of
sales, which statements do not carry): DSO, DIO, DPO, CCC and WCR: how long its cash is tied up,
and so how much trade credit it leans on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pandas as pd

from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.service.errors import InvalidInput
from creditdesk.service.groupings import GROUPINGS
from creditdesk.service.receivables import LedgerFrames, dso, items_on

DAYS_A_YEAR = Decimal(365)
CONSTRAINED_AT = Decimal("0.8")


@dataclass(frozen=True, slots=True)
class CompanyFigures:
    """The company's own figures, in ``currency`` (default: the one with the most receivables)."""

    inventory: Decimal = Decimal(0)
    payables: Decimal = Decimal(0)
    cost_of_sales_a_year: Decimal | None = None
    cost_of_capital: Decimal = Decimal("0.08")
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class WhatIf:
    terms_change_days: int = 0
    limit_change: Decimal = Decimal(0)  # a share: 0.10 for limits 10 % higher

    def __bool__(self) -> bool:
        return bool(self.terms_change_days or self.limit_change)


def _q(value: Decimal, currency: str) -> str:
    return str(value.quantize(Decimal(1).scaleb(-minor_unit_exponent(currency)), rounding=ROUND_HALF_EVEN))


def _days(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _constrained_sales(frames: LedgerFrames, as_of: date, period_days: int, currency: str) -> Decimal:
    """Credit sales in the period of the customers whose open receivables reach 80 % of their limit."""
    items = items_on(frames, as_of)
    items = items.loc[items["currency"] == currency]
    open_by_customer = items.groupby("customer_id")["open_minor"].sum()
    limits = frames.customers.set_index("customer_id")["limit_minor"].dropna()
    limits = limits.loc[limits > 0]
    used = open_by_customer.reindex(limits.index).fillna(0)
    held = set(used.index[used >= limits * float(CONSTRAINED_AT)])
    start = pd.Timestamp(as_of) - pd.Timedelta(days=period_days)
    inv = items.loc[(items["invoice_date"] > start) & items["customer_id"].isin(held)]
    return Decimal(int(inv["amount_minor"].sum())).scaleb(-minor_unit_exponent(currency))


def working_capital(
    frames: LedgerFrames, as_of: date, company: CompanyFigures, what_if: WhatIf, period_days: int = 90
) -> list[dict[str, Any]]:
    """Per currency: the WCR, CCC and financing cost, and the what-if beside them. The entered
    inventory and payables count in the company's currency only."""
    rows = dso(frames, as_of, period_days)
    return working_capital_of(
        rows,
        as_of,
        company,
        what_if,
        period_days,
        lambda currency: _constrained_sales(frames, as_of, period_days, currency),
    )


def working_capital_of(
    rows: list[dict[str, Any]],
    as_of: date,
    company: CompanyFigures,
    what_if: WhatIf,
    period_days: int,
    constrained_sales: Callable[[str], Decimal],
) -> list[dict[str, Any]]:
    """:func:`working_capital` from the portfolio's DSO rows of the period (``dso``'s, or the
    nightly batch's); ``constrained_sales``: a currency's sales of the customers near their
    limit, read only by a what-if that changes the limits."""
    if not rows:
        return []
    main = company.currency or max(rows, key=lambda row: Decimal(row["receivables"]))["currency"]
    if main not in {row["currency"] for row in rows}:
        raise InvalidInput(f"no receivables in {main}; the company's figures need a currency of the ledger")
    out = []
    for row in rows:
        currency = row["currency"]
        own = currency == main
        inventory = company.inventory if own else Decimal(0)
        payables = company.payables if own else Decimal(0)
        cost = company.cost_of_sales_a_year if own else None
        sales, receivables = Decimal(row["credit_sales"]), Decimal(row["receivables"])
        figures = _figures(sales, receivables, inventory, payables, cost, company.cost_of_capital, period_days)
        document: dict[str, Any] = {
            "currency": currency,
            "scope": "portfolio",
            "as_of": as_of.isoformat(),
            "period_days": period_days,
            "inventory": _q(inventory, currency),
            "payables": _q(payables, currency),
            "cost_of_capital": str(company.cost_of_capital),
            **_render(figures, currency),
        }
        if what_if:
            extra = constrained_sales(currency) * what_if.limit_change
            new_sales = max(sales + extra, Decimal(0))
            new_dso = (
                max(figures["dso"] + what_if.terms_change_days, Decimal(0)) if figures["dso"] is not None else None
            )
            new_receivables = new_sales / period_days * new_dso if new_dso is not None else receivables
            after = _figures(
                new_sales, new_receivables, inventory, payables, cost, company.cost_of_capital, period_days
            )
            after["dso"] = new_dso
            after["ccc"] = _ccc(new_dso, after["dio"], after["dpo"])
            document["what_if"] = {
                "terms_change_days": what_if.terms_change_days,
                "limit_change": str(what_if.limit_change),
                **_render(after, currency),
                "change_in_receivables": _q(new_receivables - receivables, currency),
                "change_in_financing_cost": _q(after["financing_cost"] - figures["financing_cost"], currency),
            }
        out.append(document)
    return out


def _figures(
    sales: Decimal,
    receivables: Decimal,
    inventory: Decimal,
    payables: Decimal,
    cost: Decimal | None,
    cost_of_capital: Decimal,
    period_days: int,
) -> dict[str, Any]:
    dso_days = receivables / sales * period_days if sales else None
    dio = inventory / cost * DAYS_A_YEAR if cost else None
    dpo = payables / cost * DAYS_A_YEAR if cost else None
    wcr = receivables + inventory - payables
    return {
        "credit_sales": sales,
        "receivables": receivables,
        "dso": dso_days,
        "dio": dio,
        "dpo": dpo,
        "ccc": _ccc(dso_days, dio, dpo),
        "wcr": wcr,
        "financing_cost": wcr * cost_of_capital,
        "receivables_financing_cost": receivables * cost_of_capital,
    }


def _ccc(dso_days: Decimal | None, dio: Decimal | None, dpo: Decimal | None) -> Decimal | None:
    return None if dso_days is None or dio is None or dpo is None else dso_days + dio - dpo


def _render(figures: dict[str, Any], currency: str) -> dict[str, Any]:
    money = ("credit_sales", "receivables", "wcr", "financing_cost", "receivables_financing_cost")
    days = ("dso", "dio", "dpo", "ccc")
    return {
        **{name: _q(figures[name], currency) for name in money},
        **{name: _days(figures[name]) for name in days},
    }


def latest_statements(statements: pd.DataFrame) -> pd.DataFrame:
    """Each customer's latest of ``statements`` (those with a period end on or before the day)."""
    return statements.sort_values(["customer_id", "period_end"]).groupby("customer_id").tail(1).reset_index(drop=True)


def customers_working_capital(
    statements: pd.DataFrame, customers: pd.DataFrame, by: str = "customer"
) -> list[dict[str, Any]]:
    """Each customer's own DSO, DIO, DPO, CCC and WCR from its latest statement (revenue for cost
    of sales); by segment or grade, the medians of the days and the number of customers."""
    if by not in GROUPINGS:
        raise InvalidInput(f"by must be one of {', '.join(GROUPINGS)}; got {by!r}")
    usable = statements.dropna(subset=["receivables_minor", "inventory_minor", "payables_minor"])
    usable = usable.loc[usable["revenue_minor"] > 0]
    if usable.empty:
        return []
    revenue = usable["revenue_minor"].astype(float)
    table = usable.assign(
        dso=usable["receivables_minor"].astype(float) / revenue * 365,
        dio=usable["inventory_minor"].astype(float) / revenue * 365,
        dpo=usable["payables_minor"].astype(float) / revenue * 365,
        wcr_minor=usable["receivables_minor"] + usable["inventory_minor"] - usable["payables_minor"],
    )
    table["ccc"] = table["dso"] + table["dio"] - table["dpo"]
    if by == "customer":
        return [
            {
                "customer_id": row.customer_id,
                "currency": row.currency,
                "period_end": pd.Timestamp(row.period_end).date().isoformat(),
                "revenue": _q(Decimal(int(row.revenue_minor)).scaleb(-minor_unit_exponent(row.currency)), row.currency),
                "wcr": _q(Decimal(int(row.wcr_minor)).scaleb(-minor_unit_exponent(row.currency)), row.currency),
                **{name: round(float(getattr(row, name)), 1) for name in ("dso", "dio", "dpo", "ccc")},
            }
            for row in table.sort_values("customer_id").itertuples()
        ]
    lookup = customers.set_index("customer_id")[by]
    found = table["customer_id"].map(lookup).astype(object)  # a label column: text fills the gaps
    table["group"] = found.fillna("unscored" if by == "grade" else "none").astype(str)
    grouped = table.groupby("group")
    return [
        {
            by: group,
            "customers": len(part),
            **{f"median_{name}": round(float(part[name].median()), 1) for name in ("dso", "dio", "dpo", "ccc")},
        }
        for group, part in grouped
    ]
