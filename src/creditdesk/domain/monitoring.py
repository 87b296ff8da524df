"""The monitor's rules: what one account's facts on one day call for, with the reasons.

``assess`` is pure. Its facts are measured at the event time of the day it judges (invoices,
payments and reports dated on or before it), never at the wall clock, so replaying the same
events gives the same changes. It compares the facts with the account as it stands and only
returns what differs, so a rerun of a day changes nothing, and each rule's condition is the
negation of the rule that undoes it (hold above 30 days overdue, lift at 30 or less), so a
status only moves when the facts move. A person's own change of status is respected for a
respite before a rule may overrule it.

The default policy:
- penalty: more than 30 days overdue → on hold; more than 60 → blocked; more than 90 → default
  and the limit cut to zero; no increase while anything is more than 30 days overdue;
- recovery: a hold a rule set lifts once nothing is more than 30 days overdue; a block waits for
  a manager;
- reward: six consecutive months paid within terms plus grace with peak utilisation of 80 % or
  more → 20 % more limit, never above the method limit, applied by the system within its own
  authority and requested from a person beyond it; then six months before the next;
- a bureau downgrade of two grades or more freezes increases and makes the review due now;
- a temporary limit lapses to the permanent one after its end date;
- every account has a next review date, sooner for weaker grades.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.authority import SYSTEM, AuthorityMatrix
from creditdesk.domain.money import Money

D = Decimal
REWARD_UTILISATION = D("0.8")
REWARD_STEP = D("0.2")


def _default_review_months() -> dict[int, int]:
    return {1: 12, 2: 12, 3: 12, 4: 6, 5: 6, 6: 6, 7: 3, 8: 3, 9: 1, 10: 1}


@dataclass(frozen=True, slots=True)
class MonitorPolicy:
    hold_after_days: int = 30
    block_after_days: int = 60
    default_after_days: int = 90
    reward_months: int = 6
    reward_utilisation: Decimal = REWARD_UTILISATION
    reward_step: Decimal = REWARD_STEP
    downgrade_grades: int = 2
    manual_respite_days: int = 14  # a person's status change stands this long against the rules
    review_months: Mapping[int, int] = field(default_factory=_default_review_months)


class Rule(StrEnum):
    OVERDUE_HOLD = "OVERDUE_HOLD"
    OVERDUE_BLOCK = "OVERDUE_BLOCK"
    DEFAULT = "DEFAULT"
    DEFAULT_CURED = "DEFAULT_CURED"
    HOLD_LIFTED = "HOLD_LIFTED"
    REWARD = "REWARD"
    BUREAU_DOWNGRADE = "BUREAU_DOWNGRADE"
    TEMPORARY_LAPSED = "TEMPORARY_LAPSED"
    REVIEW_SCHEDULED = "REVIEW_SCHEDULED"


class Field(StrEnum):
    STATUS = "status"
    LIMIT = "limit"
    DEFAULT = "default"  # the date the account went into default, or none
    FREEZE = "freeze"  # the date increases were frozen from
    REVIEW = "review"  # the next review date
    REQUEST = "request"  # a limit request for a person to decide


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """One account on one day: its standing and what its events say."""

    customer_id: str
    currency: str
    as_of: date
    status: AccountStatus
    status_by_rule: bool
    status_changed_on: date | None
    limit: Decimal  # the permanent limit, or the temporary one while it runs
    limit_valid_to: date | None
    base_limit: Decimal | None  # the permanent limit under a temporary one
    days_overdue: int  # of the oldest undisputed open item; 0 when nothing is past due
    good_months: int  # consecutive whole months just before as_of paid within terms plus grace
    peak_utilisation: Decimal | None  # highest receivables / limit since the window began
    method_limit: Decimal | None  # the recommended limit of the active policy's methods
    grade: int | None
    bureau_drop: int = 0  # grades the latest bureau report fell below the one before
    bureau_provider: str | None = None
    bureau_report_on: date | None = None
    downgrade_seen_on: date | None = None  # the last bureau report already acted on
    increases_frozen_since: date | None = None
    last_increase_on: date | None = None
    in_default_since: date | None = None
    next_review_on: date | None = None
    pending_request: bool = False
    raise_role: str | None = None  # its special group's raises need at least this role
    last_rejected_on: date | None = None  # the last limit request a person turned down


@dataclass(frozen=True, slots=True)
class Change:
    rule: Rule
    field: Field
    before: str | None
    after: str | None
    inputs: dict[str, str]
    en: str
    zh: str
    required_role: str | None = None  # for a request: who must decide it


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (31 Jan to 29 Feb is one)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day and later.day != calendar.monthrange(later.year, later.month)[1]:
        months -= 1
    return months


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _fmt(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def day_zh(day: date | None) -> str:
    """A day as the Chinese explanations write it: 2026年10月31日."""
    return "—" if day is None else f"{day.year}年{day.month}月{day.day}日"


#: Roles as the Chinese explanations name them ("提交信用经理审批", never "提交manager审批").
ROLE_ZH = {"viewer": "查看员", "sales": "销售", "analyst": "信用分析师", "manager": "信用经理", "admin": "管理员"}
#: Rating sources as the Chinese explanations name them.
PROVIDER_ZH = {"bureau_a": "征信机构甲", "bureau_b": "征信机构乙", "bureau_c": "征信机构丙"}


def _status_changes(f: AccountFacts, p: MonitorPolicy) -> list[Change]:
    days = f.days_overdue
    inputs = {"days_overdue": str(days)}
    respite = (
        not f.status_by_rule
        and f.status_changed_on is not None
        and (f.as_of - f.status_changed_on).days < p.manual_respite_days
    )
    if respite:
        return []
    target: AccountStatus | None = None
    if days > p.block_after_days and f.status is not AccountStatus.BLOCKED:
        target, rule = AccountStatus.BLOCKED, Rule.OVERDUE_BLOCK
        en = f"an item is {days} days overdue (more than {p.block_after_days}): account blocked"
        zh = f"有款项逾期 {days} 天（超过 {p.block_after_days} 天）：账户冻结"
    elif days > p.hold_after_days and f.status is AccountStatus.ACTIVE:
        target, rule = AccountStatus.ON_HOLD, Rule.OVERDUE_HOLD
        en = f"an item is {days} days overdue (more than {p.hold_after_days}): new orders go to review"
        zh = f"有款项逾期 {days} 天（超过 {p.hold_after_days} 天）：新订单转人工审核"
    elif days <= p.hold_after_days and f.status is AccountStatus.ON_HOLD and f.status_by_rule:
        target, rule = AccountStatus.ACTIVE, Rule.HOLD_LIFTED
        en = f"nothing is more than {p.hold_after_days} days overdue any more: the hold is lifted"
        zh = f"已无逾期超过 {p.hold_after_days} 天的款项：解除暂停"
    if target is None:
        return []
    return [Change(rule, Field.STATUS, f.status.value, target.value, inputs, en, zh)]


def _default_changes(f: AccountFacts, p: MonitorPolicy) -> list[Change]:
    days = f.days_overdue
    inputs = {"days_overdue": str(days)}
    if days > p.default_after_days and f.in_default_since is None:
        en = f"an item is {days} days overdue (more than {p.default_after_days}): default, no credit"
        zh = f"有款项逾期 {days} 天（超过 {p.default_after_days} 天）：认定违约，不再授信"
        changes = [Change(Rule.DEFAULT, Field.DEFAULT, None, f.as_of.isoformat(), inputs, en, zh)]
        if f.limit > 0:
            before = _fmt(f.limit, f.currency)
            changes.append(Change(Rule.DEFAULT, Field.LIMIT, str(f.limit), "0", inputs, f"{en} ({before} → 0)", zh))
        return changes
    if days <= p.default_after_days and f.in_default_since is not None:
        en = f"nothing is more than {p.default_after_days} days overdue: out of default; the limit waits for a review"
        zh = f"已无逾期超过 {p.default_after_days} 天的款项：解除违约认定，额度待复核"
        return [Change(Rule.DEFAULT_CURED, Field.DEFAULT, f.in_default_since.isoformat(), None, inputs, en, zh)]
    return []


def _temporary_changes(f: AccountFacts) -> list[Change]:
    if f.base_limit is None or f.limit_valid_to is None or f.limit_valid_to >= f.as_of:
        return []
    inputs = {"temporary": str(f.limit), "ended": f.limit_valid_to.isoformat(), "permanent": str(f.base_limit)}
    en = (
        f"the temporary limit {_fmt(f.limit, f.currency)} ended on {f.limit_valid_to}: "
        f"back to {_fmt(f.base_limit, f.currency)}"
    )
    zh = (
        f"临时额度 {_fmt(f.limit, f.currency)} 已于 {day_zh(f.limit_valid_to)} 到期："
        f"恢复为 {_fmt(f.base_limit, f.currency)}"
    )
    return [Change(Rule.TEMPORARY_LAPSED, Field.LIMIT, str(f.limit), str(f.base_limit), inputs, en, zh)]


def _bureau_changes(f: AccountFacts, p: MonitorPolicy) -> list[Change]:
    if f.bureau_drop < p.downgrade_grades or f.bureau_report_on is None:
        return []
    if f.downgrade_seen_on is not None and f.bureau_report_on <= f.downgrade_seen_on:
        return []
    inputs = {"provider": str(f.bureau_provider), "report_date": f.bureau_report_on.isoformat()}
    inputs["grades_down"] = str(f.bureau_drop)
    en = (
        f"{f.bureau_provider} downgraded the customer by {f.bureau_drop} grades on {f.bureau_report_on}: "
        "no increases until a review"
    )
    provider = PROVIDER_ZH.get(str(f.bureau_provider), str(f.bureau_provider))
    zh = f"{provider}于 {day_zh(f.bureau_report_on)} 将客户下调 {f.bureau_drop} 级：复核前不再提额"
    review = f.as_of.isoformat()
    return [
        Change(Rule.BUREAU_DOWNGRADE, Field.FREEZE, None, f.bureau_report_on.isoformat(), inputs, en, zh),
        Change(
            Rule.BUREAU_DOWNGRADE,
            Field.REVIEW,
            f.next_review_on.isoformat() if f.next_review_on else None,
            review,
            inputs,
            "review due now: " + en,
            "立即复核：" + zh,
        ),
    ]


def _review_changes(f: AccountFacts, p: MonitorPolicy) -> list[Change]:
    if f.next_review_on is not None:
        return []
    grade = f.grade if f.grade is not None else 9
    months = p.review_months[grade]
    on = add_months(f.as_of, months)
    inputs = {"grade": str(f.grade), "months": str(months)}
    en = f"grade {f.grade or 'unscored'}: reviewed every {months} months, next on {on}"
    zh = f"评级 {f.grade or '未评分'}：每 {months} 个月复核一次，下次 {day_zh(on)}"
    return [Change(Rule.REVIEW_SCHEDULED, Field.REVIEW, None, on.isoformat(), inputs, en, zh)]


def _floor_to(amount: Decimal, unit: Decimal) -> Decimal:
    return (amount / unit).to_integral_value(rounding=ROUND_FLOOR) * unit


def reward_blockers(f: AccountFacts, p: MonitorPolicy) -> list[str]:
    """Why a customer earns no increase today (empty when it does)."""
    blockers = []
    if f.status is not AccountStatus.ACTIVE or f.in_default_since is not None:
        blockers.append(f"status {f.status.value}")
    if f.days_overdue > p.hold_after_days:
        blockers.append(f"{f.days_overdue} days overdue")
    if f.increases_frozen_since is not None:
        blockers.append(f"increases frozen since {f.increases_frozen_since}")
    if f.good_months < p.reward_months:
        blockers.append(f"{f.good_months} of {p.reward_months} months paid within terms plus grace")
    if f.peak_utilisation is None or f.peak_utilisation < p.reward_utilisation:
        blockers.append(f"peak utilisation {f.peak_utilisation} below {p.reward_utilisation}")
    if f.last_increase_on is not None and months_between(f.last_increase_on, f.as_of) < p.reward_months:
        blockers.append(f"last increase on {f.last_increase_on}")
    if f.pending_request:
        blockers.append("a limit request is pending")
    if f.last_rejected_on is not None and months_between(f.last_rejected_on, f.as_of) < p.reward_months:
        blockers.append(f"a raise was turned down on {f.last_rejected_on}")
    if f.limit <= 0 or f.base_limit is not None:
        blockers.append("no permanent limit to increase")
    if f.method_limit is None:
        blockers.append("no method limit")
    return blockers


def _reward_changes(f: AccountFacts, p: MonitorPolicy, authority: AuthorityMatrix, unit: Decimal) -> list[Change]:
    if reward_blockers(f, p) or f.method_limit is None:
        return []
    proposed = _floor_to(f.limit * (1 + p.reward_step), unit)
    new = min(proposed, f.method_limit)
    if new <= f.limit:
        return []
    inputs = {
        "good_months": str(f.good_months),
        "peak_utilisation": str(f.peak_utilisation),
        "proposed": str(proposed),
        "method_limit": str(f.method_limit),
    }
    capped = " (capped at the method limit)" if new < proposed else ""
    capped_zh = "（以方法额度为上限）" if new < proposed else ""
    step = f"{p.reward_step * 100:.0f}"
    en = (
        f"{f.good_months} months paid within terms and grace, peak utilisation {f.peak_utilisation:.0%}: "
        f"limit {_fmt(f.limit, f.currency)} → {_fmt(new, f.currency)} (+{step} %){capped}"
    )
    zh = (
        f"连续 {f.good_months} 个月按期付款，峰值额度使用率 {f.peak_utilisation:.0%}："
        f"额度 {_fmt(f.limit, f.currency)} → {_fmt(new, f.currency)}（+{step}%）{capped_zh}"
    )
    current, target = Money(f.limit, f.currency), Money(new, f.currency)
    if authority.may_set(SYSTEM, target, current, f.grade, f.raise_role):
        return [Change(Rule.REWARD, Field.LIMIT, str(f.limit), str(new), inputs, en, zh)]
    role = authority.required_role(target, current, f.grade, f.raise_role).value
    en += f"; beyond the system's authority, requested from a {role}"
    zh += f"；超出系统权限，提交{ROLE_ZH.get(role, role)}审批"
    return [Change(Rule.REWARD, Field.REQUEST, str(f.limit), str(new), inputs, en, zh, required_role=role)]


def assess(f: AccountFacts, p: MonitorPolicy, authority: AuthorityMatrix, unit: Decimal) -> list[Change]:
    """Every change the facts call for today, penalties before rewards."""
    changes = _temporary_changes(f) + _default_changes(f, p) + _status_changes(f, p)
    downgrade = _bureau_changes(f, p)
    changes += downgrade or _review_changes(f, p)
    if not downgrade:  # the reward's own blockers see everything else
        changes += _reward_changes(f, p, authority, unit)
    return changes
