"""The portfolio's feature table and training set: complete, and blind to anything after the date."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from creditdesk.demo import make_portfolio, source_tables
from creditdesk.risk.features.customer import (
    ALL_FEATURES,
    SourceTables,
    customer_features,
    defaults_known,
    training_set,
)

AS_OF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def tables() -> SourceTables:
    return source_tables(make_portfolio(400, 24, seed=3, as_of=AS_OF))


def _cut(tables: SourceTables, day: date) -> SourceTables:
    """Only what existed on ``day``: every dated row after it removed."""

    def upto(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        return frame.loc[pd.to_datetime(frame[column]) <= pd.Timestamp(day)]

    return SourceTables(
        customers=tables.customers,
        groups=tables.groups,
        invoices=upto(tables.invoices, "invoice_date"),
        allocations=upto(tables.allocations, "applied_on"),
        payments=upto(tables.payments, "payment_date"),
        statements=upto(tables.statements, "period_end"),
        reports=upto(tables.reports, "report_date"),
    )


def test_every_customer_gets_every_feature(tables: SourceTables) -> None:
    features = customer_features(tables, AS_OF)
    registered = pd.to_datetime(tables.customers["registered_on"]) <= pd.Timestamp(AS_OF)
    assert set(features.index) == set(tables.customers.loc[registered, "customer_id"])
    assert list(features.columns) == [*ALL_FEATURES, "has_history"]
    assert features["has_history"].isin([0.0, 1.0]).all()
    # Tenure counts from registration, so a customer without invoices has one too.
    registered_on = pd.to_datetime(tables.customers.set_index("customer_id")["registered_on"])
    expected = (pd.Timestamp(AS_OF) - registered_on.reindex(features.index)).dt.days
    assert (features["tenure_days"] == expected).all()


def test_no_look_ahead_features_equal_those_of_the_data_cut_at_the_date(tables: SourceTables) -> None:
    """The leakage test: the future rows are in the tables, and they change nothing."""
    day = AS_OF - timedelta(days=200)
    with_future = customer_features(tables, day)
    without = customer_features(_cut(tables, day), day)
    pd.testing.assert_frame_equal(with_future, without.reindex(with_future.index))
    # And the future is not empty: the same features a little later do differ.
    later = customer_features(tables, day + timedelta(days=60)).reindex(with_future.index)
    assert not np.allclose(with_future.fillna(-1).to_numpy(), later.fillna(-1).to_numpy())


def test_training_set_observes_a_year_back_and_labels_the_year_after(tables: SourceTables) -> None:
    X, y = training_set(tables, AS_OF, horizon_days=365)
    start = AS_OF - timedelta(days=365)
    pd.testing.assert_frame_equal(X, customer_features(tables, start).loc[X.index])
    defaults = defaults_known(tables, AS_OF)
    in_window = defaults.loc[(defaults > pd.Timestamp(start)) & (defaults <= pd.Timestamp(AS_OF))].index
    assert set(y.index[y == 1]) == set(in_window) & set(X.index)
    # Customers already in default when observed are left out: there is nothing to predict.
    assert not set(defaults.loc[defaults <= pd.Timestamp(start)].index) & set(X.index)
