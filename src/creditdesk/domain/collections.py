"""Collections: dunning levels and promises to pay.

A customer's dunning level follows the days past due of its oldest undisputed overdue item:
1 (reminder) from the first day, 2 (second reminder, a call) from day 15, 3 (final notice:
new orders go to review) from day 30, 4 (handed over: collection agency or lawyer) from day 60.
Disputed items are not dunned: they wait for the dispute to be resolved.

A promise to pay pauses the escalation until its date (plus a few days for the cash to arrive):
the level may fall, never rise. A promise is kept when the customer's cash received from the day
it was made to its date (plus the grace) reaches the amount; otherwise it is broken on the day
after, and a broken promise moves the customer one level up at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from creditdesk.domain.money import Money

#: (level, first day past due) in rising order.
DUNNING_STEPS: tuple[tuple[int, int], ...] = ((1, 1), (2, 15), (3, 30), (4, 60))
TOP_LEVEL = DUNNING_STEPS[-1][0]
PROMISE_GRACE_DAYS = 3

#: What the collector does at each level (English, Chinese).
ACTIONS: dict[int, tuple[str, str]] = {
    0: ("nothing overdue", "无逾期"),
    1: ("send a payment reminder", "发送付款提醒"),
    2: ("call the customer; second reminder", "致电客户；第二次催款"),
    3: ("final notice; new orders go to review", "最后通知；新订单需复核"),
    4: ("hand over to the collection agency or a lawyer", "移交催收机构或律师"),
}


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class Promise:
    promise_id: str
    customer_id: str
    amount: Money
    promised_on: date  # the day the customer said the cash would arrive
    made_on: date
    invoice_id: str | None = None
    note: str = ""
    recorded_by: str = ""
    status: PromiseStatus = PromiseStatus.OPEN
    resolved_on: date | None = None

    @property
    def due_by(self) -> date:
        """The last day the cash may arrive for the promise to count as kept."""
        return self.promised_on + timedelta(days=PROMISE_GRACE_DAYS)


def level_for_age(days_past_due: int) -> int:
    """The level the oldest undisputed overdue item's age calls for (0 when nothing is overdue)."""
    return max((level for level, start in DUNNING_STEPS if days_past_due >= start), default=0)


def promise_outcome(promise: Promise, cash_received: Money, today: date) -> PromiseStatus:
    """Kept once the cash since the promise covers it; broken once its last day has passed."""
    if cash_received >= promise.amount:
        return PromiseStatus.KEPT
    if today > promise.due_by:
        return PromiseStatus.BROKEN
    return PromiseStatus.OPEN


def dunning_level(days_past_due: int, current: int, *, promise_open: bool, promise_broken: bool) -> int:
    """The customer's level today: by the age of its oldest item; held where it stands while a
    promise is open; one above where it stood the day a promise is broken."""
    by_age = level_for_age(days_past_due)
    if by_age == 0:
        return 0
    if promise_broken:
        return min(TOP_LEVEL, max(by_age, current + 1))
    if promise_open:
        return min(by_age, max(current, 1))
    return by_age
