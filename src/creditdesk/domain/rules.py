"""Credit check rules, configured per segment or risk class by a versioned check policy.

``evaluate`` is pure: given the account's figures as of today and an amount, it returns
the decision with every reason that applies. The reservation path calls it while it
holds the account's lock, so what it approves fits at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.company_codes import split_segment_account_id
from creditdesk.domain.decisions import Decision, Outcome, Reaction, Reason, ReasonCode, fmt
from creditdesk.domain.ledger import ConvertMinor, Totals
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Which rules apply and how each reacts. ``None`` switches a rule off."""

    limit: Reaction | None = Reaction.BLOCK
    # Dynamic limit: open orders to be delivered more than this many days ahead don't count.
    horizon_days: int | None = None
    max_order: dict[str, Decimal] = field(default_factory=dict)  # per account currency
    max_order_reaction: Reaction = Reaction.REVIEW
    overdue_days: int | None = None
    overdue_reaction: Reaction = Reaction.REVIEW
    overdue_share: Decimal | None = None  # e.g. 0.25: overdue above a quarter of receivables
    overdue_share_reaction: Reaction = Reaction.REVIEW
    on_hold: Reaction = Reaction.REVIEW
    review_expired: Reaction | None = Reaction.REVIEW
    group_limit: Reaction | None = Reaction.BLOCK
    # Collections: from this dunning level (3: final notice) orders get ``dunning_reaction``.
    dunning_level: int | None = 3
    dunning_reaction: Reaction = Reaction.REVIEW

    def overridden(self, changes: dict[str, Any]) -> RuleSet:
        return replace(self, **changes)


RULE_FIELDS = frozenset(f.name for f in fields(RuleSet))


MAX_RESERVATION_DAYS = 180  # the built-in longest reservation, in days after the order date


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """The check rules for every customer: a default with overrides by segment and risk class.

    A risk class override wins over a segment override, which wins over the default.
    ``release_authority`` is the largest order amount (per currency) each role may release
    beyond the limit on its own; ``four_eyes_release`` the largest it may release as the second
    of two people, after someone else asked (default: its own authority). A role not listed
    has no authority; an empty mapping means no ceiling.
    """

    version: int
    name: str
    default: RuleSet = field(default_factory=RuleSet)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    risk_classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    release_authority: dict[Role, dict[str, Decimal]] = field(default_factory=dict)
    four_eyes_release: dict[Role, dict[str, Decimal]] | None = None
    # The longest an order may hold credit: valid_until at most this many days after its date.
    max_reservation_days: int = MAX_RESERVATION_DAYS

    def rules_for(self, segment: str | None, risk_class: str | None) -> RuleSet:
        rules = self.default
        if segment is not None and segment in self.segments:
            rules = rules.overridden(self.segments[segment])
        if risk_class is not None and risk_class in self.risk_classes:
            rules = rules.overridden(self.risk_classes[risk_class])
        return rules

    def may_release(self, role: Role, amount: Money) -> bool:
        """Whether ``role`` may release an order beyond the limit alone."""
        return _within(self.release_authority, role, amount)

    def may_approve_release(self, role: Role, amount: Money) -> bool:
        """Whether ``role`` may release it as the second person, after another asked."""
        if self.may_release(role, amount):
            return True
        return self.four_eyes_release is not None and _within(self.four_eyes_release, role, amount)


def _within(authority: dict[Role, dict[str, Decimal]], role: Role, amount: Money) -> bool:
    if role not in authority:
        return False
    ceilings = authority[role]
    if not ceilings:
        return True
    ceiling = ceilings.get(amount.currency)
    return ceiling is not None and amount.amount <= ceiling


def builtin_policy() -> CheckPolicy:
    """What applies until a policy file is activated: the limit, overdue items and status.
    Safe by default: no one releases beyond the limit alone; a manager or an admin may as the
    second of two people."""
    return CheckPolicy(
        version=0,
        name="built-in",
        default=RuleSet(overdue_days=60, overdue_share=Decimal("0.5")),
        release_authority={},
        four_eyes_release={Role.MANAGER: {}, Role.ADMIN: {}},
    )


@dataclass(frozen=True, slots=True)
class GroupPosition:
    """A pooled group limit the customer falls under, with the rate from account to group currency."""

    group_id: str
    currency: str
    limit: int
    exposure: int
    to_group: ConvertMinor
    kind: str = "group"  # or "segment": the customer's credit segment in a company code


@dataclass(frozen=True, slots=True)
class CheckInputs:
    """One account's figures at the moment of a check (minor units of the account currency)."""

    customer_id: str
    currency: str
    segment: str | None
    risk_class: str | None
    status: AccountStatus
    limit: int
    totals: Totals
    limit_valid_to: date | None = None
    next_review_on: date | None = None
    oldest_open_due: date | None = None
    overdue: int = 0
    dunning_level: int = 0
    dunning_since: date | None = None
    reserved_beyond_horizon: int = 0
    groups: tuple[GroupPosition, ...] = ()
    customer_status: str = "active"  # inactive or merged: no new orders (docs/master-data.md)
    merged_into: str | None = None


