"""The cash forecast, payment-date predictions and the backtest."""

from __future__ import annotations

from pydantic import BaseModel, Field

from creditdesk.entrypoints.api.models.common import Money


class Inflow(BaseModel):
    expected: Money
    p10: Money
    p50: Money
    p90: Money
    due_date: Money
    new_sales: Money
    expected_total: Money


class WeekInflow(Inflow):
    week: int
    week_start: str
    week_end: str


class DayInflow(Inflow):
    date: str


class FundingWeek(BaseModel):
    week: int
    week_start: str
    outflow: Money
    cash_expected: Money
    cash_pessimistic: Money
    below_floor_by: Money


class ShortWeek(BaseModel):
    week: int
    week_start: str
    below_floor_by: Money


class Funding(BaseModel):
    opening_cash: Money
    floor: Money
    rows: list[FundingWeek]
    weeks_below_floor: list[ShortWeek]
    largest_gap: Money


class CurrencyForecast(BaseModel):
    currency: str
    as_of: str
    weeks: int
    open_items: int
    open_receivables: Money
    expected_from_open_items: Money
    expected_from_new_sales: Money
    due_date_total: Money
    sales_run_rate_per_week: Money
    rows: list[WeekInflow]
    funding: Funding | None = Field(default=None, description="with opening_cash: the funding gap (one currency)")
    band_scale: float
    days: list[DayInflow]


class CashForecast(BaseModel):
    as_of: str
    weeks: int
    currencies: list[CurrencyForecast]
    # The forecast the pages keep (the 13 weeks with new sales, no plan): when it was computed,
    # and whether the data has moved since (the night's, with the nightly batch on).
    computed_at: str | None = None
    stale: bool | None = None


class InvoicePrediction(BaseModel):
    invoice_id: str
    customer_id: str
    currency: str
    open_amount: Money
    due_date: str
    disputed: bool
    p10: str | None  # payment dates; null when not expected within the horizon
    p50: str | None
    p90: str | None
    paid_within_13_weeks: float


class InvoicePredictions(BaseModel):
    as_of: str
    rows: list[InvoicePrediction]


class BacktestWeek(BaseModel):
    as_of: str
    week: int
    expected: float
    p10: float
    p90: float
    due_date: float
    actual: float


class Backtest(BaseModel):
    """The backtest's figures; its amounts are numbers (error statistics, not money to book)."""

    currency: str
    from_: str = Field(alias="from")
    to: str
    weeks: int
    invoices_scored: int
    invoices_beyond_a_year: int
    mae_days_model: float | None
    mae_days_due_date: float | None
    forecasts: int
    weeks_scored: int
    wape_model: float | None
    wape_due_date: float | None
    coverage_p10_p90: float | None
    band_scale: float
    weekly: list[BacktestWeek]
