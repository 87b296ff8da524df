"""Credit accounts: the limit, its history and the running exposure totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from creditdesk.domain.money import Money


class AccountStatus(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class LimitChange:
    """One entry of a limit's history: who set what, when, why and for which period."""

    customer_id: str
    amount: Money
    reason: str
    changed_by: str
    changed_at: datetime
    valid_from: date
    valid_to: date | None = None
    source: str = "manual"  # manual, request, rule or import
    rule: str | None = None  # the monitor rule that made it
    policy_version: int | None = None
    request_id: str | None = None  # the approved request it carries out
    company_code: str | None = None  # a credit segment's limit; None: the customer's total
    reason_zh: str | None = None  # the reason in Chinese, where the system wrote it (a person's: None)

    def as_json(self) -> dict[str, object]:
        chinese = {"reason_zh": self.reason_zh} if self.reason_zh is not None else {}
        return chinese | {
            "amount": str(self.amount.amount),
            "currency": self.amount.currency,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "reason": self.reason,
            "source": self.source,
            "rule": self.rule,
            "policy_version": self.policy_version,
            "request_id": self.request_id,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class CreditAccount:
    """The consistency boundary of a credit check: one per customer.

    ``receivable`` and ``reserved`` are running totals kept on the account row so a
    check never re-sums a customer's history.
    """

    customer_id: str
    currency: str
    limit: Money
    status: AccountStatus
    receivable: Money
    reserved: Money
    limit_valid_to: date | None = None
    delivered: Money | None = None  # delivered, not yet invoiced; None reads as zero

    def __post_init__(self) -> None:
        if self.delivered is None:
            object.__setattr__(self, "delivered", Money.zero(self.currency))
        for money in (self.limit, self.receivable, self.reserved, self.delivered):
            assert money is not None and money.currency == self.currency, "account totals share the account currency"

    @property
    def exposure(self) -> Money:
        assert self.delivered is not None
        return self.receivable + self.reserved + self.delivered

    @property
    def available(self) -> Money:
        """Limit minus exposure; negative when a limit was cut below exposure."""
        return self.limit - self.exposure


@dataclass(frozen=True, slots=True)
class ManagedAccount:
    """An account as limit management sees it: the limits, who set the status, and the flags."""

    customer_id: str
    currency: str
    limit: Money  # the limit in force: a temporary one until it lapses
    limit_valid_to: date | None
    base_limit: Money | None  # the permanent limit under a temporary one
    status: AccountStatus
    status_source: str | None  # "rule" or "manual"
    status_changed_on: date | None
    increases_frozen_since: date | None
    last_increase_on: date | None
    in_default_since: date | None
    next_review_on: date | None

    def permanent_limit(self) -> Money:
        return self.base_limit if self.base_limit is not None else self.limit

    def limit_on(self, day: date) -> Money:
        """A temporary limit counts up to and including its end date, then the permanent one."""
        if self.base_limit is not None and self.limit_valid_to is not None and self.limit_valid_to < day:
            return self.base_limit
        return self.limit
