"""The demo's daily cycle: the book as months of the cycle would have left it.

After the import and the scoring, ``creditdesk demo`` runs what the worker runs, through the
same services, on a clock pinned to each day it plays: the policy's limits where the legacy
ones are unreasonable, the monitor at each month-end of the last months and on the demo's day
(holds, blocks, defaults, rewards, reviews with their history), the dunning run, and a
working day's orders and limit requests left waiting for each deciding role. Everything is
dated by the demo's day, never the wall clock, so the same seed and day build the same book.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db import queries
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.monitor_facts import SqlMonitorFacts
from creditdesk.bootstrap import Services
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.limit_policy import Recommendation
from creditdesk.domain.money import Money
from creditdesk.domain.orders import OrderStatus
from creditdesk.domain.roles import Role
from creditdesk.service.collections import positions, run_dunning
from creditdesk.service.errors import ServiceError
from creditdesk.service.held_orders import ResolveOrder, resolve_order
from creditdesk.service.limit_recommendation import apply_recommendations
from creditdesk.service.limits import CompleteReview, SetCreditLimit, complete_review, set_credit_limit
from creditdesk.service.monitor import MonitorRun, run_monitor
from creditdesk.service.orders import SubmitOrder, submit_order
from creditdesk.service.results import Replayed

if TYPE_CHECKING:
    from creditdesk.risk.features.customer import SourceTables
    from creditdesk.service.receivables import LedgerFrames

#: Month-ends before the demo's day the monitor is run on (then on the day itself): three months
#: of history cost about as much as the first run alone (later runs change little).
MONITOR_MONTHS = 3
#: A legacy limit this many times the policy's recommendation or more (or this share of it or
#: less) is unreasonable: the policy sets it.
TOO_HIGH = Decimal(3)
TOO_LOW = Decimal("0.25")
HELD_PER_SUBMITTER = 6  # orders held, submitted by sales (any decider) and by a manager (the others)
REQUESTS_PER_ROLE = 4  # limit requests waiting for each deciding role
WORKING_HOUR = time(10, 0)  # the time of day of the demo's own actions on a pinned day
CYCLE_HOUR = time(2, 0)  # the nightly cycle's


#: The demo's own words in its language (``creditdesk demo --lang``): reasons and comments the
#: desk's people and the policy leave on the records, as a credit team writes them.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "legacy": "demo: the legacy limit {current}",
        "too_high": "{legacy} was {times}× the policy's",
        "too_low": "{legacy} was {share} of the policy's",
        "below_exposure": "{legacy} was below the account's exposure and the policy's",
        "reviewed": "demo: reviewed on the day it fell due",
        "expects": "demo: {asker} expects larger orders next quarter ({factor}× the limit)",
        "please_approve": "demo: a good customer of ours; please approve",
        "segment_share": "demo: 60 % of the total",
        "pooled": "demo: the members' limits pooled",
    },
    "zh": {
        "legacy": "演示：原有额度 {current}",
        "too_high": "{legacy} 是政策建议额度的 {times} 倍",
        "too_low": "{legacy} 仅为政策建议额度的 {share}",
        "below_exposure": "{legacy} 低于账户敞口和政策建议额度",
        "reviewed": "演示：到期当天完成复核",
        "expects": "演示：{asker} 预计下季度订单增加（额度的 {factor} 倍）",
        "please_approve": "演示：老客户，信誉良好，请批准放行",
        "segment_share": "演示：总额度的 60 %",
        "pooled": "演示：成员额度合并为集团共享额度",
    },
}
ASKERS_ZH = {"sales": "销售", "analyst": "信用分析师", "manager": "信用经理", "admin": "管理员"}


def text(lang: str, key: str, **values: object) -> str:
    return TEXTS.get(lang, TEXTS["en"])[key].format(**values)


def pinned(day: date, at: time = CYCLE_HOUR) -> FixedClock:
    return FixedClock(datetime.combine(day, at, UTC))


def checkpoints(as_of: date, months: int = MONITOR_MONTHS) -> list[date]:
    """The month-ends of the ``months`` months before ``as_of``'s month, oldest first, then ``as_of``."""
    days = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        days.append(date(year, month, calendar.monthrange(year, month)[1]))
    return [*reversed(days), as_of]


def _unreasonable(over_limit: set[str], lang: str = "en") -> Callable[[Recommendation], str | None]:
    """Why a legacy limit gives way to the policy's (None: it stays): far above or below the
    policy's, or below both the account's exposure and the policy's."""

    def why(rec: Recommendation) -> str | None:
        target, current = rec.final.amount, rec.inputs.current_limit
        if target is None or target <= 0:
            return None
        legacy = text(lang, "legacy", current=f"{current:,.0f}")
        if current >= target * TOO_HIGH:
            return text(lang, "too_high", legacy=legacy, times=f"{current / target:.1f}")
        if current <= target * TOO_LOW:
            return text(lang, "too_low", legacy=legacy, share=f"{current / target:.0%}")
        if rec.inputs.customer_id in over_limit and current < target:
            return text(lang, "below_exposure", legacy=legacy)
        return None

    return why


