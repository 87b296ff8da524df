"""Credit decisions: an expected business outcome is a value, with stable reason codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from creditdesk.domain.accounts import AccountStatus, CreditAccount
from creditdesk.domain.money import Money


class Outcome(StrEnum):
    APPROVED = "approved"
    BLOCKED = "blocked"
    REVIEW = "review"


class ReasonCode(StrEnum):
    OVER_LIMIT = "OVER_LIMIT"
    OVERDUE = "OVERDUE"
    CUSTOMER_BLOCKED = "CUSTOMER_BLOCKED"
    CUSTOMER_ON_HOLD = "CUSTOMER_ON_HOLD"
    REVIEW_EXPIRED = "REVIEW_EXPIRED"
    GROUP_OVER_LIMIT = "GROUP_OVER_LIMIT"
    NO_LIMIT = "NO_LIMIT"


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    amount: Money
    limit: Money
    exposure: Money
    available_before: Money
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def available_after(self) -> Money:
        """What stays available if this amount is accepted (unchanged when it is not)."""
        if self.outcome is Outcome.APPROVED:
            return self.available_before - self.amount
        return self.available_before


def _fmt(money: Money) -> str:
    return f"{money.amount:,} {money.currency}"


def check_static_limit(account: CreditAccount, amount: Money) -> Decision:
    """Static check: the amount must fit in limit minus exposure, on an account in good standing.

    Reasons state the figures used and what would pass.
    """
    available = account.available
    reasons: list[Reason] = []
    if account.status is AccountStatus.BLOCKED:
        reasons.append(Reason(ReasonCode.CUSTOMER_BLOCKED, "the customer's account is blocked"))
    elif account.status is AccountStatus.ON_HOLD:
        reasons.append(Reason(ReasonCode.CUSTOMER_ON_HOLD, "the customer's account is on hold; needs review"))
    if account.limit.is_zero():
        reasons.append(Reason(ReasonCode.NO_LIMIT, "the customer has no credit limit"))
    elif amount > available:
        shortfall = amount - available.max_zero()
        reasons.append(
            Reason(
                ReasonCode.OVER_LIMIT,
                f"limit {_fmt(account.limit)}, exposure {_fmt(account.exposure)}, "
                f"available {_fmt(available)}; approvable up to {_fmt(available.max_zero())}, "
                f"needs {_fmt(shortfall)} more available credit",
            )
        )
    if not reasons:
        outcome = Outcome.APPROVED
    elif all(reason.code is ReasonCode.CUSTOMER_ON_HOLD for reason in reasons):
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.BLOCKED
    return Decision(
        outcome=outcome,
        amount=amount,
        limit=account.limit,
        exposure=account.exposure,
        available_before=available,
        reasons=tuple(reasons),
    )
