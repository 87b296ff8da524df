"""The as-is practice: what the credit team did with the orders of the history, measured on the
book, so that the baseline a policy is compared with is the book as it was run (not limits
enforced as the book never enforced them)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from creditdesk.domain.monitoring import add_months
from creditdesk.domain.orders import OrderStatus
from creditdesk.service.simulation.policies import Practice

#: What the credit team refused: rejected, or left held until it lapsed.
REFUSED = frozenset({OrderStatus.REJECTED, OrderStatus.EXPIRED})
#: Held (blocked, in review, awaiting a second approver): refused when still held after
#: ``HELD_DAYS`` (a person decides on a held order within days; one held for a month was refused).
HELD = frozenset({OrderStatus.BLOCKED, OrderStatus.REVIEW, OrderStatus.RELEASE_PENDING})
HELD_DAYS = 30
#: The customer's own choice, not the credit team's: out of the measure.
WITHDRAWN = frozenset({OrderStatus.CANCELLED})
HISTORY_MONTHS = 12


def refused(orders: pd.DataFrame, seen_on: date) -> pd.Series:
    """Which orders (order_date, status) the credit team had refused as seen on ``seen_on``."""
    if not len(orders):
        return pd.Series(dtype=bool)
    status = orders["status"].astype(str)
    held_long = status.isin([s.value for s in HELD]) & (
        pd.to_datetime(orders["order_date"]) < pd.Timestamp(seen_on) - pd.Timedelta(days=HELD_DAYS)
    )
    return status.isin([s.value for s in REFUSED]) | held_long


def observed_practice(orders: pd.DataFrame, written_off: int, as_of: date, months: int = HISTORY_MONTHS) -> Practice:
    """The practice of the ``months`` before ``as_of`` from its orders (customer_id, order_date,
    status) and the count of write-offs then: the share refused of the orders not cancelled (no
    orders: every invoice was a sale), and whether bad debts were written off."""
    since = add_months(as_of, -months)
    day = pd.to_datetime(orders["order_date"]) if len(orders) else pd.Series(dtype="datetime64[ns]")
    seen = orders.loc[(day > pd.Timestamp(since)) & (day <= pd.Timestamp(as_of))]
    decided = seen.loc[~seen["status"].astype(str).isin([s.value for s in WITHDRAWN])]
    share = float(refused(decided, as_of).mean()) if len(decided) else 0.0
    return Practice(share, len(decided), since.isoformat(), as_of.isoformat(), writes_off=written_off > 0)
