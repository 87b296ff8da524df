"""The monitor's rules and the authority matrix, one rule at a time, on hand-made facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.authority import SYSTEM, Authority, AuthorityMatrix
from creditdesk.domain.money import Money
from creditdesk.domain.monitoring import (
    AccountFacts,
    Field,
    MonitorPolicy,
    Rule,
    add_months,
    assess,
    months_between,
    reward_blockers,
)
from creditdesk.domain.roles import Role

D = Decimal
DAY = date(2026, 6, 15)
POLICY = MonitorPolicy()
AUTHORITY = AuthorityMatrix()
UNIT = D(1000)

GOOD = AccountFacts(
    customer_id="C1",
    currency="EUR",
    as_of=DAY,
    status=AccountStatus.ACTIVE,
    status_by_rule=False,
    status_changed_on=None,
    limit=D(10000),
    limit_valid_to=None,
    base_limit=None,
    days_overdue=0,
    good_months=2,
    peak_utilisation=D("0.5"),
    method_limit=D(50000),
    grade=4,
    next_review_on=date(2026, 12, 1),
)


def verdict(facts: AccountFacts) -> list[tuple[Rule, Field, str | None, str | None]]:
    return [(c.rule, c.field, c.before, c.after) for c in assess(facts, POLICY, AUTHORITY, UNIT)]


def test_a_quiet_account_changes_nothing() -> None:
    assert verdict(GOOD) == []


@pytest.mark.parametrize(
    ("days", "status", "expected"),
    [
        (30, AccountStatus.ACTIVE, []),
        (31, AccountStatus.ACTIVE, [(Rule.OVERDUE_HOLD, Field.STATUS, "active", "on_hold")]),
        (60, AccountStatus.ON_HOLD, []),
        (61, AccountStatus.ON_HOLD, [(Rule.OVERDUE_BLOCK, Field.STATUS, "on_hold", "blocked")]),
        (61, AccountStatus.ACTIVE, [(Rule.OVERDUE_BLOCK, Field.STATUS, "active", "blocked")]),
        (61, AccountStatus.BLOCKED, []),
    ],
)
def test_penalties_follow_the_days_overdue(days: int, status: AccountStatus, expected: list[object]) -> None:
    assert verdict(replace(GOOD, days_overdue=days, status=status, status_by_rule=True)) == expected


def test_more_than_ninety_days_is_default_and_the_limit_goes_to_zero() -> None:
    changes = verdict(replace(GOOD, days_overdue=91, status=AccountStatus.BLOCKED, status_by_rule=True))
    assert changes == [
        (Rule.DEFAULT, Field.DEFAULT, None, DAY.isoformat()),
        (Rule.DEFAULT, Field.LIMIT, "10000", "0"),
    ]
    # Once marked, nothing more happens while it stays in default.
    marked = replace(GOOD, days_overdue=120, status=AccountStatus.BLOCKED, limit=D(0), in_default_since=DAY)
    assert verdict(marked) == []


def test_default_is_cured_when_nothing_is_ninety_days_overdue_but_the_block_stays() -> None:
    facts = replace(
        GOOD, days_overdue=0, status=AccountStatus.BLOCKED, status_by_rule=True, limit=D(0), in_default_since=DAY
    )
    assert verdict(facts) == [(Rule.DEFAULT_CURED, Field.DEFAULT, DAY.isoformat(), None)]


def test_a_hold_set_by_a_rule_lifts_at_thirty_days_or_less_but_a_persons_hold_does_not() -> None:
    held = replace(GOOD, status=AccountStatus.ON_HOLD, status_by_rule=True, days_overdue=30)
    assert verdict(held) == [(Rule.HOLD_LIFTED, Field.STATUS, "on_hold", "active")]
    by_person = replace(held, status_by_rule=False, status_changed_on=date(2026, 1, 1))
    assert verdict(by_person) == []
    blocked = replace(held, status=AccountStatus.BLOCKED)
    assert verdict(blocked) == []  # a block waits for a manager


def test_a_persons_release_stands_for_the_respite_before_the_rules_hold_again() -> None:
    released = replace(GOOD, days_overdue=45, status_by_rule=False, status_changed_on=date(2026, 6, 5))
    assert verdict(released) == []  # 10 days after a manager's release
    assert verdict(replace(released, as_of=date(2026, 6, 19))) == [
        (Rule.OVERDUE_HOLD, Field.STATUS, "active", "on_hold")
    ]


def test_hold_and_lift_do_not_flap_on_the_same_facts() -> None:
    facts = replace(GOOD, days_overdue=31)
    (hold,) = assess(facts, POLICY, AUTHORITY, UNIT)
    held = replace(facts, status=AccountStatus(hold.after), status_by_rule=True, status_changed_on=DAY)
    assert verdict(held) == []  # the same facts the next time: nothing to change


def reward_ready(**changes: object) -> AccountFacts:
    ready: dict[str, object] = {"good_months": 6, "peak_utilisation": D("0.85"), **changes}
    return replace(GOOD, **ready)  # type: ignore[arg-type]


def test_reward_raises_twenty_percent_within_the_systems_authority() -> None:
    (change,) = assess(reward_ready(), POLICY, AUTHORITY, UNIT)
    assert (change.rule, change.field, change.before, change.after) == (Rule.REWARD, Field.LIMIT, "10000", "12000")
    assert "6 months" in change.en and "+20 %" in change.en and "连续 6 个月" in change.zh


def test_reward_is_capped_by_the_method_limit_and_rounded_down_to_the_unit() -> None:
    (capped,) = assess(reward_ready(method_limit=D(11500)), POLICY, AUTHORITY, UNIT)
    assert capped.after == "11500" and "capped at the method limit" in capped.en
    assert verdict(reward_ready(method_limit=D(9000))) == []  # never above the method limit
    (rounded,) = assess(reward_ready(limit=D(10900)), POLICY, AUTHORITY, UNIT)
    assert rounded.after == "13000"  # 13,080 rounded down to a thousand


def test_reward_beyond_the_systems_authority_becomes_a_request() -> None:
    (change,) = assess(reward_ready(limit=D(55000), method_limit=D(90000)), POLICY, AUTHORITY, UNIT)
    assert change.field is Field.REQUEST and change.after == "66000" and change.required_role == "analyst"
    (weak,) = assess(reward_ready(grade=7), POLICY, AUTHORITY, UNIT)
    assert weak.field is Field.REQUEST and weak.required_role == "manager"  # grade 7 is beyond the system


@pytest.mark.parametrize(
    ("changes", "blocker"),
    [
        ({"good_months": 5}, "5 of 6 months"),
        ({"peak_utilisation": D("0.79")}, "peak utilisation"),
        ({"peak_utilisation": None}, "peak utilisation"),
        ({"days_overdue": 31}, "31 days overdue"),
        ({"increases_frozen_since": date(2026, 5, 1)}, "frozen"),
        ({"last_increase_on": date(2026, 1, 1)}, "last increase"),
        ({"pending_request": True}, "pending"),
        ({"method_limit": None}, "no method limit"),
        ({"status": AccountStatus.ON_HOLD, "status_by_rule": False}, "status on_hold"),
        ({"base_limit": D(5000), "limit_valid_to": date(2026, 7, 1)}, "no permanent limit"),
    ],
)
def test_no_reward_without_every_condition(changes: dict[str, object], blocker: str) -> None:
    facts = reward_ready(**changes)
    assert any(blocker in text for text in reward_blockers(facts, POLICY))
    assert all(c.rule is not Rule.REWARD for c in assess(facts, POLICY, AUTHORITY, UNIT))


def test_six_months_after_the_last_increase_it_may_come_again() -> None:
    assert verdict(reward_ready(last_increase_on=date(2025, 12, 15)))[0][0] is Rule.REWARD
    assert verdict(reward_ready(last_increase_on=date(2025, 12, 16))) == []


def test_a_bureau_downgrade_of_two_grades_freezes_increases_and_makes_the_review_due() -> None:
    facts = reward_ready(bureau_drop=2, bureau_provider="b1", bureau_report_on=date(2026, 6, 10))
    assert verdict(facts) == [
        (Rule.BUREAU_DOWNGRADE, Field.FREEZE, None, "2026-06-10"),
        (Rule.BUREAU_DOWNGRADE, Field.REVIEW, "2026-12-01", DAY.isoformat()),
    ]
    assert verdict(replace(facts, bureau_drop=1)) != verdict(facts)  # one grade is not enough
    assert verdict(replace(facts, downgrade_seen_on=date(2026, 6, 10)))[0][0] is Rule.REWARD  # acted on already


def test_a_temporary_limit_lapses_the_day_after_it_ends() -> None:
    temporary = replace(GOOD, limit=D(20000), base_limit=D(10000), limit_valid_to=date(2026, 6, 15))
    assert verdict(temporary) == []  # its last day
    lapsed = replace(temporary, as_of=date(2026, 6, 16))
    assert verdict(lapsed) == [(Rule.TEMPORARY_LAPSED, Field.LIMIT, "20000", "10000")]


@pytest.mark.parametrize(("grade", "months"), [(2, 12), (5, 6), (8, 3), (9, 1), (None, 1)])
def test_reviews_come_sooner_for_weaker_grades(grade: int | None, months: int) -> None:
    (change,) = assess(replace(GOOD, grade=grade, next_review_on=None), POLICY, AUTHORITY, UNIT)
    assert change.rule is Rule.REVIEW_SCHEDULED and change.after == add_months(DAY, months).isoformat()


def test_calendar_months() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 3, 15), -6) == date(2025, 9, 15)
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert months_between(date(2026, 1, 15), date(2026, 7, 14)) == 5
    assert months_between(date(2026, 1, 15), date(2026, 7, 15)) == 6


def test_authority_matrix_by_amount_grade_and_role() -> None:
    eur = AuthorityMatrix(
        {
            SYSTEM: Authority(6, {"EUR": D(50000)}),
            "analyst": Authority(6, {"EUR": D(100000)}),
            "manager": Authority(8, {"EUR": D(1000000)}),
            "admin": Authority(10, None),
        }
    )
    current = Money.of("10000", "EUR")
    assert eur.may_set(SYSTEM, Money.of("50000", "EUR"), current, 6)
    assert not eur.may_set(SYSTEM, Money.of("50000.01", "EUR"), current, 6)
    assert not eur.may_set(Role.ANALYST, Money.of("20000", "EUR"), current, 7)  # grade beyond the analyst
    assert eur.may_set(Role.MANAGER, Money.of("20000", "EUR"), current, 7)
    assert not eur.may_set(Role.MANAGER, Money.of("20000", "EUR"), current, None)  # unscored: grade 9
    assert eur.may_set(Role.ANALYST, Money.of("5000", "EUR"), current, 10)  # a cut needs no authority
    assert not eur.may_set(Role.SALES, Money.of("5000", "EUR"), current, 1)  # sales sets nothing
    assert not eur.may_set(Role.ANALYST, Money.of("20000", "USD"), Money.of("1", "USD"), 1)  # no USD ceiling
    assert eur.required_role(Money.of("80000", "EUR"), current, 3) is Role.ANALYST
    assert eur.required_role(Money.of("80000", "EUR"), current, 8) is Role.MANAGER
    assert eur.required_role(Money.of("2000000", "EUR"), current, 1) is Role.ADMIN
    assert eur.required_role(Money.of("20000", "EUR"), current, None) is Role.ADMIN


def test_a_special_groups_raises_need_its_role_and_never_the_system() -> None:
    current, raised = Money.of("10000", "EUR"), Money.of("12000", "EUR")
    assert AUTHORITY.may_set(SYSTEM, raised, current, 3)
    assert not AUTHORITY.may_set(SYSTEM, raised, current, 3, raise_role="admin")
    assert not AUTHORITY.may_set(Role.MANAGER, raised, current, 3, raise_role="admin")
    assert AUTHORITY.may_set(Role.ADMIN, raised, current, 3, raise_role="admin")
    assert AUTHORITY.may_set(Role.ANALYST, Money.of("5000", "EUR"), current, 3, raise_role="admin")  # a cut
    assert AUTHORITY.required_role(raised, current, 3, raise_role="manager") is Role.MANAGER
    (change,) = assess(reward_ready(raise_role="admin"), POLICY, AUTHORITY, UNIT)
    assert change.field is Field.REQUEST and change.required_role == "admin"


def test_a_raise_turned_down_is_not_proposed_again_for_six_months() -> None:
    assert verdict(reward_ready(last_rejected_on=date(2026, 6, 1))) == []
    assert verdict(reward_ready(last_rejected_on=date(2025, 12, 15)))[0][0] is Rule.REWARD
