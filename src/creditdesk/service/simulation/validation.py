"""A simulated world checked against what happened: the world estimated from what was known on a
day, the as-is practice run forward over the months that actually followed, and each month's
figures compared with the book's, with the simulation's 90 % band and whether the book's value
falls inside it.

Both sides are measured the same way, on the same customers (those known on the day, in the
run's currency; customers who came later are in neither):

- **sales**: invoiced in the month;
- **receivables** and **overdue**: open at the month's end (overdue: past its due date);
- **dso**: the month-end receivables over the sales of the three months to it, times their days
  (the months before the run are the book's on both sides);
- **defaults**: customers whose first item 90 days past due and unpaid falls in the month (the
  default definition of the scoring, ``payment.default_dates``);
- **write_offs**: what was written off in the month;
- **blocked_orders**: orders refused in the month.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.monitoring import add_months
from creditdesk.risk.features.payment import MATERIALITY
from creditdesk.risk.simulation_world import NEVER, Paths
from creditdesk.service.simulation.engine import (
    BLOCKED,
    REJECTED,
    Ledger,
    LeftOpen,
    Scenario,
    SimPortfolio,
    left_open,
    run_paths,
    seed_paths,
)
from creditdesk.service.simulation.policies import AS_IS, Practice, SimPolicy, as_is

if TYPE_CHECKING:
    from creditdesk.service.ports import LimitInputStore, ScoringStore
    from creditdesk.service.receivables import LedgerFrames

FIGURES = ("sales", "receivables", "overdue", "dso", "defaults", "write_offs", "blocked_orders")
#: The figures whose first simulated month must be within ``FIRST_MONTH_TOLERANCE`` of the book.
HEADLINE = ("receivables", "sales", "dso")
FIRST_MONTH_TOLERANCE = 0.05
#: The share of (month, figure) pairs whose actual value must fall inside the band.
COVERAGE_TARGET = 0.80
BAND = (5.0, 95.0)
DEFAULT_DAYS = 90
_DSO_MONTHS = 3


@dataclass(frozen=True)
class Months:
    """The run's calendar: the first day of each month and of the month after, and the two months
    before it (their days and the book's sales, for the first months' DSO)."""

    firsts: tuple[date, ...]
    prior_days: tuple[int, ...]
    prior_sales: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.firsts) - 1

    def days(self) -> np.ndarray:
        return np.array([(b - a).days for a, b in pairwise(self.firsts)], dtype=np.int64)


def calendar(start: date, months: int, prior_sales: Sequence[float]) -> Months:
    firsts = tuple(add_months(start, k) for k in range(months + 1))
    before = [add_months(start, -k) for k in range(_DSO_MONTHS - 1, -1, -1)]
    prior_days = tuple((b - a).days for a, b in pairwise(before))
    return Months(firsts, prior_days, tuple(prior_sales))


def dso_of(receivables: np.ndarray, sales: np.ndarray, months: Months) -> np.ndarray:
    """Each month-end's receivables over the sales of the three months to it, times their days."""
    all_sales = np.concatenate([np.asarray(months.prior_sales, dtype=float), sales])
    all_days = np.concatenate([np.asarray(months.prior_days, dtype=float), months.days().astype(float)])
    window = np.ones(_DSO_MONTHS)
    # convolve's k-th value: the sum of the k-th and the two before it
    trailing_sales = np.convolve(all_sales, window)[: len(all_sales)]
    trailing_days = np.convolve(all_days, window)[: len(all_days)]
    lead = len(months.prior_sales)
    s, d = trailing_sales[lead:], trailing_days[lead:]
    dso: np.ndarray = np.divide(receivables * d, s, out=np.full(len(s), np.nan), where=s > 0)
    return dso


# -- the book --------------------------------------------------------------------------------


