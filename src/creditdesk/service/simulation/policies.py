"""The policies a simulation compares: the system's own check, limit and monitor policies,
and where the starting limits come from.

A simulated policy is nothing but the objects the live system runs on (a ``CheckPolicy`` for
``rules.evaluate``, a ``LimitPolicy`` for ``limit_policy.recommend`` and its ``MonitorPolicy``
for ``monitoring.assess``), so a policy file simulated is the policy file activated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from creditdesk.domain.limit_policy import PROBATION, LimitPolicy, SegmentRule
from creditdesk.domain.monitoring import MonitorPolicy
from creditdesk.domain.rules import CheckPolicy, RuleSet, builtin_policy

#: The months a run from the book replays its selling before the policies act (``Scenario``'s
#: history warm-up): the monitor sees a ledger with history, not an empty one.
WARMUP_MONTHS = 3

#: A threshold no account reaches in a simulation: switches a monitor rule off.
_NEVER_DAYS = 10**6


class Start(StrEnum):
    CURRENT = "current"  # the limits on the accounts today (a legacy, static book)
    RECOMMENDED = "recommended"  # the policy's methods set every limit on day one


@dataclass(frozen=True)
class Practice:
    """What the credit team was seen to do in the history, whatever the limits said: the share of
    orders it refused (rejected or left blocked), of those it did not cancel, and what it was
    measured on; and whether it wrote bad debts off."""

    refused_share: float
    orders: int  # in the history measured (0: no order history: every invoice was a sale)
    since: str  # the history's first and last day, ISO dates
    until: str
    # Whether the book wrote off what failed customers left unpaid; if not, it stays in the
    # receivables (overdue), as it stayed in the book.
    writes_off: bool = True


@dataclass(frozen=True)
class SimPolicy:
    """``monitor`` None: limits never move (no reviews, no reward, no penalty). ``practice``: the
    check is not run; each order is refused with the practice's share (an as-is baseline)."""

    name: str
    check: CheckPolicy
    limits: LimitPolicy
    start: Start
    monitor: MonitorPolicy | None
    practice: Practice | None = None

    @property
    def resets_at_review(self) -> bool:
        """A review sets the limit again by the policy's methods; otherwise the reviewer confirms
        the limit and only the method limit (the reward's ceiling) is brought up to date."""
        return self.start is Start.RECOMMENDED


def reviews_only(monitor: MonitorPolicy) -> MonitorPolicy:
    """The monitor with its penalties and rewards switched off: only reviews are scheduled."""
    return replace(
        monitor,
        hold_after_days=_NEVER_DAYS,
        block_after_days=_NEVER_DAYS,
        default_after_days=_NEVER_DAYS,
        reward_months=_NEVER_DAYS,
        downgrade_grades=_NEVER_DAYS,
    )


AS_IS = "as-is practice"


def as_is(practice: Practice) -> SimPolicy:
    """The book as it was run: limits as they stand, never enforced beyond what the history shows
    (the practice's refusals), nothing reviewed. The baseline every effect is measured against."""
    return SimPolicy(AS_IS, builtin_policy(), LimitPolicy(), Start.CURRENT, None, practice)


def legacy(check: CheckPolicy | None = None) -> SimPolicy:
    """Static limits as they stand, enforced strictly by the built-in check, nothing ever reviewed
    (a named alternative: the book was not run this way, see ``as_is``)."""
    return SimPolicy("static legacy limits", check or builtin_policy(), LimitPolicy(), Start.CURRENT, None)


def score_based(limits: LimitPolicy | None = None, check: CheckPolicy | None = None) -> SimPolicy:
    """Limits from the policy's methods (need, capacity, risk budget), reset at each review."""
    limits = limits or LimitPolicy()
    return SimPolicy(
        "score-based limits", check or builtin_policy(), limits, Start.RECOMMENDED, reviews_only(limits.monitor)
    )


def dynamic(limits: LimitPolicy | None = None, check: CheckPolicy | None = None) -> SimPolicy:
    """Today's limits, moved every month by the monitor: a reward for good payers who use their
    limit (up to the methods' limit), hold, block and default for late payers."""
    limits = limits or LimitPolicy()
    return SimPolicy("dynamic limits", check or builtin_policy(), limits, Start.CURRENT, limits.monitor)


def profit_optimal(limits: LimitPolicy | None = None, check: CheckPolicy | None = None) -> SimPolicy:
    """The profit-optimal method alone sets the limit (new customers keep their ceiling), with the
    dynamic monitor."""
    base = limits or LimitPolicy()
    probation = base.segments.get(PROBATION, SegmentRule())
    segments = {PROBATION: SegmentRule(methods=("profit_optimal",), ceiling=probation.ceiling)}
    optimal = replace(base, methods=("profit_optimal",), segments=segments)
    return SimPolicy("profit-optimal limits", check or builtin_policy(), optimal, Start.RECOMMENDED, optimal.monitor)


def builtins() -> list[SimPolicy]:
    return [legacy(), score_based(), dynamic(), profit_optimal()]


def from_file(name: str, check: CheckPolicy, limits: LimitPolicy) -> SimPolicy:
    """A policy file as it would run when activated: its methods set the limits, its monitor moves them."""
    return SimPolicy(name, check, limits, Start.RECOMMENDED, limits.monitor)


def with_appetite(policy: SimPolicy, scale: Decimal) -> SimPolicy:
    """The same policy with its risk appetite scaled: the need's peak factor and the risk budget's
    share of the margin both times ``scale`` (segments' own figures stay)."""
    base = policy.limits
    limits = replace(base, peak_factor=base.peak_factor * scale, risk_budget_share=base.risk_budget_share * scale)
    return replace(policy, name=f"{policy.name} × {scale}", limits=limits)


def open_book() -> SimPolicy:
    """No limit and no rule: every order is accepted (a yardstick, and a test)."""
    off = RuleSet(
        limit=None, overdue_days=None, overdue_share=None, review_expired=None, group_limit=None, dunning_level=None
    )
    return SimPolicy("no limits", CheckPolicy(0, "no limits", off), LimitPolicy(), Start.CURRENT, None)
