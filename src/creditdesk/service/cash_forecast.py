"""The 13-week cash-inflow forecast, the funding gap against planned outflows, per-invoice
payment predictions and the backtest, on the ledger as it stood on the as-of date.

The payment time model is trained on the whole ledger as known on the as-of date (every
currency: when customers pay does not depend on the unit they count in); amounts are then
forecast per currency, never added across currencies. Forecasts are model outputs (floats),
printed rounded to the currency's minor unit. Beside the open items, the inflow from sales not
yet invoiced is the run rate of the last 13 weeks paid the way recent invoices were predicted
to be paid at issue; the P10–P90 band covers the open items only.

A book too large to forecast whole in one process (the nightly batch at a million customers) is
forecast on a sample of its customers and scaled to the whole (``Sampled``): a ratio estimate,
per currency, by the whole book's open receivables and recent sales over the sample's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.money import Money
from creditdesk.risk.cash_forecast import (
    OpenItemForecast,
    backtest,
    band_scale,
    fit_payment_model,
    forecast_open_items,
    inflows,
    simulate_days,
    weekly_inflows,
)
from creditdesk.risk.features.payment import cash_only
from creditdesk.risk.features.timing import FEATURES, timing_frame
from creditdesk.risk.payment_timing import PaymentTimeModel, payment_pmf
from creditdesk.service.errors import InvalidInput
from creditdesk.service.receivables import LedgerFrames

MIN_SETTLED = 30
MONEY = ("expected", "p10", "p50", "p90", "due_date", "new_sales", "expected_total")
RUN_RATE_DAYS = 91


def model_ledger(frames: LedgerFrames) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invoices and their cash in major units (floats), the payment model's input. Credit notes
    and write-offs are not cash: they lower the invoice instead, and an invoice they cancel in
    full is left out."""
    inv = frames.invoices
    alloc = frames.allocations.merge(inv[["invoice_id", "currency"]], on="invoice_id", how="inner")
    alloc = alloc.assign(
        amount=alloc["amount_minor"] / 10.0 ** alloc["currency"].map(minor_unit_exponent).astype(float)
    )
    scale = 10.0 ** inv["currency"].map(minor_unit_exponent).astype(float)
    invoices = inv.assign(amount=inv["amount_minor"] / scale, disputed=inv["disputed"].astype(bool))
    columns = ["invoice_id", "applied_on", "amount", *(["kind"] if "kind" in alloc else [])]
    return cash_only(invoices, alloc[columns], written_off_unpaid=False)


def _check_history(allocations: pd.DataFrame, as_of: date) -> None:
    known = allocations.loc[allocations["applied_on"] <= pd.Timestamp(as_of)]
    settled = known["invoice_id"].nunique()
    if settled < MIN_SETTLED:
        raise InvalidInput(
            f"the ledger on {as_of} holds {settled} paid invoices; at least {MIN_SETTLED} are needed "
            "to learn when customers pay",
            code="too_few_paid_invoices",
            values={"day": as_of, "paid": settled, "least": MIN_SETTLED},
        )


def _trained(invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date) -> PaymentTimeModel:
    _check_history(allocations, as_of)
    return fit_payment_model(invoices, allocations, as_of)


def _amount(value: float, currency: str) -> str:
    places = minor_unit_exponent(currency)
    return str(Money.rounded(Decimal(str(round(float(value), places))), currency).amount)