def book_months(
    invoices: pd.DataFrame,
    allocations: pd.DataFrame,
    defaults: pd.Series,
    orders: pd.DataFrame,
    months: Months,
    unit: float,
) -> dict[str, np.ndarray]:
    """The book's figures per month, major units. ``invoices`` (invoice_id, customer_id,
    invoice_date, due_date, amount_minor) and ``allocations`` (invoice_id, applied_on,
    amount_minor, kind) of the run's customers and currency; ``defaults``: each customer's first
    default day (``payment.default_dates`` known at the run's end); ``orders`` (order_date,
    status) of the run's customers."""
    from creditdesk.service.simulation.practice import refused

    inv = invoices.assign(
        invoice_date=pd.to_datetime(invoices["invoice_date"]), due=pd.to_datetime(invoices["due_date"])
    )
    alloc = allocations.assign(applied_on=pd.to_datetime(allocations["applied_on"]))
    amount = inv.set_index("invoice_id")["amount_minor"].astype("int64")
    placed = pd.to_datetime(orders["order_date"]) if len(orders) else pd.Series(dtype="datetime64[ns]")
    denied = refused(orders, months.firsts[-1] - timedelta(days=1))
    first_default = pd.to_datetime(defaults)
    found: dict[str, list[float]] = {name: [] for name in FIGURES if name != "dso"}
    for first, after in pairwise(months.firsts):
        lo, hi, end = pd.Timestamp(first), pd.Timestamp(after), pd.Timestamp(after - timedelta(days=1))
        paid = alloc.loc[alloc["applied_on"] <= end].groupby("invoice_id")["amount_minor"].sum()
        dated = inv.loc[inv["invoice_date"] <= end]
        open_minor = (
            amount.reindex(dated["invoice_id"]).to_numpy() - paid.reindex(dated["invoice_id"]).fillna(0).to_numpy()
        ).clip(0)
        found["receivables"].append(float(open_minor.sum()) / unit)
        found["overdue"].append(float(open_minor[(dated["due"] < end).to_numpy()].sum()) / unit)
        in_month = (
            (alloc["applied_on"] >= lo) & (alloc["applied_on"] < hi) & (alloc.get("kind", "payment") == "write_off")
        )
        found["write_offs"].append(float(alloc.loc[in_month, "amount_minor"].sum()) / unit)
        found["defaults"].append(float(((first_default >= lo) & (first_default < hi)).sum()))
        found["blocked_orders"].append(float(((placed >= lo) & (placed < hi) & denied).sum()))
    found["sales"] = _sales_by_month(invoices, months, unit)
    return _with_dso(found, months)


def _with_dso(found: dict[str, list[float]], months: Months) -> dict[str, np.ndarray]:
    figures = {name: np.asarray(values, dtype=float) for name, values in found.items()}
    figures["dso"] = dso_of(figures["receivables"], figures["sales"], months)
    return figures


# -- the simulation --------------------------------------------------------------------------


