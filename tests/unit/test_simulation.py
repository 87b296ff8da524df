"""The policy simulator: hand-worked runs, the monitor's measures on its ledger, determinism."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from creditdesk.domain.limit_policy import LimitInputs, LimitPolicy
from creditdesk.domain.monitoring import MonitorPolicy
from creditdesk.domain.rules import CheckPolicy, RuleSet
from creditdesk.risk.features.behaviour import days_overdue as measured_days_overdue
from creditdesk.risk.features.behaviour import good_months as measured_good_months
from creditdesk.risk.simulation_world import NEVER, Paths, World, draw_paths, estimate_world
from creditdesk.service.simulation import policies
from creditdesk.service.simulation.engine import (
    APPROVED,
    BLOCKED,
    REJECTED,
    RELEASED,
    Ledger,
    Scenario,
    SimPortfolio,
    good_months,
    minor_per_unit,
    run_bounds,
    run_paths,
)
from creditdesk.service.simulation.policies import SimPolicy, Start
from creditdesk.service.simulation.results import SeedResult, seed_result
from creditdesk.service.simulation.runner import simulate

D = Decimal
START = date(2027, 1, 1)  # day 0; January has days 0-30, February 31-58
HAND = Scenario(months=2, warmup_months=0)


def inputs(customer_id: str, limit: str, terms: int = 30, grade: int = 3) -> LimitInputs:
    return LimitInputs(
        customer_id=customer_id,
        currency="CNY",
        current_limit=D(limit),
        avg_monthly_sales=D(10_000),
        demand_cv=0.3,
        terms_days=terms,
        tangible_net_worth=D(1_000_000),
        working_capital=D(500_000),
        bureau_limit=None,
        bureau_provider=None,
        pd=0.01,
        grade=grade,
    )


def world(n: int, terms: int = 30) -> World:
    ones = np.ones(n)
    return World(
        customer_ids=np.array([f"C{k}" for k in range(n)], dtype=object),
        order_rate=2 * ones,
        amount_mu=np.log(1000) * ones,
        amount_sigma=0.5 * ones,
        terms_days=np.full(n, terms),
        late_prob=0.3 * ones,
        late_mean=10 * ones,
        early_fraction=0.8 * ones,
        annual_pd=0.05 * ones,
    )


def paths(rows: list[tuple[int, int, int, int]], default_day: list[int], draws: float = 0.0) -> Paths:
    """rows: (customer, day, amount in yuan, days from invoice to payment)."""
    customer, day, amount, pay_after = (np.array(column, dtype=np.int64) for column in zip(*rows, strict=True))
    n = len(rows)
    return Paths(
        customer=customer,
        day=day,
        amount_minor=amount * 100,
        pay_after=pay_after,
        release_draw=np.full(n, draws),
        wait_days=np.full(n, 2, dtype=np.int64),
        default_day=np.array(default_day, dtype=np.int64),
        true_pd=np.zeros(len(default_day)),
    )


def result(
    portfolio: SimPortfolio, policy: SimPolicy, drawn: Paths, scenario: Scenario = HAND
) -> tuple[Ledger, dict[str, float]]:
    ledger, figures = run(portfolio, policy, drawn, scenario)
    return ledger, figures.totals


def run(portfolio: SimPortfolio, policy: SimPolicy, drawn: Paths, scenario: Scenario) -> tuple[Ledger, SeedResult]:
    ledger = run_paths(portfolio, policy, scenario, drawn)
    _, bounds = run_bounds(portfolio, scenario)
    return ledger, seed_result(0, drawn, ledger, scenario, bounds, minor_per_unit(portfolio))


# A, limit 250: 100 on day 2 (paid day 32), 200 on day 5 (would be paid day 15), 200 on day 40
# (paid day 50). B, limit 1,000: 400 on day 3, due to be paid on day 63, but B fails on day 20.
HAND_PORTFOLIO = SimPortfolio(START, (inputs("A", "250"), inputs("B", "1000")), world(2))
HAND_PATHS = paths([(0, 2, 100, 30), (1, 3, 400, 60), (0, 5, 200, 10), (0, 40, 200, 10)], [NEVER, 20])


def test_the_limit_is_checked_by_the_real_rules_and_the_figures_add_up_by_hand() -> None:
    ledger, totals = result(HAND_PORTFOLIO, policies.legacy(), HAND_PATHS)
    # Day 5: A's exposure 100 + 200 > 250, so the order is blocked (OVER_LIMIT); on day 40 the
    # first invoice is paid and 200 fits.
    assert ledger.order_outcome.tolist() == [APPROVED, APPROVED, BLOCKED, APPROVED]
    assert totals["sales"] == 700 and totals["demand"] == 900
    assert totals["bad_debt_losses"] == 400 and totals["defaults"] == 1  # B's item, written off on day 20
    # Receivable-days: A 100 × 30 (days 2-31) + 200 × 10 (days 40-49); B 400 × 17 (days 3-19).
    receivable_days = 100 * 30 + 200 * 10 + 400 * 17
    assert totals["dso"] == pytest.approx(receivable_days / 700)
    assert totals["financing_cost"] == pytest.approx(receivable_days * 0.08 / 365)
    assert totals["net_profit"] == pytest.approx(700 * 0.15 - 400 - receivable_days * 0.08 / 365)
    assert totals["blocked_orders"] == 1 and totals["good_customers_blocked"] == 1  # A never failed


def test_blocking_everything_sells_nothing_and_loses_nothing() -> None:
    closed = replace(HAND_PORTFOLIO, inputs=(inputs("A", "0"), inputs("B", "0")))  # no limit: NO_LIMIT blocks
    ledger, totals = result(closed, policies.legacy(), HAND_PATHS)
    assert set(ledger.order_outcome.tolist()) == {BLOCKED}
    assert totals["sales"] == 0 and totals["bad_debt_losses"] == 0 and totals["financing_cost"] == 0
    assert totals["blocked_orders"] == totals["orders"] == 4 and totals["net_profit"] == 0


def test_no_limits_sells_everything_and_loses_every_default() -> None:
    ledger, totals = result(HAND_PORTFOLIO, policies.open_book(), HAND_PATHS)
    assert set(ledger.order_outcome.tolist()) == {APPROVED}
    assert totals["sales"] == 900 and totals["sales_captured"] == 1
    assert totals["bad_debt_losses"] == 400


def test_no_limits_on_drawn_paths_loses_exactly_what_the_failing_customers_owe() -> None:
    portfolio = SimPortfolio(
        START, tuple(inputs(f"C{k}", "0") for k in range(200)), replace(world(200), annual_pd=np.full(200, 0.3))
    )
    scenario = Scenario(months=12, warmup_months=0)
    drawn = draw_paths(portfolio.world, 7, START, 12, minor_per_unit(portfolio))
    _, totals = result(portfolio, policies.open_book(), drawn, scenario)
    unpaid = drawn.day + drawn.pay_after >= drawn.default_day[drawn.customer]
    assert unpaid.any()
    assert totals["sales"] == pytest.approx(drawn.amount_minor.sum() / 100)
    assert totals["bad_debt_losses"] == pytest.approx(drawn.amount_minor[unpaid].sum() / 100)
    assert totals["defaults"] == (drawn.default_day < 365).sum()


def test_the_monitor_puts_a_late_payer_on_hold_and_its_orders_go_to_review() -> None:
    # C orders 100 every 10 days and pays none of it within four months (without failing). The
    # check has no overdue rule of its own: only the monitor's hold can stop C.
    rules = RuleSet(overdue_days=None, overdue_share=None)
    monitored = SimPolicy("monitored", CheckPolicy(0, "t", rules), LimitPolicy(), Start.CURRENT, MonitorPolicy())
    unmonitored = replace(monitored, monitor=None)
    scenario = Scenario(months=4, warmup_months=0, release_share=0.0)
    portfolio = SimPortfolio(START, (inputs("C", "100000"),), world(1))
    drawn = paths([(0, d, 100, 200) for d in range(0, 120, 10)], [NEVER])
    held, _ = result(portfolio, monitored, drawn, scenario)
    free, figures = run(portfolio, unmonitored, drawn, scenario)
    # Month-end overdue items (due before the last day): none in January; then the orders of
    # days 0-20, 0-50 and 0-80.
    assert figures.monthly["overdue"].tolist() == [0, 300, 600, 900]
    assert figures.monthly["receivables"].tolist() == [400, 600, 900, 1200]
    april = drawn.day >= 90  # 1 April: the first item (due day 30) is 60 days overdue: hold (> 30)
    assert (free.order_outcome == APPROVED).all()
    assert (held.order_outcome[~april] == APPROVED).all()
    assert (held.order_outcome[april] == REJECTED).all()  # ON_HOLD → review → nobody releases
    released, _ = result(portfolio, monitored, drawn, replace(scenario, release_share=1.0))
    assert (released.order_outcome[april] == RELEASED).all()


def test_the_monitors_measures_on_the_runs_ledger_match_the_live_monitors() -> None:
    portfolio = SimPortfolio(START, tuple(inputs(f"C{k}", "0") for k in range(60)), world(60))
    scenario = Scenario(months=9, warmup_months=0)
    drawn = draw_paths(portfolio.world, 3, START, 9, minor_per_unit(portfolio))
    ledger = run_paths(portfolio, policies.open_book(), scenario, drawn)
    _, bounds = run_bounds(portfolio, scenario)
    ids = [f"C{k}" for k in range(60)]
    day0 = pd.Timestamp(START)
    invoices = pd.DataFrame(
        {
            "invoice_id": [f"I{k}" for k in range(len(ledger.invoice_day))],
            "customer_id": [ids[c] for c in ledger.invoice_customer],
            "invoice_date": day0 + pd.to_timedelta(ledger.invoice_day, unit="D"),
            "due_date": day0 + pd.to_timedelta(ledger.invoice_due, unit="D"),
            "amount": np.asarray(ledger.invoice_amount) / 100,
        }
    )
    paid = np.asarray(ledger.invoice_paid) < NEVER
    allocations = pd.DataFrame(
        {
            "invoice_id": invoices["invoice_id"][paid],
            "applied_on": day0 + pd.to_timedelta(np.asarray(ledger.invoice_paid)[paid], unit="D"),
            "amount": invoices["amount"][paid],
        }
    )
    checked = 0
    for month in (3, 6, 8):
        as_of = (day0 + pd.Timedelta(days=int(bounds[month]))).date()
        ours = good_months(ledger, bounds, 60, month, grace_days=10)
        theirs = measured_good_months(invoices, allocations, as_of, 10).reindex(ids).fillna(0).to_numpy()
        assert ours.tolist() == theirs.astype(int).tolist()
        checked += int((ours > 0).sum())
        overdue = measured_days_overdue(invoices, allocations, as_of).reindex(ids).fillna(0)
        assert (overdue > 0).any()  # the drawn world has late payers to measure
    assert checked > 0


def test_a_seed_gives_the_same_run_in_one_process_or_two_and_seeds_differ() -> None:
    portfolio = SimPortfolio(START, tuple(inputs(f"C{k}", "3000") for k in range(30)), world(30))
    scenario = Scenario(months=4, warmup_months=1)
    plan = [(policies.legacy(), [1, 2]), (policies.dynamic(), [1, 2])]
    here = simulate(portfolio, plan, scenario, workers=1)
    pooled = simulate(portfolio, plan, scenario, workers=2)
    for a, b in zip(here, pooled, strict=True):
        for x, y in zip(a.results, b.results, strict=True):
            assert x.totals == y.totals
            assert np.array_equal(x.customer_sales, y.customer_sales)
    assert here[0].results[0].totals != here[0].results[1].totals


def twice_a_month(paid_after: Callable[[int], int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Customer P's invoices of 1,000 every 15 days of 2026 (30 days' terms), invoice k paid
    ``paid_after(k)`` days after its date: the rows and their allocations."""
    rows, allocations = [], []
    for k in range(24):
        day = pd.Timestamp("2026-01-05") + pd.Timedelta(days=15 * k)
        rows.append(
            {
                "invoice_id": f"P{k}",
                "customer_id": "P",
                "invoice_date": day,
                "due_date": day + pd.Timedelta(days=30),
                "amount": 1000.0,
            }
        )
        allocations.append(
            {"invoice_id": f"P{k}", "applied_on": day + pd.Timedelta(days=paid_after(k)), "amount": 1000.0}
        )
    return rows, allocations