@dataclass(frozen=True)
class Sampled:
    """The forecast is of ``customers`` of the book's ``of_customers`` (per currency, by their
    accounts), chosen by a hash of their id, and scaled to the whole book per currency: what the
    open items bring by ``open_ratio`` (the book's open receivables over the sample's), what new
    sales bring by ``sales_ratio`` (the book's sales of the last 13 weeks over the sample's). The
    band is scaled with them: errors shared by many customers grow with the book, as the band
    calibrated on the sample has them."""

    customers: dict[str, int]
    of_customers: dict[str, int]
    open_ratio: dict[str, float]
    sales_ratio: dict[str, float]

    def ratios(self, currency: str) -> tuple[float, float]:
        return self.open_ratio.get(currency, 1.0), self.sales_ratio.get(currency, 1.0)

    def counts(self, currency: str) -> tuple[int, int]:
        """The sample's customers and the book's in ``currency``; all of them for a currency no
        account is kept in (invoiced in it only)."""
        if currency in self.of_customers:
            return self.customers.get(currency, 0), self.of_customers[currency]
        return sum(self.customers.values()), sum(self.of_customers.values())

    def open_items(self, currency: str, found: int) -> int:
        """The book's open items estimated from the sample's ``found``, by the customers' share."""
        sample, book = self.counts(currency)
        return round(found * book / max(sample, 1))

    def as_json(self, currency: str) -> dict[str, Any]:
        by_open, by_sales = self.ratios(currency)
        sample, book = self.counts(currency)
        return {
            "customers": sample,
            "of_customers": book,
            "open_ratio": round(by_open, 4),
            "sales_ratio": round(by_sales, 4),
        }


@dataclass(frozen=True)
class CashPlan:
    """What goes out: ``opening_cash`` on the as-of date, a constant ``outflow_per_week`` and/or
    dated ``outflows`` (date → amount), and the ``floor`` cash must not fall below, in
    ``currency`` (default: the currency with the most open receivables)."""

    opening_cash: Decimal
    currency: str | None = None
    floor: Decimal = Decimal(0)
    outflow_per_week: Decimal = Decimal(0)
    outflows: dict[date, Decimal] = field(default_factory=dict)


def cash_forecast(
    frames: LedgerFrames,
    as_of: date,
    weeks: int = 13,
    *,
    new_sales: bool = True,
    plan: CashPlan | None = None,
    seed: int = 0,
    sampled: Sampled | None = None,
) -> list[dict[str, Any]]:
    """Per currency: weekly expected inflow from open items with P10/P50/P90, the due-date
    forecast beside it, the inflow from new sales, and (with a ``plan``) the funding gap.
    ``frames``: the whole ledger, or a sample of its customers scaled by ``sampled``."""
    invoices, allocations = model_ledger(frames)
    model = _trained(invoices, allocations, as_of)
    frame = timing_frame(invoices, allocations, as_of)
    frame["currency"] = frame["invoice_id"].map(invoices.set_index("invoice_id")["currency"])
    forecast = forecast_open_items(model, frame, allocations, as_of, weeks * 7)
    scale = band_scale(model, frame, allocations, as_of, weeks, group="currency", seed=seed)
    hazards_at_issue = _recent_issue_pmf(model, frame, as_of, weeks * 7)
    documents = []
    open_by_currency = forecast.items.groupby("currency")["open_amount"].sum()
    planned = plan.currency or (str(open_by_currency.idxmax()) if len(open_by_currency) else None) if plan else None
    if planned is not None and planned not in open_by_currency.index:
        raise InvalidInput(f"no open receivables in {planned} to plan the cash of")
    for currency in sorted(forecast.items["currency"].unique()):
        mine = (forecast.items["currency"] == currency).to_numpy()
        part = OpenItemForecast(as_of, forecast.items.loc[mine].reset_index(drop=True), forecast.pmf[mine])
        by_open, by_sales = sampled.ratios(currency) if sampled else (1.0, 1.0)
        daily_sales = (_run_rate(invoices, currency, as_of) if new_sales else 0.0) * by_sales
        from_sales = _new_sales_daily(daily_sales, hazards_at_issue, weeks * 7)
        draws = simulate_days(part, weeks, seed)  # one set of draws for the weeks and the days
        table = _scaled(weekly_inflows(part, weeks, draws=draws, scale=scale), by_open)
        table["new_sales"] = from_sales.reshape(weeks, 7).sum(axis=1)
        table["expected_total"] = table["expected"] + table["new_sales"]
        days = _scaled(inflows(part, weeks, 1, draws=draws, scale=scale), by_open)
        days["new_sales"] = from_sales
        days["expected_total"] = days["expected"] + days["new_sales"]
        chosen_plan = plan if currency == planned else None
        document = _document(currency, as_of, weeks, part, table, daily_sales, chosen_plan, by_open)
        if sampled is not None:
            document["open_items"] = sampled.open_items(currency, len(part.items))
            document["sample"] = sampled.as_json(currency)
        document["band_scale"] = round(scale, 3)
        document["days"] = [
            {"date": row.start.date().isoformat(), **{name: _amount(getattr(row, name), currency) for name in MONEY}}
            for row in days.itertuples()
        ]
        documents.append(document)
    return documents