def policy_limits(services: Services, day: date, lang: str = "en") -> dict[str, int]:
    """The policy's limit where the legacy one is unreasonable: cuts by the system, increases
    within its authority, the others requested from the role that may decide them."""
    a = t.credit_accounts
    over = {
        row[0]
        for row in _accounts(
            services, a.c.receivable_minor + a.c.reserved_minor + a.c.delivered_minor > a.c.limit_minor
        )
    }
    explain = _explained_in_chinese if lang == "zh" else None
    follow, why_zh = _unreasonable(over, lang), _unreasonable(over, "zh")
    run = apply_recommendations(
        services.limit_inputs(),
        services.uow,
        pinned(day),
        day,
        follow=follow,
        explain=explain,
        explain_zh=lambda rec: _explained_in_chinese(rec, why_zh(rec)),
    )
    return {"limits_by_policy": len(run.applied), "limits_requested_by_policy": len(run.requested)}


def _explained_in_chinese(rec: Recommendation, why: str | None) -> str:
    """A limit's reason as the Chinese demo records it (and keeps beside an English one): why,
    then the policy's working in Chinese."""
    from creditdesk.entrypoints.web.workings import limit_reason

    return limit_reason(rec, "zh", why)


def monitor(services: Services, day: date, tables: SourceTables | None = None) -> MonitorRun:
    """The monitor on ``day``; ``tables``: the ledger's source tables, loaded once for every day
    (the cycle moves no invoice, payment nor report)."""
    facts = SqlMonitorFacts(services.engine, tables)
    return run_monitor(day, facts, services.limit_inputs(), services.uow, pinned(day))


def complete_reviews(services: Services, day: date, lang: str = "en") -> int:
    """The analyst's reviews of the accounts due on ``day`` (the desk kept up with them until the
    last month-end; those falling due since are the reviews worklist)."""
    with services.read_uow() as uow:
        due = [row["customer_id"] for row in uow.management.reviews_due(day)]
    clock = pinned(day, WORKING_HOUR)
    for customer_id in due:
        command = CompleteReview(customer_id, "analyst", Role.ANALYST, text(lang, "reviewed"))
        complete_review(command, services.uow(), clock)
    return len(due)


def dunning(services: Services, frames: LedgerFrames, day: date) -> int:
    return len(run_dunning(positions(frames, day), services.uow, pinned(day), day).changes)


def _accounts(services: Services, *where: Any) -> list[tuple[str, str, int, int]]:
    """(customer, currency, limit, exposure) of the accounts that meet ``where``, the newest
    customer ids first (the demo's own orders and requests fall on the latest customers)."""
    a = t.credit_accounts
    exposure = a.c.receivable_minor + a.c.reserved_minor + a.c.delivered_minor
    query = (
        select(a.c.customer_id, a.c.currency, a.c.limit_minor, exposure).where(*where).order_by(a.c.customer_id.desc())
    )
    with services.engine.connect() as conn:
        return [(str(c), str(k), int(limit), int(e)) for c, k, limit, e in conn.execute(query)]


def _round_down(amount: Decimal, unit: Decimal) -> Decimal:
    return (amount / unit).to_integral_value(rounding=ROUND_FLOOR) * unit


def waiting_requests(services: Services, day: date, lang: str = "en") -> dict[str, int]:
    """Limit requests made on ``day`` through the service, waiting for each deciding role: raises
    asked by sales (an analyst decides the small ones) and by the analyst beyond its own
    authority (a manager's or an admin's)."""
    authority = services.limit_inputs().active_limit_policy()[1].authority
    with services.read_uow() as uow:
        pending = uow.management.pending_customers()
    a = t.credit_accounts
    candidates = _accounts(
        services, a.c.status == AccountStatus.ACTIVE.value, a.c.in_default_since.is_(None), a.c.limit_minor > 0
    )
    waiting: Counter[str] = Counter()
    clock = pinned(day, WORKING_HOUR)
    askers = {Role.ANALYST: ("sales", Role.SALES)}
    for customer_id, currency, limit_minor, _exposure in candidates:
        if len(waiting) == 3 and min(waiting.values()) >= REQUESTS_PER_ROLE:
            break
        if customer_id in pending:
            continue
        current = Money.from_minor(limit_minor, currency)
        with services.read_uow() as uow:
            grade = uow.management.grade(customer_id)
        for factor in (Decimal("1.25"), Decimal(3), Decimal(15)):
            new = Money(_round_down(current.amount * factor, Decimal(1000)), currency)
            role = authority.required_role(new, current, grade)
            if new.amount <= current.amount or waiting[role.value] >= REQUESTS_PER_ROLE:
                continue
            asker, asker_role = askers.get(role, ("analyst", Role.ANALYST))
            who = ASKERS_ZH.get(asker, asker) if lang == "zh" else asker
            reason = text(lang, "expects", asker=who, factor=factor)
            request_id = f"LR-{customer_id}-{day:%Y%m%d}-DEMO"  # the same on every build of the day
            command = SetCreditLimit(customer_id, new, reason, asker, asker_role, request_id=request_id)
            outcome = set_credit_limit(command, services.uow(), clock)
            if outcome.request is not None:
                waiting[outcome.request.required_role.value] += 1
            break
    return {f"requests_for_{role}": n for role, n in sorted(waiting.items())}


