"""Portfolio allocation by linear programming, concentration and group pools, on small portfolios."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from creditdesk.domain.limit_methods import ProfitInputs, expected_loss, expected_profit
from creditdesk.domain.limit_policy import LimitInputs, LimitPolicy, recommend
from creditdesk.service.allocation import allocate, concentration, group_pools
from creditdesk.service.errors import InvalidInput

D = Decimal
NO_CAPS = replace(LimitPolicy(), concentration={})


def customer(
    cid: str, pd: float, industry: str = "retail", group: str | None = None, sales: str = "100000"
) -> LimitInputs:
    return LimitInputs(
        customer_id=cid,
        currency="EUR",
        current_limit=D("50000"),
        avg_monthly_sales=D(sales),
        demand_cv=0.4,
        terms_days=30,
        tangible_net_worth=D("5000000"),
        working_capital=D("2000000"),
        bureau_limit=None,
        bureau_provider=None,
        pd=pd,
        grade=5 if pd < 0.2 else 8,
        industry=industry,
        group_id=group,
    )


PORTFOLIO = [customer("SAFE", 0.005), customer("MID", 0.03), customer("RISKY", 0.15, industry="mining")]


def recs(policy: LimitPolicy = NO_CAPS) -> list:  # type: ignore[type-arg]
    return [recommend(c, policy) for c in PORTFOLIO]


def inputs_of(cid: str, policy: LimitPolicy) -> ProfitInputs:
    c = next(c for c in PORTFOLIO if c.customer_id == cid)
    assert c.pd is not None
    return ProfitInputs(c.pd, policy.lgd, policy.margin_rate, float(c.avg_monthly_sales), 0.4, 30, 10, 0.08, 0.75)


def test_a_tight_budget_goes_to_the_best_customers_first() -> None:
    result = allocate(recs(), NO_CAPS, "EUR", D(150000), D(1_000_000))
    total = sum(result.limits.values())
    assert total <= 150000 and total >= 149000  # spent, to the unit
    assert result.limits["SAFE"] >= result.limits["MID"] >= result.limits["RISKY"]
    assert all(amount % 1000 == 0 for amount in result.limits.values())
    assert result.binding == ["credit budget"] and result.shadow_prices["credit budget"] > 0
    # Each limit stays within the customer's need (and capacity).
    for rec in recs():
        need = {w.method: w.amount for w in rec.methods}["need"]
        assert need is not None and result.limits[rec.inputs.customer_id] <= need


def test_the_loss_budget_binds_and_risky_customers_pay_for_it() -> None:
    loose = allocate(recs(), NO_CAPS, "EUR", D(1_000_000), D(1_000_000))
    tight = allocate(recs(), NO_CAPS, "EUR", D(1_000_000), D(2000))
    assert tight.expected_loss <= 2000 + 1e-6 < loose.expected_loss
    assert "loss budget" in tight.binding
    assert tight.limits["RISKY"] < loose.limits["RISKY"]
    assert allocate(recs(), NO_CAPS, "EUR", D(1_000_000), D(0)).limits == {"SAFE": 0, "MID": 0, "RISKY": 0}


def test_with_room_to_spare_it_earns_at_least_what_the_per_customer_limits_do() -> None:
    policy = NO_CAPS
    result = allocate(recs(policy), policy, "EUR", D(10_000_000), D(10_000_000))
    assert result.expected_profit >= result.per_customer_profit - 1000  # the unit's rounding at most
    # Each customer sits at its profit-optimal point within its bounds: one unit more or less earns less.
    for cid, limit in result.limits.items():
        p = inputs_of(cid, policy)
        here = expected_profit(float(limit), p)
        assert here + 1 >= expected_profit(float(limit) + 5000, p) or limit >= 160000
        assert here + 1 >= expected_profit(max(float(limit) - 5000, 0), p)
        assert expected_loss(float(limit), p) >= 0


def test_an_industry_cap_holds_and_shows_its_price() -> None:
    capped = replace(LimitPolicy(), concentration={"industry": D("0.5")})
    result = allocate(recs(capped), capped, "EUR", D(200000), D(1_000_000))
    retail = result.limits["SAFE"] + result.limits["MID"]
    assert retail <= 100000 and "industry retail" in result.binding
    assert result.shadow_prices["industry retail"] > 0


def test_bad_budgets_are_refused() -> None:
    with pytest.raises(InvalidInput):
        allocate(recs(), NO_CAPS, "EUR", D(0), D(1))


def test_concentration_and_group_pools_against_the_caps() -> None:
    policy = replace(LimitPolicy(), concentration={"industry": D("0.5"), "group": D("0.3")})
    portfolio = [
        recommend(customer("A", 0.01, "retail", "G1"), policy),
        recommend(customer("B", 0.01, "retail", "G1"), policy),
        recommend(customer("C", 0.01, "mining", None, sales="50000"), policy),
    ]
    finals = [r.final.amount for r in portfolio]
    assert finals == [D(160000), D(160000), D(80000)]
    rows = {(r["dimension"], r["value"]): r for r in concentration(portfolio, policy)}
    assert rows[("industry", "retail")]["recommended_share"] == "0.8000" and rows[("industry", "retail")]["over"]
    assert not rows[("industry", "mining")]["over"]
    (pool,) = group_pools(portfolio, policy)
    assert pool["members_total"] == "320000.00" and pool["cap"] == "120000" and pool["pooled_limit"] == "120000"
