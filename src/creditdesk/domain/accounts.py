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
    source: str = "manual"


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