def simulated_months(
    ledger: Ledger,
    paths: Paths,
    months: Months,
    unit: float,
    writes_off: bool = True,
    defaulted_before: np.ndarray | None = None,
    left: LeftOpen | None = None,
    unapplied: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """One seed's figures per month, measured as ``book_months`` measures the book (a run with
    no warm-up: day 0 is the first day of the first month). ``writes_off``: what a failed
    customer left unpaid is written off on its default day (else it stays open, as in a book
    that writes nothing off); ``defaulted_before``: per customer, whether the book knew a default
    of it before the run (its first is behind it: not counted again, as in the book); ``left``:
    what stays open beside the invoices (``engine.left_open``); ``unapplied``: per customer, its
    unapplied cash at the start (``SimPortfolio.unapplied``)."""
    bounds = np.cumsum(np.concatenate([[0], months.days()]))
    customer = np.asarray(ledger.invoice_customer, dtype=np.int64)
    invoiced = np.asarray(ledger.invoice_day, dtype=np.int64)
    amount = np.asarray(ledger.invoice_amount, dtype=np.int64)
    due = np.asarray(ledger.invoice_due, dtype=np.int64)
    paid = np.asarray(ledger.invoice_paid, dtype=np.int64)
    failed_on = paths.default_day[customer]
    written_off = (paid == NEVER) & writes_off
    closed = np.where(written_off, failed_on, paid)
    new = np.ones(len(customer), dtype=bool)
    new[: ledger.carried] = False
    # The scoring's default: the first item 90 days past due and not paid by then.
    late = paid > due + DEFAULT_DAYS
    if unapplied is not None:  # offset by the customer's unapplied cash, as the book's rule does
        cash = unapplied[customer]
        if left is not None:  # and by what its short payments left unapplied by then
            cash = cash + left.cash_by(customer, due + DEFAULT_DAYS)
        late &= amount - cash > MATERIALITY * amount
    default_on = np.where(late, due + DEFAULT_DAYS, NEVER)
    first_default = np.full(len(paths.default_day), NEVER, dtype=np.int64)
    np.minimum.at(first_default, customer, default_on)
    if defaulted_before is not None:
        first_default[defaulted_before] = -1
    placed_refused = (ledger.order_outcome == BLOCKED) | (ledger.order_outcome == REJECTED)
    found: dict[str, list[float]] = {name: [] for name in FIGURES if name != "dso"}
    for lo, hi in pairwise(bounds):
        end = hi - 1
        in_month = (invoiced >= lo) & (invoiced < hi) & new
        found["sales"].append(float(amount[in_month].sum()) / unit)
        open_now = (invoiced <= end) & (closed > end)
        left_receivable, left_overdue = left.open_on(end) if left is not None else (0, 0)
        found["receivables"].append(float(amount[open_now].sum() + left_receivable) / unit)
        found["overdue"].append(float(amount[open_now & (due < end)].sum() + left_overdue) / unit)
        lost = written_off & (failed_on >= lo) & (failed_on < hi)
        found["write_offs"].append(float(amount[lost].sum()) / unit)
        found["defaults"].append(float(((first_default >= lo) & (first_default < hi)).sum()))
        found["blocked_orders"].append(float((placed_refused & (paths.day >= lo) & (paths.day < hi)).sum()))
    return _with_dso(found, months)


def _seed(
    portfolio: SimPortfolio,
    policy: SimPolicy,
    scenario: Scenario,
    seed: int,
    months: Months,
    unit: float,
    defaulted_before: np.ndarray | None,
) -> dict[str, np.ndarray]:
    paths = seed_paths(portfolio, seed, scenario)
    writes_off = policy.practice.writes_off if policy.practice is not None else True
    ledger = run_paths(portfolio, policy, scenario, paths)
    left = left_open(portfolio, ledger, portfolio.start)
    return simulated_months(ledger, paths, months, unit, writes_off, defaulted_before, left, portfolio.unapplied)


def simulate_months(
    portfolio: SimPortfolio,
    policy: SimPolicy,
    months: Months,
    seeds: int,
    unit: float,
    workers: int = 1,
    defaulted_before: np.ndarray | None = None,
) -> list[dict[str, np.ndarray]]:
    """Every seed's figures (seeds 1..``seeds``, as ``simulate`` numbers them)."""
    scenario = Scenario(months=months.count, warmup_months=0)
    tasks = [(portfolio, policy, scenario, seed, months, unit, defaulted_before) for seed in range(1, seeds + 1)]
    if workers <= 1:
        return [_seed(*task) for task in tasks]
    with ProcessPoolExecutor(workers) as pool:
        return [future.result() for future in [pool.submit(_seed, *task) for task in tasks]]


# -- the comparison --------------------------------------------------------------------------


def compare(actual: dict[str, np.ndarray], runs: list[dict[str, np.ndarray]], months: Months) -> dict[str, Any]:
    """Month by month: the book's value, the simulation's mean and 90 % band, whether the value is
    inside, and the relative error of the mean; the coverage over every (month, figure) pair, and
    whether the world passes (``HEADLINE`` first-month errors within the tolerance and the
    coverage at its target)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    inside_all: list[bool] = []
    for name in FIGURES:
        drawn = np.vstack([run[name] for run in runs])
        low, high = np.nanpercentile(drawn, BAND, axis=0)
        mean = np.nanmean(drawn, axis=0)
        rows[name] = []
        for m in range(months.count):
            value = float(actual[name][m])
            known = np.isfinite(value)
            inside = bool(known and low[m] <= value <= high[m])
            if known:
                inside_all.append(inside)
            rows[name].append(
                {
                    "month": months.firsts[m].strftime("%Y-%m"),
                    "actual": _round(value),
                    "mean": _round(float(mean[m])),
                    "p05": _round(float(low[m])),
                    "p95": _round(float(high[m])),
                    "inside": inside,
                    "error": _relative(float(mean[m]), value),
                }
            )
    first = {name: rows[name][0]["error"] if rows[name] else None for name in HEADLINE}
    coverage = sum(inside_all) / len(inside_all) if inside_all else 0.0
    why = [
        f"{name} in the first month is {error:+.1%} from the book (more than {FIRST_MONTH_TOLERANCE:.0%})"
        for name, error in first.items()
        if error is None or abs(error) > FIRST_MONTH_TOLERANCE
    ]
    if coverage < COVERAGE_TARGET:
        why.append(
            f"the book falls inside the 90 % band in {coverage:.0%} of month-figure pairs"
            f" (target {COVERAGE_TARGET:.0%})"
        )
    # Figures nil in the book and in every draw prove nothing: the coverage without them too.
    nil = {name for name in FIGURES if not np.any(actual[name]) and not any(np.any(run[name]) for run in runs)}
    telling = [row["inside"] for name in FIGURES if name not in nil for row in rows[name]]
    by_figure = {
        name: sum(r["inside"] for r in rows[name]) / len(rows[name]) if rows[name] else 0.0 for name in FIGURES
    }
    mean_error = {
        name: float(np.mean([abs(r["error"]) for r in rows[name] if r["error"] is not None] or [np.nan]))
        for name in FIGURES
    }
    return {
        "figures": rows,
        "coverage": round(coverage, 4),
        "coverage_without_nil_figures": round(sum(telling) / len(telling), 4) if telling else None,
        "nil_figures": sorted(nil),
        "coverage_by_figure": {name: round(value, 4) for name, value in by_figure.items()},
        "mean_abs_error": {name: _round(value, 4) for name, value in mean_error.items()},
        "first_month_error": first,
        "passes": not why,
        "why": why,
    }


def _relative(estimate: float, actual: float) -> float | None:
    if not np.isfinite(actual) or not np.isfinite(estimate):
        return None
    if actual == 0:
        return 0.0 if estimate == 0 else None
    return round((estimate - actual) / abs(actual), 4)


def _round(value: float, places: int = 2) -> float | None:
    return round(value, places) if np.isfinite(value) else None


def month_end_on_or_before(day: date) -> date:
    """The last day of ``day``'s month if ``day`` is one, else of the month before: a run starts
    on a month's first day, and nothing between what is known and the run's start may be lost."""
    return day if (day + timedelta(days=1)).day == 1 else day.replace(day=1) - timedelta(days=1)


def known_on(portfolio: SimPortfolio, invoices: pd.DataFrame, registered: pd.Series, as_of: date) -> SimPortfolio:
    """The portfolio's customers known on ``as_of``: registered by then, or invoiced by then."""
    stamp = pd.Timestamp(as_of)
    invoiced = set(invoices.loc[pd.to_datetime(invoices["invoice_date"]) <= stamp, "customer_id"])
    on = pd.to_datetime(registered, errors="coerce")
    ids = [i.customer_id for i in portfolio.inputs]
    keep = np.array([c in invoiced or (c in on.index and pd.notna(on[c]) and on[c] <= stamp) for c in ids], dtype=bool)
    kept = tuple(i for i, k in zip(portfolio.inputs, keep, strict=True) if k)
    return replace(portfolio, inputs=kept, world=portfolio.world.subset(keep))


@dataclass(frozen=True)
class BookStart:
    """The portfolio as the book knew it on a day (in the main currency), the practice observed
    then, and each customer's first default known on a day."""

    portfolio: SimPortfolio
    practice: Practice
    left_out: int
    defaults_on: Callable[[date], pd.Series]
    unapplied_on: Callable[[date], pd.Series]  # each customer's unapplied cash on a day

    def calibrated(self, frames: LedgerFrames, day: date, warmup_months: int) -> SimPortfolio:
        """The portfolio every policy of a run starts from: the book's open items, unapplied
        cash, level and season on ``day`` (``calibrate_to_book``), and its default rate
        (``calibrate_defaults``)."""
        from creditdesk.service.simulation.portfolio import calibrate_defaults, calibrate_to_book

        portfolio = calibrate_to_book(self.portfolio, frames, day, warmup_months, self.unapplied_on(day))
        return calibrate_defaults(portfolio, self.defaults_on(day), day)


def book_start(limits: LimitInputStore, scoring: ScoringStore, frames: LedgerFrames, as_of: date) -> BookStart:
    from creditdesk.risk.features.payment import default_dates, unapplied_cash
    from creditdesk.service.simulation.portfolio import load_portfolio
    from creditdesk.service.simulation.practice import HISTORY_MONTHS, observed_practice

    tables = scoring.source_tables()
    portfolio, left_out = load_portfolio(limits, scoring, as_of)
    adjustments = frames.adjustments
    written = pd.to_datetime(adjustments["payment_date"])
    history = (written > pd.Timestamp(add_months(as_of, -HISTORY_MONTHS))) & (written <= pd.Timestamp(as_of))
    written_off = int(((adjustments["kind"] == "write_off") & history).sum())
    practice = observed_practice(scoring.order_outcomes(add_months(as_of, -HISTORY_MONTHS), as_of), written_off, as_of)
    return BookStart(
        portfolio,
        practice,
        left_out,
        lambda day: default_dates(tables.invoices, tables.allocations, day, payments=tables.payments),
        lambda day: unapplied_cash(tables.invoices, tables.allocations, tables.payments, day),
    )


def validate_book(
    limits: LimitInputStore,
    scoring: ScoringStore,
    frames: LedgerFrames,
    as_of: date,
    months: int,
    seeds: int,
    *,
    workers: int = 1,
) -> dict[str, Any]:
    """Estimate the world and the practice from what the book knew on ``as_of`` (a month's end;
    another day: the end of the month before), run the as-is baseline over the ``months`` that
    followed, and compare them with the book (``compare``'s document, and what was run)."""
    as_of = month_end_on_or_before(as_of)
    start = book_start(limits, scoring, frames, as_of)
    # The customers known on the day; those who came later are in neither side.
    tables = scoring.source_tables()
    registered = (
        tables.customers.set_index("customer_id")["registered_on"]
        if "registered_on" in tables.customers
        else pd.Series(dtype=object)
    )
    end = add_months(as_of + timedelta(days=1), months) - timedelta(days=1)
    return validate(
        known_on(start.portfolio, tables.invoices, registered, as_of),
        start.practice,
        frames,
        start.defaults_on,
        scoring.order_outcomes(as_of + timedelta(days=1), end),
        as_of,
        months,
        seeds,
        workers=workers,
        left_out=start.left_out,
        unapplied=start.unapplied_on(as_of),
    )


def validate(
    portfolio: SimPortfolio,
    practice: Practice,
    frames: LedgerFrames,
    defaults_on: Callable[[date], pd.Series],
    orders: pd.DataFrame,
    as_of: date,
    months: int,
    seeds: int,
    *,
    workers: int = 1,
    left_out: int = 0,
    unapplied: pd.Series | None = None,
) -> dict[str, Any]:
    """The validation of ``portfolio`` (its world estimated on ``as_of``, a month's end) run as
    ``practice`` against the book in ``frames``. ``defaults_on(day)``: each customer's first
    default known on the day; ``orders``: the orders placed in the months compared;
    ``unapplied``: each customer's unapplied cash on ``as_of`` (None: the book keeps none)."""
    from creditdesk.service.simulation.portfolio import calibrate_defaults, calibrate_to_book

    start = as_of + timedelta(days=1)
    portfolio = calibrate_to_book(portfolio, frames, as_of, warmup_months=0, unapplied=unapplied)
    known = defaults_on(as_of)
    portfolio = calibrate_defaults(portfolio, known, as_of)
    currency = portfolio.inputs[0].currency if portfolio.inputs else None
    ids = {i.customer_id for i in portfolio.inputs}
    ours = frames.invoices["customer_id"].isin(ids) & (frames.invoices["currency"] == currency)
    invoices = frames.invoices.loc[ours]
    allocations = frames.allocations.loc[frames.allocations["invoice_id"].isin(invoices["invoice_id"])]
    unit = float(10 ** minor_unit_exponent(currency)) if currency else 100.0
    prior = calendar(add_months(start, -(_DSO_MONTHS - 1)), _DSO_MONTHS - 1, [0.0] * (_DSO_MONTHS - 1))
    run = calendar(start, months, _sales_by_month(invoices, prior, unit))
    defaults = defaults_on(run.firsts[-1] - timedelta(days=1))
    in_book = orders.loc[orders["customer_id"].isin(ids)] if len(orders) else orders
    actual = book_months(invoices, allocations, defaults[defaults.index.isin(ids)], in_book, run, unit)
    before = np.array([i.customer_id in known.index for i in portfolio.inputs], dtype=bool)
    runs = simulate_months(portfolio, as_is(practice), run, seeds, unit, workers, before)
    return {
        "from": as_of.isoformat(),
        "start": start.isoformat(),
        "months": months,
        "seeds": seeds,
        "customers": len(portfolio.inputs),
        "customers_left_out": left_out,
        "currency": currency,
        "baseline": AS_IS,
        "practice": asdict(practice),
        **compare(actual, runs, run),
    }


def validate_ledger(
    invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date, months: int, seeds: int, *, currency: str
) -> dict[str, Any]:
    """``validate`` on a receivables ledger alone (the IBM receivables): invoices (invoice_id,
    customer_id, invoice_date, due_date, amount), the payments applied to them (invoice_id,
    applied_on, amount), in one currency; no orders (every invoice was a sale), nothing written
    off, no PDs (the portfolio's default rate)."""
    from creditdesk.risk.features.payment import default_dates
    from creditdesk.service.receivables import LedgerFrames
    from creditdesk.service.simulation.replay import replay_of

    as_of = month_end_on_or_before(as_of)
    scale = 10 ** minor_unit_exponent(currency)
    known = invoices.loc[pd.to_datetime(invoices["invoice_date"]) <= pd.Timestamp(as_of)]
    portfolio = replay_of(known, allocations, as_of + timedelta(days=1), months, currency=currency).portfolio
    frames = LedgerFrames(
        invoices=invoices.assign(
            currency=currency,
            invoice_date=pd.to_datetime(invoices["invoice_date"]),
            due_date=pd.to_datetime(invoices["due_date"]),
            amount_minor=(invoices["amount"] * scale).round().astype("int64"),
        ),
        allocations=allocations.assign(
            applied_on=pd.to_datetime(allocations["applied_on"]),
            amount_minor=(allocations["amount"] * scale).round().astype("int64"),
            kind="payment",
        ),
        customers=pd.DataFrame({"customer_id": sorted(set(invoices["customer_id"]))}),
    )
    practice = Practice(0.0, 0, add_months(as_of, -12).isoformat(), as_of.isoformat(), writes_off=False)
    no_orders = pd.DataFrame(columns=["customer_id", "order_date", "status"])
    return validate(
        portfolio,
        practice,
        frames,
        lambda day: default_dates(invoices, allocations, day),
        no_orders,
        as_of,
        months,
        seeds,
    )


def _sales_by_month(invoices: pd.DataFrame, months: Months, unit: float) -> list[float]:
    day = pd.to_datetime(invoices["invoice_date"])
    return [
        float(invoices.loc[(day >= pd.Timestamp(a)) & (day < pd.Timestamp(b)), "amount_minor"].sum()) / unit
        for a, b in pairwise(months.firsts)
    ]


#: The effects ``label_effects`` weighs against the validation, and the validated figure whose
#: error they carry.
_EFFECT_ERRORS = {"sales": "sales", "dso": "dso", "blocked_orders": "blocked_orders", "net_profit": "sales"}


def label_effects(document: dict[str, Any], validation: dict[str, Any]) -> None:
    """Each policy's differences from the baseline with the validation's error beside them, in
    the difference's units: the validated figure's mean relative error times the baseline's value
    (net profit: the sales' error on the gross margin). An effect within that error is
    ``distinguishable: false``: the world does not reproduce the book that closely."""
    nil = set(validation.get("nil_figures", []))  # nil on both sides: no error measured
    errors = {name: value for name, value in validation.get("mean_abs_error", {}).items() if name not in nil}
    base = document["policies"][0]
    for policy in document["policies"][1:]:
        for name, figure in _EFFECT_ERRORS.items():
            relative = errors.get(figure)
            value = base["gross_margin"]["mean"] if name == "net_profit" else base[name]["mean"]
            difference = policy["difference"][name]
            if relative is None or not np.isfinite(relative) or value is None or not np.isfinite(value):
                difference["validation_error"] = None
                difference["distinguishable"] = None
                continue
            error = abs(relative * value)
            difference["validation_error"] = round(error, 2)
            difference["distinguishable"] = bool(abs(difference["mean"]) > error)


#: ``recent_validation``'s months and draws (the band's, whatever a study's seeds are).
RECENT_MONTHS = 6
RECENT_SEEDS = 20


def recent_validation(
    limits: LimitInputStore, scoring: ScoringStore, frames: LedgerFrames, day: date, *, workers: int = 1
) -> dict[str, Any]:
    """The validation of the world on the book's last ``RECENT_MONTHS`` whole months before
    ``day`` (without its month-by-month figures), or why there is none: a book too young to hold
    a year before them."""
    end = month_end_on_or_before(day)
    start = add_months(end + timedelta(days=1), -RECENT_MONTHS) - timedelta(days=1)
    first = frames.invoices["invoice_date"].min() if len(frames.invoices) else None
    if first is None or pd.Timestamp(first).date() > add_months(start, -12):
        return {"from": start.isoformat(), "months": RECENT_MONTHS, "skipped": "the book holds no year before"}
    found = validate_book(limits, scoring, frames, start, RECENT_MONTHS, RECENT_SEEDS, workers=workers)
    return {key: value for key, value in found.items() if key != "figures"}
