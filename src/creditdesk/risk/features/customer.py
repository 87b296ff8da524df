"""Every customer's features on one date, and the training set of one observation window.

All four sources (payments, statements, bureau, group) are cut at the scoring date by their
own modules, so the table holds only what was known that day. The training set observes the
customers at ``as_of - horizon`` and labels each with whether it defaulted (an item 90 days
past due) in the following ``horizon`` days: the model learns to see a default coming a year
ahead from what was known a year before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from creditdesk.risk.features import bureau, financial, network, payment
from creditdesk.risk.statement_model import RATIOS, shipped_statement_model


@dataclass(frozen=True)
class SourceTables:
    """The raw tables, shaped like the import files (amounts as numbers)."""

    customers: pd.DataFrame  # customer_id, group_id, segment, registered_on
    groups: pd.DataFrame  # group_id, parent_group_id
    invoices: pd.DataFrame  # invoice_id, customer_id, invoice_date, due_date, amount, disputed
    allocations: pd.DataFrame  # invoice_id, applied_on, amount
    payments: pd.DataFrame  # customer_id, payment_date, amount (unapplied cash offsets defaults)
    statements: pd.DataFrame  # customer_id, period_end, revenue, total_assets, ...
    reports: pd.DataFrame  # customer_id, provider, report_date, score, pd, events
    # Dispute cases (customer_id, invoice_id, opened_on, amount); None: only the invoices' flag.
    disputes: pd.DataFrame | None = None
    # Master-data versions (customer_id, valid_from, valid_to, group_id, segment, registered_on):
    # features on a past date read the version valid then. None: today's master data throughout.
    versions: pd.DataFrame | None = None


def master_data_on(tables: SourceTables, as_of: date) -> pd.DataFrame:
    """The customers as their master data stood on ``as_of``: each one's version valid that day
    ([valid_from, valid_to)); a customer without a version then keeps what is stored now."""
    return master_data_of(tables.customers, tables.versions, as_of)


def master_data_of(customers: pd.DataFrame, versions: pd.DataFrame | None, as_of: date) -> pd.DataFrame:
    """:func:`master_data_on` of the customers and their master-data versions."""
    if versions is None or versions.empty or customers.empty:
        return customers
    day = pd.Timestamp(as_of)
    start, end = pd.to_datetime(versions["valid_from"]), pd.to_datetime(versions["valid_to"])
    valid = versions.loc[(start <= day) & (end.isna() | (end > day))]
    valid = valid.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    found = customers.set_index("customer_id", drop=False).copy()
    known = valid.index.intersection(found.index)
    for column in ("group_id", "segment", "registered_on"):
        if column in found.columns and column in valid.columns:
            found.loc[known, column] = valid.loc[known, column]
    return found.reset_index(drop=True)


#: The features a customer without payment history can still have.
NO_HISTORY_FEATURES = ("tenure_days", *financial.FEATURES, "statement_pd", *bureau.FEATURES, *network.FEATURES)
ALL_FEATURES = tuple(dict.fromkeys((*payment.FEATURES, *NO_HISTORY_FEATURES)))  # tenure is in both


def defaults_known(tables: SourceTables, as_of: date) -> pd.Series:
    """Each customer's first default (90 days past due, net of unapplied cash) known on ``as_of``."""
    return payment.default_dates(tables.invoices, tables.allocations, as_of, payments=tables.payments)


def customer_features(
    tables: SourceTables,
    as_of: date,
    bureau_scores: bureau.ScoreReference | None = None,
    defaults: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per customer registered by ``as_of``: every feature, NaN where a source is silent,
    and ``has_history`` (1 when the customer has an invoice by then). ``bureau_scores``: the
    whole portfolio's latest bureau scores, when ``tables`` hold part of it (a batch's bucket);
    ``defaults``: :func:`defaults_known` on the day, when the caller has it already."""
    # An unknown registration date counts as registered long ago (in range of any resolution).
    on_the_day = master_data_on(tables, as_of)
    registered = pd.to_datetime(on_the_day["registered_on"]).fillna(pd.Timestamp("1900-01-01"))
    customers = on_the_day.loc[registered <= pd.Timestamp(as_of)]
    index = pd.Index(customers["customer_id"], name="customer_id")
    if defaults is None:
        defaults = defaults_known(tables, as_of)
    first_defaults = defaults.reset_index()
    parts = [
        payment.payment_features(tables.invoices, tables.allocations, as_of, tables.disputes),
        financial.financial_features(tables.statements, as_of),
        bureau.bureau_features(tables.reports, as_of, bureau_scores) if len(tables.reports) else None,
        network.network_features(customers, tables.groups, first_defaults, as_of),
    ]
    frame = pd.concat([p.reindex(index) for p in parts if p is not None], axis=1)
    frame = frame.reindex(columns=list(ALL_FEATURES))
    # Tenure from the registration date where there is one: the first invoice in the data is cut
    # off by where the data begin, and a new customer has none.
    since = (pd.Timestamp(as_of) - pd.to_datetime(customers["registered_on"])).dt.days.astype(float)
    frame["tenure_days"] = pd.Series(since.to_numpy(), index=index).fillna(frame["tenure_days"])
    # What the balance sheet alone says, by the model learned from real companies.
    has_statement = frame["debt_ratio"].notna() | frame["current_ratio"].notna()
    statement_pd = shipped_statement_model().predict_pd(frame[list(RATIOS)])
    frame["statement_pd"] = np.where(has_statement, statement_pd, np.nan)
    frame["has_history"] = frame["invoices_12m"].notna().astype(float)
    return frame


def training_set(tables: SourceTables, as_of: date, horizon_days: int = 365) -> tuple[pd.DataFrame, pd.Series]:
    """Features at ``as_of - horizon_days`` and whether each customer defaulted in the window
    after it; customers already in default at the start are left out (nothing to predict)."""
    start = as_of - timedelta(days=horizon_days)
    X = customer_features(tables, start)
    defaulted = defaults_known(tables, as_of)
    before = defaulted.loc[defaulted <= pd.Timestamp(start)].index
    X = X.loc[~X.index.isin(before)]
    y = X.index.isin(defaulted.index).astype(int)
    return X, pd.Series(y, index=X.index, name="defaulted")