def _scaled(table: pd.DataFrame, ratio: float) -> pd.DataFrame:
    """The open items' inflows (expected, band, due-date) of a sample, scaled to the whole."""
    money = ["expected", "p10", "p50", "p90", "due_date"]
    return table if ratio == 1.0 else table.assign(**{name: table[name] * ratio for name in money})


def _recent_issue_pmf(model: PaymentTimeModel, frame: pd.DataFrame, as_of: date, days: int) -> np.ndarray:
    """The amount-weighted chance that an invoice is paid on each day after issue, as predicted
    for the invoices issued in the last 13 weeks."""
    recent = frame.loc[frame["invoice_date"] > pd.Timestamp(as_of - timedelta(days=RUN_RATE_DAYS))]
    if recent.empty:
        return np.zeros(days + 1)
    pmf = payment_pmf(model.predict_hazards(recent[list(FEATURES)]), np.full(len(recent), -1), days + 1)
    weights = recent["amount"].to_numpy(float)
    mixed: np.ndarray = weights @ pmf / weights.sum()
    return mixed


def _run_rate(invoices: pd.DataFrame, currency: str, as_of: date) -> float:
    day = pd.Timestamp(as_of)
    window = (
        (invoices["currency"] == currency)
        & (invoices["invoice_date"] <= day)
        & (invoices["invoice_date"] > day - pd.Timedelta(days=RUN_RATE_DAYS))
    )
    return float(invoices.loc[window, "amount"].sum()) / RUN_RATE_DAYS


def _new_sales_daily(daily_sales: float, issue_pmf: np.ndarray, days: int) -> np.ndarray:
    """Invoices of ``daily_sales`` a day from tomorrow, each paid ``d`` days after issue with
    probability ``issue_pmf[d]``: the inflow on day ``t`` is the sales of days ``s <= t`` times
    ``issue_pmf[t - s]``."""
    daily: np.ndarray = daily_sales * np.convolve(np.ones(days), issue_pmf[:days])[:days]
    return daily


def _document(
    currency: str,
    as_of: date,
    weeks: int,
    part: OpenItemForecast,
    table: pd.DataFrame,
    daily_sales: float,
    plan: CashPlan | None,
    open_ratio: float = 1.0,
) -> dict[str, Any]:
    rows = [
        {
            "week": int(row.week),
            "week_start": row.week_start.date().isoformat(),
            "week_end": row.week_end.date().isoformat(),
            **{name: _amount(getattr(row, name), currency) for name in MONEY},
        }
        for row in table.itertuples()
    ]
    document: dict[str, Any] = {
        "currency": currency,
        "as_of": as_of.isoformat(),
        "weeks": weeks,
        "open_items": len(part.items),
        "open_receivables": _amount(part.items["open_amount"].sum() * open_ratio, currency),
        "expected_from_open_items": _amount(table["expected"].sum(), currency),
        "expected_from_new_sales": _amount(table["new_sales"].sum(), currency),
        "due_date_total": _amount(table["due_date"].sum(), currency),
        "sales_run_rate_per_week": _amount(daily_sales * 7, currency),
        "rows": rows,
    }
    if plan is not None:
        document["funding"] = funding_gap(table, plan, currency)
    return document


