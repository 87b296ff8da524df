"""Payment-date prediction: point-in-time features, censored training, exact conditioning, and
the weekly sums built on them, against hand-worked cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.cash_forecast import actual_weekly, backtest, due_date_inflows, training_sample
from creditdesk.risk.features.timing import FEATURES, timing_frame
from creditdesk.risk.payment_timing import PaymentTimeModel, _person_periods, outcomes, payment_pmf, quantile_days


class _Unweighted(BoostedPD):
    """The booster deaf to sample weights: what the sample would learn without them."""

    def fit(self, X: pd.DataFrame, y: Any, sample_weight: Any = None) -> _Unweighted:  # noqa: N803 (scikit-learn's name)
        super().fit(X, y)
        return self


def _ledger(rows: list[tuple[str, str, str, int, float, str | None]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(invoice, customer, invoice date, terms, amount, paid on)."""
    invoices = pd.DataFrame(
        {
            "invoice_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "invoice_date": pd.to_datetime([r[2] for r in rows]),
            "due_date": pd.to_datetime([r[2] for r in rows]) + pd.to_timedelta([r[3] for r in rows], unit="D"),
            "amount": [r[4] for r in rows],
            "disputed": False,
        }
    )
    paid = [r for r in rows if r[5]]
    allocations = pd.DataFrame(
        {
            "invoice_id": [r[0] for r in paid],
            "applied_on": pd.to_datetime([r[5] for r in paid]),
            "amount": [r[4] for r in paid],
        }
    )
    return invoices, allocations


def test_history_features_are_what_was_known_on_the_invoice_date() -> None:
    invoices, allocations = _ledger(
        [
            ("A1", "A", "2024-01-01", 30, 100.0, "2024-02-05"),  # 5 days late
            ("A2", "A", "2024-01-10", 30, 100.0, "2024-02-06"),  # 3 days early
            ("A3", "A", "2024-01-20", 30, 100.0, None),  # overdue from 2024-02-20
            ("A4", "A", "2024-03-01", 30, 300.0, "2024-03-20"),
            ("A5", "A", "2024-02-06", 30, 100.0, None),  # same day as A2's payment: not yet known
        ]
    )
    frame = timing_frame(invoices, allocations, date(2024, 3, 31)).set_index("invoice_id")
    a4 = frame.loc["A4"]
    assert a4["prior_paid"] == 2 and a4["prior_delay_mean"] == 1.0 and a4["prior_delay_sd"] == 4.0
    assert a4["prior_late_share"] == 0.5 and a4["last_delay"] == -3 and a4["recent_delay_mean"] == 1.0
    assert a4["amount_vs_usual"] == 3.0 and a4["overdue_items"] == 1  # A3 overdue on 1 March
    assert a4["terms_days"] == 30 and a4["prior_days_to_pay_mean"] == (35 + 27) / 2
    assert frame.loc["A5", "prior_paid"] == 1  # only A1 was settled before 6 February
    assert np.isnan(frame.loc["A1", "prior_delay_mean"]) and frame.loc["A1", "prior_paid"] == 0
    # Outcomes: settled invoices their days to settlement, open ones censored at their age.
    assert bool(a4["paid"]) and a4["duration"] == 19
    assert not frame.loc["A3", "paid"] and frame.loc["A3", "duration"] == 71
    # Adding later history changes no invoice's features: they are point in time.
    later = timing_frame(invoices, allocations, date(2024, 12, 31)).set_index("invoice_id")
    pd.testing.assert_frame_equal(frame[list(FEATURES)], later.loc[frame.index, list(FEATURES)])


def test_a_partly_paid_invoice_stays_open_for_what_is_left() -> None:
    invoices, allocations = _ledger([("B1", "B", "2024-02-28", 30, 100.0, None)])
    allocations = pd.DataFrame({"invoice_id": ["B1"], "applied_on": pd.to_datetime(["2024-03-15"]), "amount": [40.0]})
    frame = timing_frame(invoices, allocations, date(2024, 3, 31))
    assert not frame.loc[0, "paid"] and frame.loc[0, "open_amount"] == 60.0
    assert frame.loc[0, "duration"] == 32  # 2024 is a leap year: 28 Feb to 31 Mar


def test_conditioning_on_being_open_puts_nothing_in_the_past() -> None:
    hazards = np.full((2, 365), 0.1, dtype=np.float32)
    pmf = payment_pmf(hazards, np.array([-1, 40]), 10)
    # Constant hazard: geometric from the day after `age`, whatever the age.
    expected = 0.1 * 0.9 ** np.arange(10)
    np.testing.assert_allclose(pmf[0], expected, rtol=1e-6)
    np.testing.assert_allclose(pmf[1], expected, rtol=1e-6)
    days = quantile_days(payment_pmf(hazards, np.array([-1, 40]), 365), np.array([-1, 40]), (0.5,))
    # P(paid by day k) = 1 - 0.9^(k+1) reaches 0.5 at k = 6 (days since invoice from day 0).
    assert days[:, 0].tolist() == [6.0, 47.0]


