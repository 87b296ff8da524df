"""The demo portfolio, consistent across all its tables, and its entry point :func:`make_portfolio`.

One latent creditworthiness per customer drives its financial ratios, bureau scores,
payment behaviour, order flow and defaults; the figures that tie them to reality are the
calibration's (:mod:`creditdesk.demo.calibration`). Everything is vectorised with NumPy, so a
million customers is a matter of seconds for the customer-level tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from creditdesk.demo.bureau import bureau_reports
from creditdesk.demo.calibration import calibration
from creditdesk.demo.customers import draw_customers
from creditdesk.demo.draws import EPOCH
from creditdesk.demo.financials import financial_statements
from creditdesk.demo.names import chinese_names
from creditdesk.demo.orders import draw_orders
from creditdesk.demo.receivables import invoices_and_payments
from creditdesk.demo.support import credit_support
from creditdesk.risk.features.customer import SourceTables


@dataclass(frozen=True)
class Portfolio:
    """The generated tables, shaped like creditdesk's import files, plus the hidden truth.

    ``truth`` holds what a real credit team never sees: the latent creditworthiness, the
    annual PD used to draw defaults, and the default date (NaT when none).
    """

    as_of: date
    customers: pd.DataFrame
    groups: pd.DataFrame
    financials: pd.DataFrame
    bureau: pd.DataFrame
    orders: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    truth: pd.DataFrame
    credit_support: pd.DataFrame


def make_portfolio(
    n_customers: int,
    months: int = 24,
    seed: int = 0,
    *,
    as_of: date = date(2026, 10, 31),
    currency: str = "CNY",
    lang: str = "en",
) -> Portfolio:
    """Generate a consistent portfolio.

    Parameters
    ----------
    n_customers : int
        Number of customers (1 to a few million).
    months : int
        Months of order, invoice and payment history ending on ``as_of``.
    seed : int
        The same seed gives the same portfolio, table for table.
    as_of : date
        The day the portfolio is seen: nothing dated after it exists.
    currency : str
        The account currency of every customer.
    lang : str
        ``"zh"``: Chinese customer and group names (:mod:`creditdesk.demo.names`), drawn after
        everything else, so the other tables are those of ``"en"``.
    """
    if n_customers < 1:
        raise ValueError(f"The 'n_customers' parameter must be at least 1; got {n_customers}")
    if months < 1:
        raise ValueError(f"The 'months' parameter must be at least 1; got {months}")
    rng = np.random.default_rng(seed)
    cal = calibration()
    n = n_customers
    as_of_day = int((np.datetime64(as_of, "D") - EPOCH).astype(int))
    start_month = np.datetime64(as_of, "M") - np.timedelta64(months - 1, "M")
    start_day = int((start_month.astype("datetime64[D]") - EPOCH).astype(int))

    # The order of the draws is the portfolio: the same seed gives the same tables.
    c = draw_customers(rng, cal, n, as_of_day, start_day, currency)
    financials = financial_statements(
        rng, cal["financial_ratios"], c.customer_ids, c.quality, c.annual_pd, c.revenue, c.terms, as_of, currency
    )
    bureau = bureau_reports(rng, c.customer_ids, c.quality, c.revenue, start_day, as_of_day, currency)
    orders = draw_orders(
        rng,
        cal["payments"],
        c.customer_ids,
        c.monthly_purchases,
        c.registered_day,
        c.default_day,
        start_month,
        months,
        as_of_day,
        currency,
    )
    invoices, payments = invoices_and_payments(
        rng, cal["payments"], c.customer_ids, c.quality, c.terms, c.default_day, orders, as_of_day, currency
    )
    support = credit_support(seed, c.customer_ids, c.segment, c.monthly_purchases, start_day, currency)
    table, groups = c.table, c.groups
    if lang == "zh":
        table, groups = chinese_names(table, groups, seed)
    return Portfolio(as_of, table, groups, financials, bureau, orders.table, invoices, payments, c.truth(), support)


def source_tables(portfolio: Portfolio) -> SourceTables:
    """The portfolio as the scoring library's tables. Payments that name their invoice are applied
    to it; the rest stay unapplied cash (the ledger's importer would apply them oldest first)."""
    invoices = portfolio.invoices.assign(
        amount=portfolio.invoices["amount"].astype(float), disputed=portfolio.invoices["disputed"] == "true"
    )
    payments = portfolio.payments.assign(amount=portfolio.payments["amount"].astype(float))
    named = payments.dropna(subset=["invoice_id"])
    allocations = named.rename(columns={"payment_date": "applied_on"})[["invoice_id", "applied_on", "amount"]]
    statements = portfolio.financials.copy()
    for column in statements.columns.difference(["customer_id", "period_end", "currency"]):
        statements[column] = pd.to_numeric(statements[column], errors="coerce")
    reports = portfolio.bureau.assign(
        score=pd.to_numeric(portfolio.bureau["score"]), pd=pd.to_numeric(portfolio.bureau["pd"], errors="coerce")
    )
    return SourceTables(
        customers=portfolio.customers[["customer_id", "group_id", "segment", "registered_on"]],
        groups=portfolio.groups[["group_id", "parent_group_id"]],
        invoices=invoices[["invoice_id", "customer_id", "invoice_date", "due_date", "amount", "disputed"]],
        allocations=allocations.reset_index(drop=True),
        payments=payments[["customer_id", "payment_date", "amount"]],
        statements=statements,
        reports=reports,
    )
