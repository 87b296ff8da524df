"""The receivables reports. A row's grouping column is named after the grouping (``scope`` for
the portfolio, else ``customer``, ``segment`` or ``grade``) and ageing's columns after its
buckets: those rows are typed as far as they are fixed, the rest as extra properties."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from creditdesk.entrypoints.api.models.common import Money


class Grouped(BaseModel):
    """Exactly one of ``scope`` (``portfolio``), ``customer``, ``segment`` or ``grade``: the
    row's group under the report's ``by``."""

    currency: str
    scope: str | None = None
    customer: str | None = None
    segment: str | None = None
    grade: str | None = None


class AgingRow(BaseModel):
    """Open receivables per bucket: a column per bucket of days past due, named after it
    (``current``, ``1-30``, …, ``over 180``, or the ``buckets`` asked for), plus the group's
    column; every value is text (amounts as decimal text)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": {"type": "string"}})
    currency: str
    total: Money
    overdue: Money


class CeiRow(Grouped):
    as_of: str
    period_days: int
    opening_receivables: Money
    credit_sales: Money
    written_off: Money
    receivables: Money
    current_receivables: Money
    cei: float | None


class DsoRow(CeiRow):
    credit_notes: Money
    dso: float | None
    countback_dso: float | None
    best_possible_dso: float | None
    add: float | None
    overdue_ratio: float | None
    turnover: float | None
    bad_debt_ratio: float | None


class TrendRow(Grouped):
    as_of: str
    receivables: Money
    credit_sales: Money
    dso: float | None
    best_possible_dso: float | None
    add: float | None
    cei: float | None
    overdue_ratio: float | None
    bad_debt_ratio: float | None


class ProvisionBucket(BaseModel):
    bucket: str
    balance: Money
    roll_rate: float | None
    loss_rate: float | None
    provision: Money


class SegmentProvision(BaseModel):
    segment: str
    provision_matrix: Money
    pd_lgd_ead: Money
    difference: Money


class EclRow(BaseModel):
    """One currency's provision matrix beside PD × LGD × EAD, and both by segment."""

    currency: str
    as_of: str
    months: int
    forward_factor: float
    matrix: list[ProvisionBucket]
    provision: Money
    pd_lgd_ead: Money
    lgd: float
    by_segment: list[SegmentProvision]


class ReportingTotals(BaseModel):
    """A report's money totals in the reporting currency at the as-of date's rates; ``totals``
    is null when a rate is missing, and ``missing`` names it (docs/currencies.md)."""

    currency: str = Field(examples=["CNY"])
    as_of: str
    totals: dict[str, Money] | None
    rates: dict[str, str] = Field(examples=[{"USD/CNY": "7.1234"}])
    missing: list[str]


class Report(BaseModel):
    """``rows``: aging, dso, cei, trends or ecl rows, by the report's name."""

    report: str = Field(examples=["aging", "dso", "cei", "ecl", "trends"])
    as_of: str
    rows: list[EclRow | DsoRow | CeiRow | TrendRow | AgingRow]
    reporting: ReportingTotals | None = None  # aging and ecl only
    # A report the pages keep (every option at its default): when it was computed, and whether
    # the data has moved since (the night's, with the nightly batch on).
    computed_at: str | None = None
    stale: bool | None = None


class Figures(BaseModel):
    credit_sales: Money
    receivables: Money
    wcr: Money
    financing_cost: Money
    receivables_financing_cost: Money
    dso: float | None
    dio: float | None
    dpo: float | None
    ccc: float | None


class WhatIfFigures(Figures):
    terms_change_days: int
    limit_change: str
    change_in_receivables: Money
    change_in_financing_cost: Money


class CompanyWcrRow(Grouped, Figures):
    """The company's working capital per currency (``by`` absent), with the what-if when asked."""

    as_of: str
    period_days: int
    inventory: Money
    payables: Money
    cost_of_capital: str
    what_if: WhatIfFigures | None = None


class CustomerWcrRow(BaseModel):
    """A customer's own working capital from its latest statement (``by=customer``)."""

    customer_id: str
    currency: str
    period_end: str
    revenue: Money
    wcr: Money
    dso: float | None
    dio: float | None
    dpo: float | None
    ccc: float | None


class GroupWcrRow(BaseModel):
    """The customers' medians per segment or grade (``by=segment``, ``by=grade``): the group's
    column is named after ``by``."""

    model_config = ConfigDict(extra="allow")
    customers: int
    median_dso: float | None
    median_dio: float | None
    median_dpo: float | None
    median_ccc: float | None


class WcrReport(BaseModel):
    report: str = Field(examples=["wcr"])
    as_of: str
    rows: list[CompanyWcrRow | CustomerWcrRow | GroupWcrRow]
