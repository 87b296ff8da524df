"""Credit decisions: an expected business outcome is a value, with stable reason codes.

Every reason carries the figures it used, and renders itself in English and Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from creditdesk.domain.money import Money


class Outcome(StrEnum):
    APPROVED = "approved"
    BLOCKED = "blocked"
    REVIEW = "review"


class Reaction(StrEnum):
    BLOCK = "block"
    REVIEW = "review"


class ReasonCode(StrEnum):
    OVER_LIMIT = "OVER_LIMIT"
    NO_LIMIT = "NO_LIMIT"
    ORDER_TOO_LARGE = "ORDER_TOO_LARGE"
    OVERDUE = "OVERDUE"
    OVERDUE_SHARE = "OVERDUE_SHARE"
    CUSTOMER_BLOCKED = "CUSTOMER_BLOCKED"
    CUSTOMER_ON_HOLD = "CUSTOMER_ON_HOLD"
    CUSTOMER_INACTIVE = "CUSTOMER_INACTIVE"  # deactivated or merged into another customer
    REVIEW_EXPIRED = "REVIEW_EXPIRED"
    GROUP_OVER_LIMIT = "GROUP_OVER_LIMIT"
    SEGMENT_OVER_LIMIT = "SEGMENT_OVER_LIMIT"
    DUNNING = "DUNNING"


def fmt(money: Money) -> str:
    return f"{money.amount:,} {money.currency}"


_TEXT: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.OVER_LIMIT: (
        "limit {limit}, exposure {exposure}{scope}, available {available}: "
        "approvable up to {approvable}, needs {shortfall} more available credit",
        "信用额度 {limit}，风险敞口 {exposure}{scope_zh}，可用 {available}："
        "最多可批准 {approvable}，还需 {shortfall} 可用额度",
    ),
    ReasonCode.NO_LIMIT: ("the customer has no credit limit", "该客户没有信用额度"),
    ReasonCode.ORDER_TOO_LARGE: (
        "the order {amount} exceeds the largest single order {maximum}",
        "订单金额 {amount} 超过单笔订单上限 {maximum}",
    ),
    ReasonCode.OVERDUE: (
        "the oldest open item is {days} days overdue (due {due}); at most {allowed} days are allowed",
        "最早的未清项已逾期 {days} 天（到期日 {due}）；最多允许 {allowed} 天",
    ),
    ReasonCode.OVERDUE_SHARE: (
        "overdue {overdue} is {share}% of receivables {receivable}; at most {allowed}% is allowed",
        "逾期金额 {overdue} 占应收账款 {receivable} 的 {share}%；最多允许 {allowed}%",
    ),
    ReasonCode.CUSTOMER_BLOCKED: ("the customer's account is blocked", "该客户的信用账户已冻结"),
    ReasonCode.CUSTOMER_ON_HOLD: ("the customer's account is on hold", "该客户的信用账户已暂停"),
    ReasonCode.CUSTOMER_INACTIVE: (
        "the customer is {status}{into}: no new orders",
        "该客户状态为{status_zh}{into_zh}：不接受新订单",
    ),
    ReasonCode.REVIEW_EXPIRED: ("{what} on {on}", "{what_zh}（{on}）"),
    ReasonCode.DUNNING: (
        "the customer is at dunning level {level} since {since}; orders from level {allowed} are checked",
        "该客户自 {since} 起处于催款第 {level} 级；自第 {allowed} 级起订单需复核",
    ),
    ReasonCode.SEGMENT_OVER_LIMIT: (
        "company code {group} limit {limit}, exposure {exposure}, available {available}: "
        "approvable up to {approvable}, needs {shortfall} more available credit in that company code",
        "公司代码 {group} 的信用额度 {limit}，风险敞口 {exposure}，可用 {available}：最多可批准 {approvable}，"
        "该公司代码下还需 {shortfall} 可用额度",
    ),
    ReasonCode.GROUP_OVER_LIMIT: (
        "group {group} limit {limit}, exposure {exposure}, available {available}: "
        "approvable up to {approvable}, needs {shortfall} more available group credit",
        "集团 {group} 信用额度 {limit}，风险敞口 {exposure}，可用 {available}：最多可批准 {approvable}，"
        "还需 {shortfall} 集团可用额度",
    ),
}


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    reaction: Reaction
    figures: tuple[tuple[str, str], ...] = ()

    def text(self, language: str = "en") -> str:
        en, zh = _TEXT[self.code]
        template = zh if language.startswith("zh") else en
        return template.format(**dict(self.figures))

    @property
    def message(self) -> str:
        return self.text("en")


@dataclass(frozen=True, slots=True)
class Decision:
    """A check's outcome with the figures it used and the largest amount that would pass."""

    outcome: Outcome
    amount: Money
    limit: Money
    receivable: Money
    reserved: Money
    delivered: Money
    approvable: Money
    reasons: tuple[Reason, ...] = field(default=())
    policy_version: int = 0

    @property
    def exposure(self) -> Money:
        return self.receivable + self.reserved + self.delivered

    @property
    def available_before(self) -> Money:
        """Limit minus exposure; negative when a limit was cut below exposure."""
        return self.limit - self.exposure

    @property
    def available_after(self) -> Money:
        """What stays available if this amount is accepted (unchanged when it is not)."""
        if self.outcome is Outcome.APPROVED:
            return self.available_before - self.amount
        return self.available_before

    @property
    def codes(self) -> list[str]:
        return [reason.code.value for reason in self.reasons]
