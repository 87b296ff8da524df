"""One customer's recommendation: grade rules, scored and unscored customers, no credit in default."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from creditdesk.adapters.policy_file import PolicyError, parse_policy
from creditdesk.domain.authority import Authority, AuthorityMatrix
from creditdesk.domain.limit_policy import LimitInputs, LimitPolicy, recommend
from creditdesk.domain.monitoring import MonitorPolicy

D = Decimal


def customer(**changes: object) -> LimitInputs:
    base = {
        "customer_id": "C1",
        "currency": "EUR",
        "current_limit": D("50000"),
        "avg_monthly_sales": D("100000"),
        "demand_cv": 0.3,
        "terms_days": 30,
        "tangible_net_worth": D("4000000"),
        "working_capital": D("900000"),
        "bureau_limit": D("150000"),
        "bureau_provider": "b1",
        "pd": 0.01,
        "grade": 5,
    }
    return LimitInputs(**{**base, **changes})  # type: ignore[arg-type]


def test_the_smallest_chosen_method_decides() -> None:
    rec = recommend(customer(), LimitPolicy())
    amounts = {w.method: w.amount for w in rec.methods}
    assert amounts["need"] == D("160000.00")  # 100,000 × 40 / 30 × 1.2
    assert amounts["capacity"] == D("180000.00")  # grade 5: min(10 % × 4,000,000, 20 % × 900,000)
    # 1,200,000 × 15 % margin × 25 % / (1 % × 45 % × 75 %)
    assert amounts["risk_budget"] == D("13333333.33")
    assert rec.final.amount == D("160000") and rec.final.note == "bound by need"
    # The bureau and the profit-optimal limits are shown, not used, by default.
    assert amounts["bureau"] == D("150000.00") and amounts["profit_optimal"] is not None


def test_weaker_grades_get_smaller_shares_of_the_balance_sheet() -> None:
    strong = recommend(customer(grade=2), LimitPolicy()).methods[1].amount
    weak = recommend(customer(grade=8), LimitPolicy()).methods[1].amount
    assert strong is not None and weak is not None and strong > weak


def test_no_credit_in_default_and_unscored_customers_are_not_trusted_blindly() -> None:
    assert recommend(customer(grade=10, pd=1.0), LimitPolicy()).final.amount == 0
    unscored = recommend(customer(grade=None, pd=None), LimitPolicy())
    assert {w.method: w.amount for w in unscored.methods}["risk_budget"] is None
    # Treated as grade 9: 2 % of net worth / 5 % of working capital.
    assert unscored.methods[1].amount == D("45000.00") and unscored.final.amount == D("45000")


def test_the_policy_files_limits_section_is_read_and_checked() -> None:
    text = Path("policies/check-policy.example.yaml").read_text(encoding="utf-8")
    _, limits = parse_policy(text)
    assert limits.unit == D(1000) and limits.lgd == 0.45 and limits.methods == ("need", "capacity", "risk_budget")
    assert limits.grades[9].ceiling == D(500000) and limits.grades[5] == LimitPolicy().grades[5]
    # A file without a limits section gets the defaults.
    assert parse_policy("name: plain\n")[1] == LimitPolicy()


def test_every_limits_problem_is_placed() -> None:
    bad = 'name: x\nlimits:\n  lgd: "1.5"\n  unit: "0"\n  methods: [need, magic]\n  grades:\n    "11": {tnw_share: "0.1"}\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(bad)
    assert [(p.line, p.column, p.code) for p in caught.value.problems] == [
        (3, 8, "OUT_OF_RANGE"),
        (4, 9, "OUT_OF_RANGE"),
        (5, 19, "UNKNOWN_METHOD"),
        (7, 5, "UNKNOWN_GRADE"),
    ]


def test_a_policys_unit_and_shares_change_the_recommendation() -> None:
    policy = parse_policy('limits:\n  unit: "50000"\n  grades:\n    "5": {tnw_share: "0.01", wc_share: "0.01"}\n')[1]
    rec = recommend(customer(), policy)
    assert {w.method: w.amount for w in rec.methods}["capacity"] == D("9000.00")  # min(1 % × 4,000,000, 1 % × 900,000)
    assert rec.final.amount == 0  # 9,000 rounded down to 50,000


def test_monitor_and_authority_sections_are_read_and_default_when_absent() -> None:
    text = Path("policies/check-policy.example.yaml").read_text(encoding="utf-8")
    limits = parse_policy(text)[1]
    assert limits.monitor == MonitorPolicy()  # the example documents the defaults
    assert limits.authority == AuthorityMatrix()
    custom = parse_policy(
        'monitor: {hold_after_days: 20, review_months: {"9": 2}}\n'
        'approval_authority: {system: {worst_grade: 4, max_limit: {EUR: "1000"}}, admin: {max_limit: unlimited}}\n'
        "limits: {unit: '500'}\n"
    )[1]
    assert custom.monitor.hold_after_days == 20 and custom.monitor.review_months[9] == 2
    assert custom.monitor.review_months[1] == 12 and custom.unit == D(500)  # order of sections does not matter
    assert custom.authority.authorities["system"] == Authority(4, {"EUR": D(1000)})
    assert set(custom.authority.authorities) == {"system", "admin"}  # roles not listed have no authority


def test_every_monitor_and_authority_problem_is_placed() -> None:
    bad = (
        "monitor:\n  hold_after_days: 70\n  block_after_days: 60\n  reward_step: '2'\n"
        "approval_authority:\n  boss: {max_limit: unlimited}\n  analyst: {worst_grade: 12}\n"
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(bad)
    assert [(p.line, p.column, p.code) for p in caught.value.problems] == [
        (4, 16, "OUT_OF_RANGE"),
        (2, 3, "OUT_OF_ORDER"),
        (6, 3, "UNKNOWN_ROLE"),
        (7, 26, "UNKNOWN_GRADE"),
        (7, 12, "MISSING_KEY"),
    ]


def test_special_groups_follow_their_own_rules() -> None:
    policy = LimitPolicy()
    today = date(2026, 6, 30)
    # Government: 60 days' grace, need alone: 100,000 × (30 + 60) / 30 × 1.2, though capacity is lower.
    state = recommend(customer(segment="government", working_capital=D("100000")), policy, today)
    assert state.segment == "government" and state.final.amount == D("360000")
    # Strategic: peak 1.5 and no risk budget: 100,000 × 40 / 30 × 1.5 = 200,000, capacity 180,000 decides.
    strategic = recommend(customer(segment="strategic"), policy, today)
    assert {w.method: w.amount for w in strategic.methods}["need"] == D("200000.00")
    assert strategic.final.amount == D("180000")
    # Probation by tenure (registered five months ago) or by segment: the bureau counts, capped at 200,000.
    fresh = recommend(customer(registered_on=date(2026, 2, 1), bureau_limit=D("70000")), policy, today)
    assert fresh.segment == "probation" and fresh.final.amount == D("70000")
    settled = recommend(customer(registered_on=date(2025, 12, 30), bureau_limit=D("70000")), policy, today)
    assert settled.segment is None and settled.final.amount == D("160000")
    assert recommend(customer(segment="new", bureau_limit=None), policy, today).final.amount == D("160000")
    big = customer(segment="new", avg_monthly_sales=D("1000000"), bureau_limit=None, working_capital=D("9e6"))
    assert recommend(big, policy, today).final.amount == D("200000")  # the probation ceiling
    assert recommend(customer(segment="related_party"), policy, today).raise_role(policy) == "admin"


def test_insurance_and_security_carry_the_limit_up_to_the_need_but_not_beyond() -> None:
    weak = customer(working_capital=D("300000"))  # capacity 60,000 < need 160,000
    assert recommend(weak, LimitPolicy()).final.amount == D("60000")
    insured = recommend(
        replace(weak, insurer="atradius", insured_limit=D("50000"), cover_share=D("0.9")), LimitPolicy()
    )
    parts = {w.method: w.amount for w in insured.methods}
    assert parts["insured"] == D("45000.00") and insured.final.amount == D("105000")  # 60,000 + 45,000
    assert "atradius" in {w.method: w for w in insured.methods}["insured"].formula
    secured = recommend(replace(weak, security=D("250000")), LimitPolicy())
    assert secured.final.amount == D("160000")  # 310,000, at most the need
    assert "at most the need 160000" in secured.final.formula
    defaulted = replace(weak, security=D("250000"), grade=10, pd=1.0)
    assert recommend(defaulted, LimitPolicy()).final.amount == 0  # no support revives credit in default


def test_segments_in_the_policy_file_replace_the_built_in_ones() -> None:
    limits = parse_policy("limits:\n  probation_months: 12\n  segments:\n    government: {grace_days: 90}\n")[1]
    assert limits.probation_months == 12 and limits.segments["government"].grace_days == 90
    assert limits.segments["government"].methods is None  # replaced, not merged
    assert limits.segments["strategic"] == LimitPolicy().segments["strategic"]
    with pytest.raises(PolicyError) as caught:
        parse_policy("limits:\n  segments:\n    vip: {min_role: boss, colour: red}\n")
    assert [(p.line, p.code) for p in caught.value.problems] == [(3, "UNKNOWN_ROLE"), (3, "UNKNOWN_KEY")]


def test_support_needs_a_measured_need() -> None:
    idle = customer(avg_monthly_sales=D(0), working_capital=D("300000"), insured_limit=D("50000"), cover_share=D("1"))
    rec = recommend(idle, LimitPolicy())
    assert rec.methods[0].amount is None and rec.final.amount == 0  # no sales: insurance creates no credit