def test_the_world_is_estimated_from_each_customers_history_shrunk_to_the_portfolios() -> None:
    as_of = date(2026, 12, 31)
    rows, allocations = twice_a_month(lambda k: 40)  # P: each paid 10 days late
    rows.append(
        {
            "invoice_id": "Q0",
            "customer_id": "Q",
            "invoice_date": pd.Timestamp("2026-12-01"),
            "due_date": pd.Timestamp("2026-12-31"),
            "amount": 50.0,
        }
    )
    found = estimate_world(
        pd.DataFrame(rows),
        pd.DataFrame(allocations),
        pd.Series(["P", "Q", "R"]),
        pd.Series({"P": 30, "Q": 30, "R": 60}),
        pd.Series({"P": 0.02, "Q": 0.1}),
        as_of,
    )
    assert found.order_rate[0] == pytest.approx(2.0, rel=0.1)
    assert found.late_prob[0] > 0.8 and found.late_mean[0] == pytest.approx(10)
    pooled = (24 * np.log(1000) + np.log(50)) / 25  # one invoice's weight of the portfolio's mean
    assert found.amount_mu[0] == pytest.approx((24 * np.log(1000) + pooled) / 25)
    # Q has one open invoice: its payment habits are the portfolio's, its size partly its own.
    assert found.late_prob[1] == pytest.approx(found.late_prob[2])
    assert np.log(50) < found.amount_mu[1] < np.log(1000)
    # R has no history: the portfolio's rate and the median PD; its own terms.
    assert found.terms_days.tolist() == [30, 30, 60] and found.annual_pd[2] == pytest.approx(0.06)


