"""One seed of a portfolio under one policy, day by day, through the system's own rules.

Every order goes through ``rules.evaluate`` with the account's figures of that day; every
month opens with the reviews that fall due (``limit_policy.recommend``) and the monitor
(``monitoring.assess`` on each account's facts), and their changes are applied as the live
system applies them. What the customers do comes from the seed's :class:`Paths`, drawn before
any policy acts. Balances are integer minor units, as in the ledger.

Simplifications, each a choice rather than an accident: an order is invoiced (and delivered)
the day it is approved; an order sent to review is released by a person with the scenario's
``release_share`` after the drawn wait, and then invoiced; a failed customer's unpaid items are
written off on its default day; requests for a raise beyond the system's authority are granted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.decisions import Outcome
from creditdesk.domain.ledger import Totals
from creditdesk.domain.limit_policy import LimitInputs, recommend
from creditdesk.domain.money import Money
from creditdesk.domain.monitoring import AccountFacts, Field, Rule, add_months, assess, months_between
from creditdesk.domain.rules import CheckInputs, RuleSet, evaluate
from creditdesk.risk.simulation_world import NEVER, Hazards, Paths, World, draw_carried, draw_paths, month_starts
from creditdesk.service.simulation.policies import SimPolicy, Start

APPROVED, RELEASED, REJECTED, BLOCKED = 0, 1, 2, 3
_GOOD_MONTHS_CAP = 36  # as the monitor's own measure counts them


@dataclass(frozen=True)
class Scenario:
    """The economics and the people around the policy (not the policy itself)."""

    months: int = 24
    warmup_months: int = 3  # run first, not reported: the ledger fills up from empty
    # The warm-up as history: every order of the warm-up months is sold, as the book was (the
    # world is estimated from what was invoiced), and the policy (its checks, reviews and monitor)
    # acts from the first reported month on. Off: the policy runs the warm-up too.
    history_warmup: bool = False
    margin_rate: float = 0.15
    cost_of_capital: float = 0.08
    recovery_rate: float = 0.0  # share of a written-off item recovered later
    release_share: float = 0.5  # orders sent to review that a person releases
    hazards: Hazards = field(default_factory=Hazards)


@dataclass(frozen=True)
class SimPortfolio:
    """The customers as the policies see them (``inputs``) and as they behave (``world``)."""

    start: date  # the first day of the first reported month
    inputs: tuple[LimitInputs, ...]
    world: World
    # The book's items older than the run (invoiced before its first day, warm-up included) and
    # still open: (customer index, open amount in minor units, due date). A run carries them from
    # its first day, and each seed draws when each is paid (``draw_carried``: as its customer
    # pays, given that it is still open; one long past due, never); a customer's default writes
    # off what is still open. The checks and the monitor see them, as they see them in the book.
    carried: tuple[tuple[int, int, date], ...] = ()
    # The day the book showed the carried items open (None: the day before the run's first).
    carried_open_on: date | None = None
    # The book's open items its customer's unapplied cash covers (same form as ``carried``): paid
    # in fact, without saying which; they stay open, as in the book, and are no one's default.
    residue: tuple[tuple[int, int, date], ...] = ()
    # Per customer, its cash received and not applied when the run starts (minor units; None:
    # none): the book's default rule offsets each late item by it (``payment.default_dates``).
    unapplied: np.ndarray | None = None

    def __post_init__(self) -> None:
        assert len(self.inputs) == len(self.world), "one set of limit inputs per simulated customer"
        assert self.start.day == 1, "a simulation starts on a month's first day"


@dataclass
class Ledger:
    """What the run did: one row per order, one per invoice; the accounts as they ended."""

    order_outcome: np.ndarray
    invoice_customer: list[int] = field(default_factory=list)
    invoice_day: list[int] = field(default_factory=list)
    invoice_amount: list[int] = field(default_factory=list)
    invoice_due: list[int] = field(default_factory=list)
    invoice_paid: list[int] = field(default_factory=list)  # the payment day, or NEVER
    final_limit: list[int] = field(default_factory=list)
    carried: int = 0  # the first entries of the invoice lists are the portfolio's carried items


def _minor(amount: Decimal | None, currency: str) -> int:
    return 0 if amount is None else Money(amount, currency).minor


class _Accounts:
    """The credit accounts as the run moves them, one list entry per customer."""

    def __init__(self, portfolio: SimPortfolio, policy: SimPolicy, start: date) -> None:
        inputs = portfolio.inputs
        self.currency = [i.currency for i in inputs]
        self.grade = [i.grade for i in inputs]
        self.method_limit: list[Decimal | None] = [None] * len(inputs)
        if policy.start is Start.RECOMMENDED or policy.monitor is not None:
            self.method_limit = [recommend(i, policy.limits, start).final.amount for i in inputs]
        if policy.start is Start.RECOMMENDED:
            self.limit = [_minor(amount, ccy) for amount, ccy in zip(self.method_limit, self.currency, strict=True)]
        else:
            self.limit = [_minor(i.current_limit, i.currency) for i in inputs]
        n = len(inputs)
        self.status = [AccountStatus.ACTIVE] * n
        self.status_by_rule = [True] * n
        self.status_changed: list[date | None] = [None] * n
        self.in_default: list[date | None] = [None] * n
        self.next_review: list[date | None] = [None] * n
        self.last_increase: list[date | None] = [None] * n
        self.frozen: list[date | None] = [None] * n
        self.rules: list[RuleSet] = [
            policy.check.rules_for(i.segment, None if i.grade is None else str(i.grade)) for i in inputs
        ]


def minor_per_unit(portfolio: SimPortfolio) -> np.ndarray:
    return np.array([10 ** minor_unit_exponent(i.currency) for i in portfolio.inputs], dtype=np.int64)


def run_bounds(portfolio: SimPortfolio, scenario: Scenario) -> tuple[date, np.ndarray]:
    """The run's first day (warm-up included), and the day numbers of its months' first days."""
    start = add_months(portfolio.start, -scenario.warmup_months)
    return start, month_starts(start, scenario.warmup_months + scenario.months)


def seed_paths(portfolio: SimPortfolio, seed: int, scenario: Scenario) -> Paths:
    """The seed's draw of what the customers do (warm-up months included), and when the items
    carried into the run are paid."""
    months = scenario.warmup_months + scenario.months
    start, _ = run_bounds(portfolio, scenario)
    known = scenario.warmup_months if scenario.history_warmup else 0
    paths = draw_paths(portfolio.world, seed, start, months, minor_per_unit(portfolio), scenario.hazards, known)
    if not portfolio.carried:
        return paths
    customer, _, due_on = zip(*portfolio.carried, strict=True)
    due = np.array([(day - start).days for day in due_on], dtype=np.int64)
    known_open = (portfolio.carried_open_on - start).days if portfolio.carried_open_on else -1
    paid = draw_carried(portfolio.world, np.array(customer, dtype=np.int64), due, seed, scenario.hazards, known_open)
    return replace(paths, carried_paid=paid)


def run_paths(portfolio: SimPortfolio, policy: SimPolicy, scenario: Scenario, paths: Paths) -> Ledger:
    """What the policy makes of the given paths (drawn, or written by hand in a test)."""
    start, _ = run_bounds(portfolio, scenario)
    return _Run(portfolio, policy, scenario, paths, start, scenario.warmup_months + scenario.months).run()


def good_months(ledger: Ledger, bounds: np.ndarray, customers: int, month: int, grace_days: int) -> np.ndarray:
    """Per customer, on the first day of ``month``: whole months before it in which no item was
    later than due plus grace, counted back to the customer's first invoice (0 when one is that
    late now). The monitor's measure (``risk.features.behaviour.good_months``) on the run's own
    ledger, kept as arrays."""
    first = int(bounds[month])
    if not ledger.invoice_day:
        return np.zeros(customers, dtype=np.int64)
    customer = np.asarray(ledger.invoice_customer)
    invoiced = np.asarray(ledger.invoice_day)
    known = invoiced <= first
    customer, invoiced = customer[known], invoiced[known]
    due, paid = np.asarray(ledger.invoice_due)[known], np.asarray(ledger.invoice_paid)[known]
    late_from = due + grace_days + 1
    late_until = np.minimum(paid, first + 1) - 1
    month_of = np.searchsorted(bounds, late_until, side="right") - 1
    last_bad = np.full(customers, -1, dtype=np.int64)
    late = late_from <= late_until
    np.maximum.at(last_bad, customer[late], np.minimum(month_of[late], month))
    first_month = np.full(customers, month, dtype=np.int64)
    np.minimum.at(first_month, customer, np.searchsorted(bounds, invoiced, side="right") - 1)
    good = month - np.maximum(first_month, last_bad + 1)
    good = np.where(last_bad >= month, 0, good)
    clipped: np.ndarray = np.clip(good, 0, _GOOD_MONTHS_CAP)
    return clipped


class _Run:
    def __init__(
        self, portfolio: SimPortfolio, policy: SimPolicy, scenario: Scenario, paths: Paths, start: date, months: int
    ) -> None:
        self.portfolio, self.policy, self.scenario, self.paths = portfolio, policy, scenario, paths
        self.start, self.months = start, months
        self.bounds = month_starts(start, months)
        horizon = int(self.bounds[-1]) + int(paths.wait_days.max(initial=0)) + 1
        self.dates = [start + timedelta(days=k) for k in range(horizon + 1)]
        self.accounts = _Accounts(portfolio, policy, start)
        n = len(portfolio.inputs)
        self.open_items: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]  # (due, amount, paid)
        self.peak = np.zeros((n, months), dtype=np.int64)  # the highest receivables in each month
        self.demand = np.zeros((n, months), dtype=np.int64)  # what each customer ordered each month
        self.ledger = Ledger(order_outcome=np.full(len(paths), -1, dtype=np.int8))
        carried_paid = (
            paths.carried_paid.tolist() if paths.carried_paid is not None else [NEVER] * len(portfolio.carried)
        )
        for (c, amount, due_on), paid_on in zip(portfolio.carried, carried_paid, strict=True):
            due = (due_on - start).days
            if paid_on >= paths.default_day[c]:  # the customer fails first: written off then
                paid_on = NEVER
            self.open_items[c].append((due, amount, paid_on))
            for target, value in zip(
                (self.ledger.invoice_customer, self.ledger.invoice_day, self.ledger.invoice_amount),
                (c, 0, amount),
                strict=True,
            ):
                target.append(value)
            self.ledger.invoice_due.append(due)
            self.ledger.invoice_paid.append(paid_on)
        self.ledger.carried = len(portfolio.carried)
        # Plain lists: an element of a list is read many times faster than one of an array.
        self.terms: list[int] = portfolio.world.terms_days.tolist()
        self.default_day: list[int] = paths.default_day.tolist()

    def day(self, number: int) -> date:
        """The date of a run day (before the run's first day too: a carried item's due date)."""
        return self.dates[number] if number >= 0 else self.start + timedelta(days=number)

    def run(self) -> Ledger:
        order_days = self.paths.day
        for month in range(self.months):
            first, after = int(self.bounds[month]), int(self.bounds[month + 1])
            history = self.scenario.history_warmup and month < self.scenario.warmup_months
            if self.policy.monitor is not None and not history:
                self.review(month, first, after)
                self.monitor(month, first)
            lo, hi = np.searchsorted(order_days, [first, after])
            self.orders(month, int(lo), int(hi), history=history)
        self.ledger.final_limit = list(self.accounts.limit)
        return self.ledger

    # -- orders ------------------------------------------------------------------------------

    def orders(self, month: int, lo: int, hi: int, *, history: bool = False) -> None:
        """``history``: every order is sold (a warm-up month replaying the book as it was)."""
        p, acc, led, scenario = self.paths, self.accounts, self.ledger, self.scenario
        customers, days, amounts = p.customer[lo:hi].tolist(), p.day[lo:hi].tolist(), p.amount_minor[lo:hi].tolist()
        pay_after, waits, draws = (
            p.pay_after[lo:hi].tolist(),
            p.wait_days[lo:hi].tolist(),
            p.release_draw[lo:hi].tolist(),
        )
        terms, failing, practice = self.terms, self.default_day, self.policy.practice
        demand, peak = self.demand[:, month].tolist(), self.peak[:, month].tolist()
        outcomes = []
        for k, (c, d, amount) in enumerate(zip(customers, days, amounts, strict=True)):
            items = [item for item in self.open_items[c] if item[2] > d]
            self.open_items[c] = items
            receivable = overdue = 0
            oldest: int | None = None
            for due, open_amount, _ in items:
                receivable += open_amount
                if due < d:
                    overdue += open_amount
                    if oldest is None or due < oldest:
                        oldest = due
            ccy = acc.currency[c]
            inputs = CheckInputs(
                customer_id="",
                currency=ccy,
                segment=None,
                risk_class=None,
                status=acc.status[c],
                limit=acc.limit[c],
                totals=Totals(receivable=receivable),
                next_review_on=acc.next_review[c],
                oldest_open_due=None if oldest is None else self.day(oldest),
                overdue=overdue,
            )
            if history:
                outcome = Outcome.APPROVED
            elif practice is not None:  # as the book was run: refused at the practice's rate
                outcome = Outcome.BLOCKED if draws[k] < practice.refused_share else Outcome.APPROVED
            else:
                outcome = evaluate(acc.rules[c], inputs, Money.from_minor(amount, ccy), self.dates[d]).outcome
            demand[c] += amount
            if outcome is Outcome.APPROVED:
                code, invoiced_on = APPROVED, d
            elif outcome is Outcome.REVIEW and draws[k] < scenario.release_share:
                code, invoiced_on = RELEASED, d + waits[k]
            else:
                code, invoiced_on = (REJECTED if outcome is Outcome.REVIEW else BLOCKED), -1
            outcomes.append(code)
            if invoiced_on < 0:
                continue
            paid = invoiced_on + pay_after[k]
            if paid >= failing[c]:
                paid = NEVER
            due = invoiced_on + terms[c]
            items.append((due, amount, paid))
            led.invoice_customer.append(c)
            led.invoice_day.append(invoiced_on)
            led.invoice_amount.append(amount)
            led.invoice_due.append(due)
            led.invoice_paid.append(paid)
            peak[c] = max(peak[c], receivable + amount)
        led.order_outcome[lo:hi] = outcomes
        self.demand[:, month] = demand
        self.peak[:, month] = peak

    # -- reviews -----------------------------------------------------------------------------

    def review(self, month: int, first: int, after: int) -> None:
        """Reviews falling due this month are done on its first day: the methods are worked again
        on the demand of the last twelve months (blocked orders included: the analyst sees them
        too), and set the limit when the policy says so."""
        acc, today = self.accounts, self.dates[first]
        last_day = self.dates[after - 1]
        window = slice(max(0, month - 12), month)
        for c, due_on in enumerate(acc.next_review):
            if due_on is None or due_on > last_day or self.default_day[c] <= first:
                continue
            seen = max(1, window.stop - window.start)
            monthly = Money.from_minor(int(self.demand[c, window].sum()) // seen, acc.currency[c]).amount
            inputs = replace(self.portfolio.inputs[c], avg_monthly_sales=monthly, current_limit=Decimal(0))
            amount = recommend(inputs, self.policy.limits, today).final.amount
            acc.method_limit[c] = amount
            if acc.in_default[c] is None and self.policy.resets_at_review:
                acc.limit[c] = _minor(amount, acc.currency[c])
            acc.next_review[c] = None  # the monitor schedules the next one

    # -- monitor -----------------------------------------------------------------------------

    def monitor(self, month: int, first: int) -> None:
        policy = self.policy.monitor
        assert policy is not None
        acc, today = self.accounts, self.dates[first]
        good = good_months(self.ledger, self.bounds, len(acc.limit), month, self.policy.limits.grace_days)
        unit, authority = self.policy.limits.unit, self.policy.limits.authority
        start = max(0, month - policy.reward_months)
        window = self.peak[:, start:month].max(axis=1, initial=0).tolist()
        for c, months_good in enumerate(good.tolist()):
            if self.default_day[c] <= first:
                continue  # failed and written off: out of the book
            facts = self.facts(c, (start, month), first, today, months_good, window[c])
            for change in assess(facts, policy, authority, unit):
                self.apply(c, change.rule, change.field, change.after, today)

    def facts(
        self, c: int, window: tuple[int, int], first: int, today: date, good: int, window_peak: int
    ) -> AccountFacts:
        """``window_peak``: the highest receivables over the reward ``window``'s whole months (it
        starts later when the limit was raised within it)."""
        acc = self.accounts
        items = [item for item in self.open_items[c] if item[2] > first]
        self.open_items[c] = items
        receivable = sum(item[1] for item in items)
        past_due = [due for due, _, _ in items if due < first]
        raised_on = acc.last_increase[c]
        start, month = window
        if raised_on is not None and month - months_between(raised_on, today) > start:
            since = month - months_between(raised_on, today)
            window_peak = int(self.peak[c, since:month].max(initial=0))
        peak = max(window_peak, receivable)
        limit = Money.from_minor(acc.limit[c], acc.currency[c]).amount
        utilisation = (Decimal(peak) / Decimal(acc.limit[c])).quantize(Decimal("0.0001")) if acc.limit[c] > 0 else None
        return AccountFacts(
            customer_id="",
            currency=acc.currency[c],
            as_of=today,
            status=acc.status[c],
            status_by_rule=acc.status_by_rule[c],
            status_changed_on=acc.status_changed[c],
            limit=limit,
            limit_valid_to=None,
            base_limit=None,
            days_overdue=first - min(past_due) if past_due else 0,
            good_months=good,
            peak_utilisation=utilisation,
            method_limit=acc.method_limit[c],
            grade=acc.grade[c],
            increases_frozen_since=acc.frozen[c],
            last_increase_on=acc.last_increase[c],
            in_default_since=acc.in_default[c],
            next_review_on=acc.next_review[c],
        )

    def apply(self, c: int, rule: Rule, what: Field, after: str | None, today: date) -> None:
        acc = self.accounts
        if what is Field.STATUS:
            assert after is not None
            acc.status[c], acc.status_by_rule[c], acc.status_changed[c] = AccountStatus(after), True, today
        elif what in (Field.LIMIT, Field.REQUEST):  # a raise beyond the system's authority is granted
            acc.limit[c] = _minor(Decimal(after or 0), acc.currency[c])
            if rule is Rule.REWARD:
                acc.last_increase[c] = today
        elif what is Field.DEFAULT:
            acc.in_default[c] = None if after is None else date.fromisoformat(after)
        elif what is Field.FREEZE:
            acc.frozen[c] = None if after is None else date.fromisoformat(after)
        elif what is Field.REVIEW:
            acc.next_review[c] = None if after is None else date.fromisoformat(after)


#: More days than any run holds: a (customer, day) pair as one sortable number.
_DAY_SPAN = 1 << 32


@dataclass(frozen=True)
class LeftOpen:
    """What stays open for good, beside the ledger's invoices (see ``World.short_share`` and
    ``SimPortfolio.residue``): the book shows it among the receivables, overdue once due; it is
    not a default and never closes. The checks of a run do not see it."""

    opened: np.ndarray  # run day (-1: open before the run)
    due: np.ndarray
    amount: np.ndarray  # minor units
    customer: np.ndarray  # index into the world

    def open_on(self, day: int) -> tuple[int, int]:
        """Its receivables and overdue at the end of ``day``."""
        live = self.opened <= day
        return int(self.amount[live].sum()), int(self.amount[live & (self.due < day)].sum())

    def cash_by(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Per (customer, day) pair, the cash its short payments in the run left unapplied by the
        end of that day: the book holds a short payment's cash unapplied, and its default rule
        offsets a late item by it."""
        paid = self.opened >= 0  # the residue's cash was unapplied before the run: the start's
        key = self.customer[paid] * _DAY_SPAN + self.opened[paid]
        order = np.argsort(key, kind="stable")
        key = key[order]
        total = np.concatenate([[0], np.cumsum(self.amount[paid][order])])
        first = np.searchsorted(key, customer * _DAY_SPAN, side="left")
        upto = np.searchsorted(key, customer * _DAY_SPAN + day, side="right")
        cash: np.ndarray = total[np.maximum(upto, first)] - total[first]
        return cash