def _order_amount(currency: str, limit_minor: int, exposure_minor: int) -> Money:
    """A plausible order: a tenth of the larger of limit and exposure, at least 1,000."""
    base = Money.from_minor(max(limit_minor, exposure_minor), currency).amount
    return Money(max(_round_down(base / 10, Decimal(100)), Decimal(1000)), currency)


def held_orders(services: Services, day: date, lang: str = "en") -> dict[str, int]:
    """Orders of ``day`` through the credit check that the rules hold: on accounts on hold,
    blocked or over their limit; submitted by sales (any decider may act) and by a manager (the
    other manager or the admin); and one release an analyst asked beyond its own authority,
    waiting for a second approver."""
    a = t.credit_accounts
    exposure = a.c.receivable_minor + a.c.reserved_minor + a.c.delivered_minor
    on_hold = _accounts(services, a.c.status == AccountStatus.ON_HOLD.value)
    candidates = on_hold + _accounts(services, a.c.status == AccountStatus.BLOCKED.value)
    candidates += _accounts(services, a.c.status == AccountStatus.ACTIVE.value, exposure > a.c.limit_minor)
    clock = pinned(day, WORKING_HOUR)
    held: Counter[str] = Counter()
    numbers = iter(range(1, 10_000))
    submitters = ["sales"] * HELD_PER_SUBMITTER + ["manager"] * HELD_PER_SUBMITTER
    for customer_id, currency, limit_minor, exposure_minor in _spread(candidates, len(submitters)):
        if not submitters:
            break
        amount = _order_amount(currency, limit_minor, exposure_minor)
        status = _submit(services, clock, f"DEMO-{day:%Y%m%d}-{next(numbers):04d}", customer_id, amount, submitters[0])
        if status in (OrderStatus.BLOCKED, OrderStatus.REVIEW):
            held["held_for_any_decider" if submitters.pop(0) == "sales" else "held_for_manager2_or_admin"] += 1
    held.update(_release_requested(services, on_hold or candidates, clock, numbers, lang))
    return dict(sorted(held.items()))


def _submit(
    services: Services, clock: FixedClock, order_id: str, customer_id: str, amount: Money, by: str
) -> OrderStatus:
    command = SubmitOrder(order_id, customer_id, amount, by, order_date=clock.today())
    result = submit_order(command, services.uow(), clock)
    assert not isinstance(result, Replayed), "a new order id is never a replay"
    return result.order.status


def _spread(rows: list[tuple[str, str, int, int]], n: int) -> list[tuple[str, str, int, int]]:
    """Every ``len(rows) / n``-th row, then the rest: candidates of every kind, not of the first only."""
    step = max(1, len(rows) // max(n, 1))
    chosen = rows[::step]
    seen = {row[0] for row in chosen}
    return [*chosen, *[row for row in rows if row[0] not in seen]]


def _release_requested(
    services: Services,
    candidates: list[tuple[str, str, int, int]],
    clock: FixedClock,
    numbers: Iterator[int],
    lang: str = "en",
) -> dict[str, int]:
    """An order of a customer on hold, held; the analyst asks to release it beyond its own
    authority, so it waits for a second approver (a manager or the admin)."""
    with services.read_uow() as uow:
        authority = uow.reference.check_policy().release_authority.get(Role.ANALYST, {})
    for customer_id, currency, limit_minor, exposure_minor in candidates[:5]:
        ceiling = authority.get(currency)  # none: the analyst may release nothing beyond the limit alone
        amount = Money(ceiling * 2, currency) if ceiling else _order_amount(currency, limit_minor, exposure_minor)
        order_id = f"DEMO-{clock.today():%Y%m%d}-{next(numbers):04d}"
        if _submit(services, clock, order_id, customer_id, amount, "sales") not in (
            OrderStatus.BLOCKED,
            OrderStatus.REVIEW,
        ):
            continue
        command = ResolveOrder(order_id, "analyst", Role.ANALYST, text(lang, "please_approve"))
        try:
            result = resolve_order(command, services.uow(), clock)
        except ServiceError:
            continue
        if result.order.status is OrderStatus.RELEASE_PENDING:
            return {"release_pending": 1}
    return {}


def attention(services: Services, as_of: date) -> dict[str, int]:
    """The dashboard's counts on ``as_of`` (the same queries as the page), and the dunning levels set."""
    a = t.credit_accounts
    with services.engine.connect() as conn:
        counts = {
            name: int(conn.execute(select(func.count()).select_from(a).where(condition)).scalar_one())
            for name, condition in queries.alert_conditions(as_of).items()
        }
        counts.update({f"{name}_waiting": n for name, n in queries.worklist_counts(conn).items()})
        counts["dunning"] = int(
            conn.execute(select(func.count()).select_from(a).where(a.c.dunning_level > 0)).scalar_one()
        )
    return counts
