"""Financial statements and third-party bureau reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditdesk.domain.money import Money


@dataclass(frozen=True, slots=True)
class FinancialStatement:
    customer_id: str
    period_end: date
    currency: str
    revenue: Money
    total_assets: Money
    total_liabilities: Money
    current_assets: Money
    current_liabilities: Money
    equity: Money
    net_income: Money
    ebit: Money
    retained_earnings: Money
    cash: Money | None = None
    inventory: Money | None = None
    receivables: Money | None = None
    payables: Money | None = None
    operating_cash_flow: Money | None = None


@dataclass(frozen=True, slots=True)
class BureauReport:
    customer_id: str
    provider: str
    report_date: date
    score: int
    rating: str | None = None
    pd: float | None = None
    recommended_limit: Money | None = None
    events: tuple[str, ...] = ()