def evaluate(rules: RuleSet, inputs: CheckInputs, amount: Money, today: date, policy_version: int = 0) -> Decision:
    assert amount.currency == inputs.currency, "the amount is converted to the account currency first"
    ccy = inputs.currency
    money = Money.minor_maker(ccy)
    minor = amount.minor

    reasons: list[Reason] = []
    figures: tuple[tuple[str, str], ...]
    approvable = minor if minor > 0 else 0
    totals = inputs.totals

    if inputs.customer_status != "active":
        merged = inputs.merged_into is not None
        figures = (
            ("status", inputs.customer_status),
            ("status_zh", "已合并" if merged else "已停用"),
            ("into", f" into {inputs.merged_into}" if merged else ""),
            ("into_zh", f"（并入 {inputs.merged_into}）" if merged else ""),
        )
        reasons.append(Reason(ReasonCode.CUSTOMER_INACTIVE, Reaction.BLOCK, figures))
    if inputs.status is AccountStatus.BLOCKED:
        reasons.append(Reason(ReasonCode.CUSTOMER_BLOCKED, Reaction.BLOCK))
    elif inputs.status is AccountStatus.ON_HOLD:
        reasons.append(Reason(ReasonCode.CUSTOMER_ON_HOLD, rules.on_hold))

    if rules.review_expired is not None:
        for what, what_zh, on in (
            ("the credit limit expired", "信用额度已到期", inputs.limit_valid_to),
            ("the credit review fell due", "信用复核已到期", inputs.next_review_on),
        ):
            if on is not None and on < today:
                figures = (("what", what), ("what_zh", what_zh), ("on", on.isoformat()))
                reasons.append(Reason(ReasonCode.REVIEW_EXPIRED, rules.review_expired, figures))

    if rules.limit is not None:
        counted = totals.exposure
        scope, scope_zh = "", ""
        if rules.horizon_days is not None:
            counted -= inputs.reserved_beyond_horizon
            scope = f" (orders due within {rules.horizon_days} days)"
            scope_zh = f"（{rules.horizon_days} 天内交付的订单）"
        available = inputs.limit - counted
        approvable = min(approvable, max(available, 0))
        if inputs.limit == 0:
            reasons.append(Reason(ReasonCode.NO_LIMIT, rules.limit))
        elif minor > available:
            figures = (
                ("limit", fmt(money(inputs.limit))),
                ("exposure", fmt(money(counted))),
                ("scope", scope),
                ("scope_zh", scope_zh),
                ("available", fmt(money(available))),
                ("approvable", fmt(money(max(available, 0)))),
                # The credit the order lacks: an account already over its limit lacks that too.
                ("shortfall", fmt(money(minor - available))),
            )
            reasons.append(Reason(ReasonCode.OVER_LIMIT, rules.limit, figures))

    maximum = rules.max_order.get(ccy)
    if maximum is not None:
        ceiling = Money(maximum, ccy)
        approvable = min(approvable, ceiling.minor)
        if amount > ceiling:
            figures = (("amount", fmt(amount)), ("maximum", fmt(ceiling)))
            reasons.append(Reason(ReasonCode.ORDER_TOO_LARGE, rules.max_order_reaction, figures))

    if rules.overdue_days is not None and inputs.oldest_open_due is not None:
        days = (today - inputs.oldest_open_due).days
        if days > rules.overdue_days:
            figures = (
                ("days", str(days)),
                ("due", inputs.oldest_open_due.isoformat()),
                ("allowed", str(rules.overdue_days)),
            )
            reasons.append(Reason(ReasonCode.OVERDUE, rules.overdue_reaction, figures))

    if rules.overdue_share is not None and totals.receivable > 0 and inputs.overdue > 0:
        share = Decimal(inputs.overdue) / Decimal(totals.receivable)
        if share > rules.overdue_share:
            figures = (
                ("overdue", fmt(money(inputs.overdue))),
                ("receivable", fmt(money(totals.receivable))),
                ("share", f"{share * 100:.1f}"),
                ("allowed", f"{rules.overdue_share * 100:.1f}"),
            )
            reasons.append(Reason(ReasonCode.OVERDUE_SHARE, rules.overdue_share_reaction, figures))

    if rules.dunning_level is not None and inputs.dunning_level >= rules.dunning_level:
        since = inputs.dunning_since.isoformat() if inputs.dunning_since else "-"
        figures = (("level", str(inputs.dunning_level)), ("since", since), ("allowed", str(rules.dunning_level)))
        reasons.append(Reason(ReasonCode.DUNNING, rules.dunning_reaction, figures))

    for group in inputs.groups:
        # A credit segment is the customer's own limit in one company code: the limit rule's
        # reaction; a pooled group has a rule of its own.
        segment = group.kind == "segment"
        reaction = rules.limit if segment else rules.group_limit
        if reaction is not None:
            wanted = group.to_group(minor)
            available = group.limit - group.exposure
            if wanted > available:

                def gmoney(minor: int, currency: str = group.currency) -> Money:
                    return Money.from_minor(minor, currency)

                # Back to the account currency for "approvable", rounding down by one unit at most.
                back = max(0, available) * minor // wanted if wanted > 0 else 0
                approvable = min(approvable, back)
                figures = (
                    ("group", split_segment_account_id(group.group_id)[1] if segment else group.group_id),
                    ("limit", fmt(gmoney(group.limit))),
                    ("exposure", fmt(gmoney(group.exposure))),
                    ("available", fmt(gmoney(available))),
                    ("approvable", fmt(gmoney(max(available, 0)))),
                    ("shortfall", fmt(gmoney(wanted - available))),
                )
                code = ReasonCode.SEGMENT_OVER_LIMIT if segment else ReasonCode.GROUP_OVER_LIMIT
                reasons.append(Reason(code, reaction, figures))

    if any(reason.reaction is Reaction.BLOCK for reason in reasons):
        outcome = Outcome.BLOCKED
    elif reasons:
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.APPROVED
    return Decision(
        outcome=outcome,
        amount=amount,
        limit=money(inputs.limit),
        receivable=money(totals.receivable),
        reserved=money(totals.reserved),
        delivered=money(totals.delivered),
        approvable=money(approvable),
        reasons=tuple(reasons),
        policy_version=policy_version,
    )