def _habits(customers: int = 120, invoices_each: int = 14, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers who each pay a steady number of days from issue (their habit), ± 2 days."""
    rng = np.random.default_rng(seed)
    rows = []
    start = date(2023, 1, 2)
    for c in range(customers):
        habit = int(rng.integers(15, 75))
        for k in range(invoices_each):
            issued = start + timedelta(days=int(k * 14 + rng.integers(0, 7)))
            paid = issued + timedelta(days=max(1, habit + int(rng.integers(-2, 3))))
            rows.append((f"I{c}-{k}", f"C{c}", issued.isoformat(), 30, 100.0, paid.isoformat()))
    return _ledger(rows)


def test_the_model_learns_each_customers_habit_despite_censoring() -> None:
    invoices, allocations = _habits()
    as_of = date(2023, 5, 15)
    frame = timing_frame(invoices, allocations, as_of)
    assert (~frame["paid"]).sum() > 200  # many slow payers still open: censored
    model = PaymentTimeModel().fit(frame[list(FEATURES)], outcomes(frame["paid"], frame["duration"]))
    later = timing_frame(invoices, allocations, date(2024, 6, 1))
    fresh = later.loc[(later["invoice_date"] > pd.Timestamp(as_of)) & (later["prior_paid"] >= 3)]
    predicted = model.predict(fresh[list(FEATURES)])
    error = np.abs(predicted - fresh["duration"].to_numpy())
    assert np.median(error) <= 3 and error.mean() < 0.25 * np.abs(30 - fresh["duration"]).mean()
    # Dropping the open invoices instead would have taught it only the quick payers.
    settled = frame.loc[frame["paid"]]
    naive = PaymentTimeModel().fit(settled[list(FEATURES)], outcomes(settled["paid"], settled["duration"]))
    slow = fresh.loc[fresh["prior_delay_mean"] > 25]
    assert (
        np.abs(naive.predict(slow[list(FEATURES)]) - slow["duration"]).mean()
        > np.abs(model.predict(slow[list(FEATURES)]) - slow["duration"]).mean()
    )


def test_fit_refuses_a_history_without_payments() -> None:
    invoices, _ = _habits(customers=3, invoices_each=3)
    frame = timing_frame(invoices, pd.DataFrame(columns=["invoice_id", "applied_on", "amount"]), date(2023, 3, 1))
    with pytest.raises(ValueError, match="both settled and open"):
        PaymentTimeModel().fit(frame[list(FEATURES)], outcomes(frame["paid"], frame["duration"]))


def test_a_large_ledger_is_learnt_from_whole_customers_of_a_sample_the_same_in_any_order() -> None:
    invoices, allocations = _habits(customers=400, invoices_each=14)
    as_of = date(2023, 5, 15)
    known = int((invoices["invoice_date"] <= pd.Timestamp(as_of)).sum())
    everything = training_sample(invoices, allocations, as_of, known)
    assert everything[0] is invoices and everything[1] is allocations  # all fit
    picked, cash = training_sample(invoices, allocations, as_of, known // 4)
    customers = set(picked["customer_id"])
    assert 0.75 * 100 <= len(customers) <= 1.25 * 100  # a quarter of 400, each drawn by its id's hash
    whole = invoices.loc[invoices["customer_id"].isin(customers)]
    assert sorted(picked["invoice_id"]) == sorted(whole["invoice_id"])  # every invoice of each
    assert sorted(cash["invoice_id"]) == sorted(
        allocations.loc[allocations["invoice_id"].isin(whole["invoice_id"]), "invoice_id"]
    )
    shuffled = training_sample(invoices.sample(frac=1, random_state=1), allocations, as_of, known // 4)[0]
    assert set(shuffled["customer_id"]) == customers
    # The model learns the habits from the sample as from the whole: on the invoices issued later.
    later = timing_frame(invoices, allocations, date(2024, 6, 1))
    fresh = later.loc[(later["invoice_date"] > pd.Timestamp(as_of)) & (later["prior_paid"] >= 3)]
    errors = []
    for most in (known, known // 4):
        sampled, paid = training_sample(invoices, allocations, as_of, most)
        frame = timing_frame(sampled, paid, as_of)
        model = PaymentTimeModel().fit(frame[list(FEATURES)], outcomes(frame["paid"], frame["duration"]))
        errors.append(float(np.abs(model.predict(fresh[list(FEATURES)]) - fresh["duration"].to_numpy()).mean()))
    assert errors[1] < 1.25 * errors[0] + 0.5, errors


def test_due_date_and_actual_weeks_are_counted_from_the_day_after() -> None:
    as_of = date(2024, 2, 26)
    items = pd.DataFrame(
        {
            "invoice_id": ["X", "Y", "Z"],
            "due_date": pd.to_datetime(["2024-02-01", "2024-03-04", "2024-03-05"]),
            "open_amount": [10.0, 20.0, 40.0],
        }
    )
    # X is overdue: first week; Y due on day 7 (last day of week 1); Z on day 8.
    assert due_date_inflows(items, as_of, 3).tolist() == [30.0, 40.0, 0.0]
    assert due_date_inflows(items, as_of, 9, step_days=1).tolist() == [10.0, 0, 0, 0, 0, 0, 20.0, 40.0, 0]
    paid = pd.DataFrame(
        {
            "invoice_id": ["X", "Y", "Y", "W"],
            "applied_on": pd.to_datetime(["2024-02-26", "2024-02-29", "2024-03-11", "2024-02-27"]),
            "amount": [10.0, 5.0, 15.0, 99.0],
        }
    )
    # X's payment on the as-of day is not future cash; W was not open; 11 March is day 14.
    assert actual_weekly(items, paid, as_of, 3).tolist() == [5.0, 15.0, 0.0]


def test_backtest_beats_the_due_date_on_steady_payers() -> None:
    invoices, allocations = _habits()
    metrics, weekly = backtest(invoices, allocations, date(2023, 4, 3), date(2023, 5, 29), weeks=6)
    assert metrics["forecasts"] == 9 and set(weekly["week"]) == set(range(1, 7))
    assert metrics["mae_days_model"] < 0.5 * metrics["mae_days_due_date"]
    assert metrics["wape_model"] < metrics["wape_due_date"]
    assert (weekly["p10"] <= weekly["p50"] + 1e-9).all() and (weekly["p50"] <= weekly["p90"] + 1e-9).all()


def test_the_interval_rows_are_the_invoices_repeated_whether_numbers_or_categories() -> None:
    """The booster's rows, one per invoice and interval: numbers and flags as one block of floats;
    a model fitted with a text column (a user's own features) still gets it as text."""
    from creditdesk.risk.payment_timing import _with_interval

    frame = pd.DataFrame({"terms_days": [30, 60], "disputed": [False, True], "amount": [1.5, 2.5]})
    rows, start = np.array([0, 0, 1]), np.array([0, 2, 4])
    grid = _with_interval(frame, rows, start)
    assert grid.to_numpy().tolist() == [[30, 0, 1.5, 0, -30], [30, 0, 1.5, 2, -28], [60, 1, 2.5, 4, -56]]
    assert list(grid.columns) == ["terms_days", "disputed", "amount", "interval_start", "start_vs_due"]

    texts = _with_interval(frame.assign(region=["north", "south"]), rows, start)
    assert texts["region"].tolist() == ["north", "north", "south"]
    assert texts["start_vs_due"].tolist() == [-30.0, -28.0, -56.0]

    rng = np.random.default_rng(0)
    n = 400
    features = pd.DataFrame({"terms_days": rng.choice([30, 60], n), "region": rng.choice(["north", "south"], n)})
    days = np.where(features["region"] == "north", 20, 70) + rng.integers(0, 5, n)
    model = PaymentTimeModel().fit(features, outcomes(np.ones(n, dtype=bool), days))
    north, south = model.predict(pd.DataFrame({"terms_days": [30, 30], "region": ["north", "south"]}))
    assert north < 30 and south > 60  # learnt from the text column, which reaches the booster


def test_a_sample_of_the_unsettled_intervals_weighted_back_keeps_the_payment_days() -> None:
    """``most_open_rows``: beyond it a share of the intervals lived through unsettled is learnt
    from, each weighted by its inverse. The predicted payment days stay the full model's; the same
    sample without its weights would pay every invoice days early (the hazards inflated by the
    inverse of the share), so the weights are what keeps them."""
    rng = np.random.default_rng(3)
    n = 6_000
    features = pd.DataFrame({"terms_days": rng.choice([30, 60], n), "late_payer": rng.integers(0, 2, n)})
    days = features["terms_days"] + np.where(features["late_payer"] == 1, 25, -5) + rng.gamma(2.0, 6.0, n)
    y = outcomes(np.ones(n, dtype=bool), np.round(days))
    probe = pd.DataFrame({"terms_days": [30, 30, 60, 60], "late_payer": [0, 1, 0, 1]})
    full = PaymentTimeModel().fit(features, y)
    sampled = PaymentTimeModel(most_open_rows=30_000).fit(features, y)
    _, labels = _person_periods(features, y)
    share = 30_000 / int((labels == 0).sum())
    assert share < 0.3  # the sample is a small part of what it stands for
    booster = _Unweighted(n_estimators=120, learning_rate=0.1, min_child_samples=100, colsample_bytree=1.0)
    unweighted = PaymentTimeModel(estimator=booster, most_open_rows=30_000).fit(features, y)  # negative control

    expected = full.predict(probe)
    assert np.abs(sampled.predict(probe) - expected).max() <= 2.0
    assert (unweighted.predict(probe) < expected - 4.0).all()
    assert PaymentTimeModel(most_open_rows=10**9).fit(features, y).predict(probe).tolist() == expected.tolist()
    with pytest.raises(ValueError, match="most_open_rows"):
        PaymentTimeModel(most_open_rows=0).fit(features, y)