def left_open(portfolio: SimPortfolio, ledger: Ledger, start: date) -> LeftOpen:
    """The short-paid parts of the invoices paid in the run, and the portfolio's residue
    (``start``: the run's first day, warm-up included)."""
    share = portfolio.world.short_share
    paid = np.asarray(ledger.invoice_paid, dtype=np.int64)
    parts = np.zeros(len(paid), dtype=np.int64)
    if share is not None and len(paid):
        customer = np.asarray(ledger.invoice_customer, dtype=np.int64)
        amount = np.asarray(ledger.invoice_amount, dtype=np.int64)
        parts = np.where(paid == NEVER, 0, np.round(amount * share[customer]).astype(np.int64))
        parts[: ledger.carried] = 0  # the book's open amounts: what is left of them is in them
    kept = parts > 0
    residue = portfolio.residue
    return LeftOpen(
        opened=np.concatenate([paid[kept], np.full(len(residue), -1, dtype=np.int64)]),
        due=np.concatenate(
            [np.asarray(ledger.invoice_due, dtype=np.int64)[kept], [(due - start).days for _, _, due in residue]]
        ).astype(np.int64),
        amount=np.concatenate([parts[kept], [amount for _, amount, _ in residue]]).astype(np.int64),
        customer=np.concatenate(
            [np.asarray(ledger.invoice_customer, dtype=np.int64)[kept], [c for c, _, _ in residue]]
        ).astype(np.int64),
    )
