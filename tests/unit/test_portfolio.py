import json
from importlib import resources

import pandas as pd
import pytest

from creditdesk.demo import make_portfolio, truth_summary


@pytest.fixture(scope="module")
def portfolio():  # type: ignore[no-untyped-def]
    return make_portfolio(1500, 24, seed=7)


def test_same_seed_same_portfolio(portfolio) -> None:  # type: ignore[no-untyped-def]
    again = make_portfolio(1500, 24, seed=7)
    for name in ("customers", "groups", "financials", "bureau", "orders", "invoices", "payments"):
        pd.testing.assert_frame_equal(getattr(portfolio, name), getattr(again, name))
    other = make_portfolio(1500, 24, seed=8)
    assert not portfolio.invoices["amount"].equals(other.invoices["amount"])


def test_tables_are_consistent(portfolio) -> None:  # type: ignore[no-untyped-def]
    ids = set(portfolio.customers["customer_id"])
    for name in ("financials", "bureau", "orders", "invoices", "payments"):
        assert set(getattr(portfolio, name)["customer_id"]) <= ids
    assert portfolio.invoices["invoice_id"].is_unique and portfolio.payments["payment_id"].is_unique
    inv = portfolio.invoices.set_index("invoice_id")
    named = portfolio.payments.dropna(subset=["invoice_id"])
    assert (inv.loc[named["invoice_id"], "customer_id"].to_numpy() == named["customer_id"].to_numpy()).all()
    paid = named.assign(amount=named["amount"].astype(float)).groupby("invoice_id")["amount"].sum()
    assert (paid <= inv.loc[paid.index, "amount"].astype(float) + 1e-9).all()
    assert (portfolio.invoices["due_date"] >= portfolio.invoices["invoice_date"]).all()
    assert portfolio.payments["payment_date"].max() <= portfolio.as_of.isoformat()
    groups = set(portfolio.groups["group_id"])
    assert set(portfolio.customers["group_id"].dropna()) <= groups
    assert set(portfolio.groups["parent_group_id"].dropna()) <= groups


def test_behaviour_matches_the_calibration(portfolio) -> None:  # type: ignore[no-untyped-def]
    cal = json.loads(resources.files("creditdesk.demo").joinpath("data/calibration.json").read_text())["payments"]
    got = truth_summary(portfolio)
    assert got["late_share"] == pytest.approx(cal["late_share"], abs=0.04)
    assert got["mean_days_late_when_late"] == pytest.approx(cal["mean_days_late_when_late"], rel=0.2)
    assert got["late_share_disputed"] > got["late_share_undisputed"] + 0.25


def test_latent_quality_drives_defaults_scores_and_lateness() -> None:
    p = make_portfolio(6000, 24, seed=1)
    truth = p.truth.set_index("customer_id")
    defaulted = truth["defaulted_on"].notna()
    assert truth.loc[defaulted, "quality"].mean() < truth.loc[~defaulted, "quality"].mean() - 0.3
    latest = p.bureau[p.bureau["provider"] == "bureau_a"].groupby("customer_id")["score"].last()
    assert latest.corr(truth["quality"]) > 0.6
    fin = p.financials.groupby("customer_id").first()
    leverage = fin["total_liabilities"] / fin["total_assets"]
    assert leverage.corr(truth["quality"]) < -0.2


def test_refuses_bad_parameters() -> None:
    with pytest.raises(ValueError, match="'n_customers' parameter"):
        make_portfolio(0)
