"""Limit methods: hand-checked amounts, workings a manager can redo, and the profit curve's shape."""

from decimal import Decimal

import numpy as np
import pytest

from creditdesk.domain.limit_methods import (
    Combination,
    ProfitInputs,
    Working,
    bureau_limit,
    capacity_limit,
    combine,
    expected_capped_demand,
    expected_profit,
    need_limit,
    profit_optimal_limit,
    risk_budget_limit,
)

D = Decimal


def test_need_by_hand() -> None:
    w = need_limit(D("120000"), 60, 15, D("1.2"))
    # 120,000 × 75 / 30 × 1.2 = 360,000
    assert w.amount == D("360000.00")
    assert w.formula == "120000 × (60 + 15) / 30 × 1.2 = 360000.00"
    assert need_limit(D(0), 30, 0, D("1.2")).amount is None


def test_capacity_takes_the_smaller_share_and_refuses_negative_worth() -> None:
    w = capacity_limit(D("5000000"), D("800000"), D("0.10"), D("0.25"))
    assert w.amount == D("200000.00")  # min(500,000, 200,000)
    assert "min(" in w.formula
    assert capacity_limit(D("-100"), None, D("0.1"), D("0.2")).amount == 0
    assert capacity_limit(None, None, D("0.1"), D("0.2")).amount is None


def test_bureau_passes_the_recommendation_through() -> None:
    assert bureau_limit(D("75000"), "bureau_a").amount == D("75000.00")
    assert bureau_limit(None).amount is None and bureau_limit(None).note


def test_risk_budget_keeps_the_expected_loss_within_its_share_of_margin() -> None:
    w = risk_budget_limit(pd=0.02, lgd=0.5, annual_margin=D("100000"), budget_share=D("0.10"))
    # 100,000 × 10 % / (2 % × 50 %) = 1,000,000: its expected loss is exactly the budget.
    assert w.amount == D("1000000.00")
    assert float(w.amount) * 0.02 * 0.5 == pytest.approx(10_000)
    assert risk_budget_limit(0.0, 0.5, D("100000"), D("0.1")).amount is None
    assert risk_budget_limit(0.02, 0.5, D("0"), D("0.1")).amount == 0


def test_capped_demand_matches_a_simulation() -> None:
    rng = np.random.default_rng(0)
    s = np.sqrt(np.log(1 + 0.5**2))
    draws = rng.lognormal(np.log(100.0) - s * s / 2, s, 400_000)
    for cap in (30.0, 100.0, 250.0):
        assert expected_capped_demand(100.0, 0.5, cap) == pytest.approx(np.minimum(draws, cap).mean(), rel=0.01)
    assert expected_capped_demand(100.0, 0.5, 1e12) == pytest.approx(100.0)
    assert expected_capped_demand(100.0, 0.0, 60.0) == 60.0


BASE = ProfitInputs(
    pd=0.02,
    lgd=0.6,
    margin_rate=0.15,
    avg_monthly_sales=100_000,
    demand_cv=0.4,
    terms_days=30,
    grace_days=10,
    cost_of_capital=0.08,
)


def test_the_closed_form_optimum_is_the_top_of_the_profit_curve() -> None:
    w = profit_optimal_limit(BASE, with_curve=True)
    assert w.amount is not None and 0 < w.amount < w.curve[-1][0]
    at_optimum = expected_profit(float(w.amount), BASE)
    # No point of a fine grid does better, and a little more or less limit does worse.
    assert at_optimum >= max(p for _, p in w.curve) - 1e-6
    for step in (0.9, 1.1):
        assert expected_profit(float(w.amount) * step, BASE) < at_optimum
    # More limit than demand ever needs only adds exposure: profit falls past the optimum.
    assert w.curve[-1][1] < at_optimum


def test_riskier_customers_get_less_and_hopeless_ones_nothing() -> None:
    def optimal(pd: float, margin_rate: float = BASE.margin_rate) -> Decimal:
        fields = {k: getattr(BASE, k) for k in BASE.__slots__}
        amount = profit_optimal_limit(ProfitInputs(**{**fields, "pd": pd, "margin_rate": margin_rate})).amount
        assert amount is not None
        return amount

    assert optimal(0.005) > optimal(0.05) > optimal(0.15)
    # Expected loss on any exposure above the margin it earns: selling on credit loses money.
    assert optimal(0.5, margin_rate=0.02) == 0


def test_combination_takes_the_smallest_rounds_down_and_bounds() -> None:
    workings = [
        Working("need", D("360000.00"), {}, ""),
        Working("capacity", D("212345.67"), {}, ""),
        Working("risk_budget", None, {}, "", "no expected loss"),
        Working("bureau", D("100000.00"), {}, ""),  # not among the chosen methods
    ]
    final = combine(workings, Combination(unit=D(1000)))
    assert final.amount == D("212000") and final.note == "bound by capacity"
    assert "rounded down to 1000" in final.formula
    assert combine(workings, Combination(unit=D(1000), ceiling=D(150000))).amount == D(150000)
    assert combine(workings, Combination(unit=D(1000), floor=D(250000))).amount == D(250000)
    assert combine([Working("need", None, {}, "", "no sales")], Combination()).amount == 0
