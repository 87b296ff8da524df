"""Orders: a monthly flow with seasonality, from registration to the default (if any) or ``as_of``;
each invoiced a few days later unless cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.demo.draws import EPOCH, ids, to_dates

#: The share of orders cancelled, and the days (0 to one less) from an order to its invoice.
CANCELLED_SHARE = 0.02
INVOICE_LAG_DAYS = 6


def season_factor(month_no: np.ndarray) -> np.ndarray:
    """The orders' seasonality by calendar month (0: January): a yearly cycle, and a step up from
    October to December."""
    return np.asarray(1 + 0.15 * np.sin(2 * np.pi * (month_no - 2) / 12) + np.where(month_no >= 9, 0.1, 0))


@dataclass(frozen=True)
class Orders:
    """The orders table, and what the invoices follow (arrays in order-table order)."""

    table: pd.DataFrame
    customer: np.ndarray  # index into the customers
    amount: np.ndarray
    order_ids: np.ndarray
    invoice_day: np.ndarray
    invoiced: np.ndarray  # not cancelled, and invoiced by ``as_of``


def draw_orders(
    rng: np.random.Generator,
    cal: dict[str, Any],
    customer_ids: np.ndarray,
    monthly_purchases: np.ndarray,
    registered_day: np.ndarray,
    default_day: np.ndarray,
    start_month: np.datetime64,
    months: int,
    as_of_day: int,
    currency: str,
) -> Orders:
    """Orders with seasonality: about 1.6 a month (IBM receivables), bigger buyers more."""
    n = len(customer_ids)
    # Order rate per month: IBM customers get about 1.6 invoices a month; bigger buyers more.
    base_rate = cal["invoices_per_customer_month"] * np.exp(0.3 * rng.standard_normal(n))
    month_starts = (start_month + np.arange(months)).astype("datetime64[D]")
    month_days = (month_starts - EPOCH).astype(int)
    month_len = np.diff(np.append(month_days, month_days[-1] + 31))
    month_no = (start_month + np.arange(months)).astype(int) % 12  # 0 = January
    counts = rng.poisson(np.outer(base_rate, season_factor(month_no)))  # customers x months
    cust = np.repeat(np.repeat(np.arange(n), months), counts.ravel())
    month = np.repeat(np.tile(np.arange(months), n), counts.ravel())
    order_day = month_days[month] + (rng.random(len(cust)) * month_len[month]).astype(int)
    alive = (order_day >= registered_day[cust]) & (order_day <= as_of_day)
    alive &= np.isnan(default_day[cust]) | (order_day < np.nan_to_num(default_day[cust], nan=np.inf))
    cust, order_day = cust[alive], order_day[alive]
    order_sort = np.lexsort((order_day, cust))
    cust, order_day = cust[order_sort], order_day[order_sort]
    m = len(cust)
    amount = (
        monthly_purchases[cust]
        / base_rate[cust]
        * np.exp(rng.normal(-(cal["log_amount_sd"] ** 2) / 2, cal["log_amount_sd"], m))
    )
    amount = np.maximum(np.round(amount, 2), 1.0)
    order_ids = ids("O", m, 7)
    invoice_day = order_day + rng.integers(0, INVOICE_LAG_DAYS, m)
    cancelled = rng.random(m) < CANCELLED_SHARE
    invoiced = ~cancelled & (invoice_day <= as_of_day)
    status = np.where(cancelled, "cancelled", np.where(invoiced, "invoiced", "open"))
    orders = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": customer_ids[cust],
            "order_date": to_dates(order_day).astype(str),
            "amount": [f"{v:.2f}" for v in amount],
            "currency": currency,
            "status": status,
        }
    )
    return Orders(orders, cust, amount, order_ids, invoice_day, invoiced)