def test_recent_payments_weigh_more_in_a_customers_habits() -> None:
    """P paid 20 days late in the first half of the year and on time (at 80 % of its terms) in the
    second: its habits lean to the recent half, not the year's plain mean."""
    rows, allocations = twice_a_month(lambda k: 50 if k < 12 else 24)
    found = estimate_world(
        pd.DataFrame(rows),
        pd.DataFrame(allocations),
        pd.Series(["P"]),
        pd.Series({"P": 30}),
        pd.Series({"P": 0.02}),
        date(2026, 12, 31),
    )
    # Half an invoice's weight every 240 days: the late half weighs about 0.6 of the recent one.
    assert 0.25 < found.late_prob[0] < 0.45
    assert found.late_mean[0] == pytest.approx(20)
    assert found.early_fraction[0] == pytest.approx(0.8)


def test_the_monitor_rewards_six_good_months_of_high_use_and_the_raise_lets_a_larger_order_through() -> None:
    # R's limit 10,000 sits below its method limit (need 10,000 × 40 / 30 × 1.2 = 16,000). It buys
    # 9,000 a month (90 % of its limit), pays in 20 days, and in August wants 11,000.
    portfolio = SimPortfolio(START, (inputs("R", "10000"),), world(1))
    scenario = Scenario(months=8, warmup_months=0)
    drawn = paths([(0, d, 9000, 20) for d in (1, 32, 60, 91, 121, 152, 182)] + [(0, 213, 11000, 20)], [NEVER])
    rewarded, _ = result(portfolio, policies.dynamic(), drawn, scenario)
    static, _ = result(portfolio, policies.legacy(), drawn, scenario)
    # 1 July: six whole good months, peak use 90 %: 10,000 → 12,000 (+20 %), within the system's authority.
    assert rewarded.final_limit == [1_200_000]
    assert rewarded.order_outcome.tolist() == [APPROVED] * 8
    assert static.order_outcome.tolist() == [APPROVED] * 7 + [BLOCKED]