def funding_gap(table: pd.DataFrame, plan: CashPlan, currency: str) -> dict[str, Any]:
    """Cash week by week: opening + inflows − outflows, expected and pessimistic (open items at
    their P10), and the weeks where the pessimistic cash falls below the floor, by how much."""
    expected_cash = pessimistic_cash = plan.opening_cash
    rows, short = [], []
    for row in table.itertuples():
        start, end = row.week_start.date(), row.week_end.date()
        outflow = plan.outflow_per_week + sum(
            (amount for day, amount in plan.outflows.items() if start <= day <= end), Decimal(0)
        )
        expected_cash += _exact(row.expected_total, currency) - outflow
        pessimistic_cash += _exact(row.p10 + row.new_sales, currency) - outflow
        shortfall = max(plan.floor - pessimistic_cash, Decimal(0))
        rows.append(
            {
                "week": int(row.week),
                "week_start": start.isoformat(),
                "outflow": str(outflow),
                "cash_expected": str(expected_cash),
                "cash_pessimistic": str(pessimistic_cash),
                "below_floor_by": str(shortfall),
            }
        )
        if shortfall > 0:
            short.append({"week": int(row.week), "week_start": start.isoformat(), "below_floor_by": str(shortfall)})
    return {
        "opening_cash": str(plan.opening_cash),
        "floor": str(plan.floor),
        "rows": rows,
        "weeks_below_floor": short,
        "largest_gap": str(max((Decimal(s["below_floor_by"]) for s in short), default=Decimal(0))),
    }


def _exact(value: float, currency: str) -> Decimal:
    return Decimal(_amount(value, currency))


def invoice_predictions(frames: LedgerFrames, as_of: date, customer_id: str | None = None) -> list[dict[str, Any]]:
    """Every open invoice with its payment distribution: P10/P50/P90 dates (None beyond the
    modelled year), the chance of payment within 13 weeks, and its due date."""
    invoices, allocations = model_ledger(frames)
    model = _trained(invoices, allocations, as_of)
    frame = timing_frame(invoices, allocations, as_of)
    if customer_id is not None:
        frame = frame.loc[frame["customer_id"] == customer_id]
    forecast = forecast_open_items(model, frame, allocations, as_of, 13 * 7)
    currency = invoices.set_index("invoice_id")["currency"]

    def day(value: Any) -> str | None:
        return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()

    return [
        {
            "invoice_id": row.invoice_id,
            "customer_id": row.customer_id,
            "currency": currency[row.invoice_id],
            "open_amount": _amount(row.open_amount, currency[row.invoice_id]),
            "due_date": day(row.due_date),
            "disputed": bool(row.disputed),
            "p10": day(row.p10),
            "p50": day(row.p50),
            "p90": day(row.p90),
            "paid_within_13_weeks": round(float(row.within_horizon), 4),
        }
        for row in forecast.items.sort_values(["customer_id", "invoice_date", "invoice_id"]).itertuples()
    ]


def forecast_backtest(
    frames: LedgerFrames, start: date, end: date, weeks: int = 13, currency: str | None = None
) -> dict[str, Any]:
    """Replay history (see :func:`creditdesk.risk.cash_forecast.backtest`) with the ledger's
    last known day as the end of what came in, in ``currency`` (default: the one with the most
    invoices)."""
    if end < start:
        raise InvalidInput(f"--to ({end}) is before --from ({start})")
    invoices, allocations = model_ledger(frames)
    if invoices.empty:
        raise InvalidInput("the ledger holds no invoices to backtest")
    chosen = currency or str(invoices["currency"].value_counts().idxmax())
    if chosen not in set(invoices["currency"]):
        raise InvalidInput(f"the ledger holds no invoices in {chosen}")
    _check_history(allocations, start)  # the backtest trains its own model on that day
    metrics, weekly = backtest(invoices, allocations, start, end, weeks=weeks, currency=chosen)
    return {
        "currency": chosen,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "weeks": weeks,
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in metrics.items()},
        "weekly": [
            {
                "as_of": row.as_of.date().isoformat(),
                "week": int(row.week),
                **{
                    name: round(float(getattr(row, name)), 2)
                    for name in ("expected", "p10", "p90", "due_date", "actual")
                },
            }
            for row in weekly.itertuples()
        ],
    }
