"""The customers' behaviour for a portfolio simulation, and one seed's draw of what they do.

A policy decides; the world answers. The world is what the credit team cannot choose: how
often each customer wants to order and how much, how late it pays, and when it fails. It is
estimated from the portfolio's own history (each customer's figures shrunk towards the
portfolio's, so a customer with two invoices is not taken at their word), and the default
hazard starts from the model's PD with a hidden frailty the policies never see: the model is
good, not clairvoyant.

A draw (:func:`draw_paths`) is everything random in one run, made before any policy acts, so
two policies run on the same seed face the same customers wanting the same orders, and the
difference in their results is the policies' alone (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.risk.features.payment import settlements

#: Credibility weights: how many invoices (or months) of the portfolio's figures a customer's
#: own are blended with.
_PRIOR_INVOICES = 5.0
_PRIOR_MONTHS = 3.0
_HISTORY_DAYS = 365
_HALF_LIFE_DAYS = 240


@dataclass(frozen=True)
class World:
    """Per-customer behaviour, one entry per customer (arrays of equal length).

    ``order_rate`` orders a month; an order's amount is lognormal with log-mean ``amount_mu``
    and log-sd ``amount_sigma`` (major units); an invoice is paid late with probability
    ``late_prob``, then ``late_mean`` days after its due date on average, otherwise at
    ``early_fraction`` of its terms; ``annual_pd`` is the model's PD.
    """

    customer_ids: np.ndarray
    order_rate: np.ndarray
    amount_mu: np.ndarray
    amount_sigma: np.ndarray
    terms_days: np.ndarray
    late_prob: np.ndarray
    late_mean: np.ndarray
    early_fraction: np.ndarray
    annual_pd: np.ndarray
    # The portfolio's orders in each calendar month (January first) against its average month;
    # None: the Hazards' seasonality, if any.
    month_factors: np.ndarray | None = None
    # The spread (log scale) of what moves every customer's orders of a month together, beyond
    # the calendar: the economy, a competitor, the weather. Drawn per month and seed.
    month_shock_sd: float = 0.0
    # The standard error (log scale) of the demand's level as the book's months estimate it: a
    # few dozen noisy months do not say exactly where sales stand. Drawn once per seed.
    level_sd: float = 0.0
    # Per customer, the share of each invoice it pays that stays open for good: paid without
    # remittance advice (cash the book holds unapplied) or short. None: nothing.
    short_share: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.customer_ids)

    def subset(self, keep: np.ndarray) -> World:
        shared = ("month_factors", "month_shock_sd", "level_sd")
        per_customer: dict[str, Any] = {
            name: None if getattr(self, name) is None else getattr(self, name)[keep]
            for name in self.__dataclass_fields__
            if name not in shared
        }
        return World(**per_customer, **{name: getattr(self, name) for name in shared})


@dataclass(frozen=True)
class Hazards:
    """How the world draws the random parts (defaults chosen to match trade-credit experience)."""

    frailty_sd: float = 0.5  # logit-scale noise between the model's PD and the true one
    distress_days: int = 120  # before a default, payments slip ...
    distress_delay: tuple[int, int] = (30, 90)  # ... by this many days more
    late_shape: float = 1.5  # gamma shape of the days late when late
    early_sd: float = 0.2  # spread of the on-time payment's share of terms
    seasonality: float = 0.0  # amplitude of a yearly cycle in order counts


def _shrunk(own: pd.Series, count: pd.Series, prior: float, weight: float) -> pd.Series:
    return (own.fillna(prior) * count + prior * weight) / (count + weight)


def _weighted(values: pd.Series, weights: pd.Series, by: pd.Series, ids: pd.Index, fallback: float) -> pd.Series:
    """Each customer's weighted mean of ``values``, shrunk to the portfolio's by _PRIOR_INVOICES
    (its weight counts as so many invoices); missing values weigh nothing."""
    weights = weights.where(values.notna(), 0.0).fillna(0.0)
    total = weights.groupby(by).sum().reindex(ids).fillna(0.0)
    summed = (values.fillna(0.0) * weights).groupby(by).sum().reindex(ids)
    pooled = float((values.fillna(0.0) * weights).sum() / weights.sum()) if weights.sum() > 0 else fallback
    return _shrunk(summed / total.where(total > 0), total, pooled, _PRIOR_INVOICES)


def estimate_world(
    invoices: pd.DataFrame,
    allocations: pd.DataFrame,
    customers: pd.Series,
    terms_days: pd.Series,
    annual_pd: pd.Series,
    as_of: date,
) -> World:
    """The world of the last year's history before ``as_of``.

    Parameters
    ----------
    invoices, allocations : DataFrame
        As :func:`creditdesk.risk.features.payment.settlements` takes them.
    customers : Series of str
        Every customer to simulate, in order.
    terms_days, annual_pd : Series
        Indexed by customer id: payment terms, and the model's PD (customers without one get the
        portfolio's median).
    """
    day = pd.Timestamp(as_of)
    inv = settlements(invoices, allocations, day)
    inv = inv.loc[inv["invoice_date"] > day - pd.Timedelta(days=_HISTORY_DAYS)]
    ids = pd.Index(customers, name="customer_id")
    by = inv.groupby("customer_id")

    first = by["invoice_date"].min().reindex(ids)
    months_seen = ((day - first).dt.days.clip(lower=30) / 30.4375).fillna(0.0)
    counts = by.size().reindex(ids).fillna(0.0)
    portfolio_rate = float(counts.sum() / max(months_seen.sum(), 1.0))
    order_rate = _shrunk(counts / months_seen.where(months_seen > 0), months_seen, portfolio_rate, _PRIOR_MONTHS)

    log_amount = np.log(inv["amount"].clip(lower=1.0))
    pooled_mu = float(log_amount.mean()) if len(inv) else 0.0
    pooled_sigma = float(log_amount.groupby(inv["customer_id"]).std().median()) if len(inv) > 1 else 0.5
    pooled_sigma = pooled_sigma if np.isfinite(pooled_sigma) else 0.5
    mu = _shrunk(log_amount.groupby(inv["customer_id"]).mean().reindex(ids), counts, pooled_mu, 1.0)
    sigma = _shrunk(log_amount.groupby(inv["customer_id"]).std().reindex(ids), counts, pooled_sigma, _PRIOR_INVOICES)

    # The invoices paid by then, and those still open past their due date: late already, by at
    # least the days so far. Leaving the open ones out would keep the worst payers' items out of
    # the measure of lateness (they are the ones still open).
    open_late = inv["settled_on"].isna() & (inv["due_date"] < day)
    settled = inv.loc[inv["settled_on"].notna() | open_late]
    days_late = (settled["settled_on"].fillna(day) - settled["due_date"]).dt.days
    late = days_late > 0
    # Recent invoices weigh more (half their weight every _HALF_LIFE_DAYS): habits drift, and
    # the year's plain mean lags them (IBM's customers paid a day a quarter faster through 2013).
    weight = 0.5 ** ((day - settled["invoice_date"]).dt.days / _HALF_LIFE_DAYS)
    who = settled["customer_id"]
    late_prob = _weighted(late.astype(float), weight, who, ids, 0.3)
    late_mean = _weighted(days_late.where(late), weight.where(late), who, ids, 15.0)
    terms = (settled["due_date"] - settled["invoice_date"]).dt.days.clip(lower=1)
    fraction = ((settled["settled_on"].fillna(day) - settled["invoice_date"]).dt.days / terms).where(~late)
    early = _weighted(fraction, weight.where(~late), who, ids, 0.8)

    pd_ = annual_pd.reindex(ids).astype(float)
    pd_ = pd_.fillna(float(pd_.median()) if pd_.notna().any() else 0.02)
    return World(
        customer_ids=ids.to_numpy(dtype=object),
        order_rate=order_rate.to_numpy(dtype=float),
        amount_mu=mu.to_numpy(dtype=float),
        amount_sigma=sigma.clip(lower=0.05).to_numpy(dtype=float),
        terms_days=terms_days.reindex(ids).fillna(30).to_numpy(dtype=int),
        late_prob=late_prob.clip(0.0, 1.0).to_numpy(dtype=float),
        late_mean=late_mean.clip(lower=1.0).to_numpy(dtype=float),
        early_fraction=early.clip(0.05, 1.0).to_numpy(dtype=float),
        annual_pd=pd_.clip(1e-6, 0.99).to_numpy(dtype=float),
    )


@dataclass(frozen=True)
class Paths:
    """One seed's draw: every order the customers want over the horizon, sorted by day.

    Days count from the start of the simulation (day 0). ``pay_after`` is how many days after its
    invoice an order would be paid if invoiced; an invoice whose payment day falls on or after
    its customer's default day is never paid. ``release_draw`` and ``wait_days`` decide what a
    person does with an order sent to review. ``default_day`` is per customer (``NEVER`` when none within the horizon).
    """

    customer: np.ndarray  # int index into the world
    day: np.ndarray
    amount_minor: np.ndarray  # int64
    pay_after: np.ndarray
    release_draw: np.ndarray  # uniform [0, 1)
    wait_days: np.ndarray
    default_day: np.ndarray
    true_pd: np.ndarray
    # The day each of the portfolio's carried items (invoiced before the run, open on its first
    # day) is paid, or NEVER; None: none is paid (see draw_carried).
    carried_paid: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.customer)


#: A day beyond any horizon: no default, or no payment.
NEVER = np.iinfo(np.int64).max // 4

#: An item this many days past due when a run starts is not paid in it (unless its customer's
#: default writes it off): the trade's rule of thumb, and what the book's ageing shows.
STALE_DAYS = 180


def draw_carried(
    world: World,
    customer: np.ndarray,
    due_day: np.ndarray,
    seed: int,
    hazards: Hazards | None = None,
    known_open: int = -1,
) -> np.ndarray:
    """The day (from the run's first, day 0) each open item carried into a run is paid, drawn from
    its customer's habits given that it was still open on day ``known_open`` (the book's day: the
    day before the run, or the last of a warm-up that replays the book): an item not yet due is
    paid as the customer pays (early or late, redrawn until the day falls in the run); an item
    already late, after a further wait as long as the customer's lateness when late (a gamma of
    the customer's mean, so an item long past due is not paid at once); one over ``STALE_DAYS``
    days past due, never. A generator of its own: the orders' draws are the same with or
    without carried items."""
    h = hazards or Hazards()
    rng = np.random.default_rng([seed, 1])
    m = len(customer)
    first = known_open + 1  # the first day it may be paid: the draw counts its days from there
    due_day = due_day - first
    terms = world.terms_days[customer]
    invoiced = due_day - terms
    paid = np.full(m, -1, dtype=np.int64)
    pending = due_day >= 0
    for _ in range(20):  # an item due soon is mostly paid after the start: a few rounds suffice
        todo = np.flatnonzero(pending & (paid < 0))
        if not len(todo):
            break
        c = customer[todo]
        late = rng.random(len(todo)) < world.late_prob[c]
        days_late = np.maximum(1, np.round(rng.gamma(h.late_shape, world.late_mean[c] / h.late_shape)))
        share = np.clip(rng.normal(world.early_fraction[c], h.early_sd), 0.05, 1.0)
        day = invoiced[todo] + np.where(late, terms[todo] + days_late, np.round(terms[todo] * share)).astype(np.int64)
        paid[todo] = np.where(day >= 0, day, -1)
    overdue = ~pending | (paid < 0)  # late already, or never drawn after the start: paid late
    c = customer[overdue]
    wait = np.maximum(0, np.round(rng.gamma(h.late_shape, world.late_mean[c] / h.late_shape))).astype(np.int64)
    paid[overdue] = np.maximum(0, due_day[overdue]) + wait
    paid += first
    paid[-due_day > STALE_DAYS] = NEVER
    return paid


def month_starts(start: date, months: int) -> np.ndarray:
    """Day numbers (from ``start``, day 0) of the first day of each month, and of the month after."""
    first = np.datetime64(start, "M")
    starts = (first + np.arange(months + 1)).astype("datetime64[D]")
    return (starts - np.datetime64(start, "D")).astype(int)


def draw_paths(
    world: World,
    seed: int,
    start: date,
    months: int,
    minor_per_unit: np.ndarray,
    hazards: Hazards | None = None,
    known_months: int = 0,
) -> Paths:
    """Everything random in one run of ``months`` calendar months from the month of ``start``
    (which should be a month's first day). The same seed gives the same paths. ``known_months``:
    the first months replay the book (a history warm-up): no common shock moves them, the book
    says what they were."""
    h = hazards or Hazards()
    rng = np.random.default_rng(seed)
    n = len(world)
    bounds = month_starts(start, months)
    horizon = int(bounds[-1])
    # The true PD: the model's with a frailty, shifted so the portfolio's mean PD stays the model's.
    logit = np.log(world.annual_pd / (1 - world.annual_pd))
    true_logit = logit + rng.normal(-(h.frailty_sd**2) / 2, h.frailty_sd, n)
    true_pd = 1 / (1 + np.exp(-true_logit))
    hazard = -np.log1p(-np.clip(true_pd, 1e-9, 0.999)) / 365.0
    life = rng.exponential(1 / hazard)
    default_day = np.where(life < horizon, np.floor(life), NEVER).astype(np.int64)

    month_len = np.diff(bounds)
    month_no = (np.datetime64(start, "M") + np.arange(months)).astype(int) % 12
    if world.month_factors is not None:
        season = world.month_factors[month_no]
    else:
        season = 1 + h.seasonality * np.sin(2 * np.pi * (month_no - 2) / 12)
    if world.month_shock_sd > 0:  # drawn only then: the other draws of a seed stay as they were
        sd = world.month_shock_sd
        shock = rng.normal(-(sd**2) / 2, sd, months)
        shock[:known_months] = 0.0
        season = season * np.exp(shock)
    if world.level_sd > 0:
        sd = world.level_sd
        level = np.full(months, rng.normal(-(sd**2) / 2, sd))
        level[:known_months] = 0.0
        season = season * np.exp(level)
    counts = rng.poisson(np.outer(world.order_rate, season * month_len / 30.4375))
    customer = np.repeat(np.repeat(np.arange(n), months), counts.ravel())
    month = np.repeat(np.tile(np.arange(months), n), counts.ravel())
    day = bounds[month] + (rng.random(len(customer)) * month_len[month]).astype(np.int64)
    alive = day < default_day[customer]  # a failed customer orders no more
    customer, day = customer[alive], day[alive]
    order = np.lexsort((customer, day))
    customer, day = customer[order], day[order]
    m = len(customer)

    amount = np.exp(rng.normal(world.amount_mu[customer], world.amount_sigma[customer]))
    unit = minor_per_unit[customer]
    amount_minor = np.maximum(np.round(amount * unit), unit).astype(np.int64)
    terms = world.terms_days[customer]
    late = rng.random(m) < world.late_prob[customer]
    days_late = np.maximum(1, np.round(rng.gamma(h.late_shape, world.late_mean[customer] / h.late_shape)))
    share = np.clip(rng.normal(world.early_fraction[customer], h.early_sd), 0.05, 1.0)
    pay_after = np.where(late, terms + days_late, np.round(terms * share)).astype(np.int64)
    failing = default_day[customer]
    distressed = day >= failing - h.distress_days
    lo, hi = h.distress_delay
    pay_after = pay_after + np.where(distressed, rng.integers(lo, hi + 1, m), 0)
    release_draw = rng.random(m)
    wait_days = 1 + rng.geometric(0.5, m) - 1  # a person decides within a day or two, sometimes longer
    return Paths(customer, day, amount_minor, pay_after, release_draw, wait_days.astype(np.int64), default_day, true_pd)


@dataclass(frozen=True)
class MonthProfile:
    """The book's months: each calendar month's factor (None: not enough months), the level of
    the month after, the months' spread beyond trend and season (log scale), and the level's own
    standard error (log scale)."""

    factors: np.ndarray | None
    level: float
    spread: float
    level_sd: float = 0.0


def month_profile(sales: np.ndarray, first_month_no: int, orders: np.ndarray | None = None) -> MonthProfile:
    """The calendar months' factors, the level of the month after and the months' spread beyond
    them, fitted to consecutive months of sales (``first_month_no``: the first one's month, 0 for
    January): log sales as a linear trend and a yearly cycle, as forecasters fit seasons to a few
    years of months (Fourier terms). ``orders``: the number of invoices in the same months; the
    season is then read from them (``order_season``), as the world draws it on order counts, and
    the level and spread from the sales taken out of season. Without them: one harmonic (two from
    24 months on) fitted to the sales; a factor of its own for each calendar month, seen once or
    twice, was mostly that month's noise (the demo's validation covered 64 % with it, 83 % with
    the cycle). The spread is the residuals' standard deviation (log scale); the level's error, a
    regression forecast's at the month after (the spread times sqrt(1/n + (n - mean t)^2 / Sxx)).
    Under 15 months: no factors, the months' mean and their spread around a linear trend."""
    sales = np.asarray(sales, dtype=float)
    n = len(sales)
    if n < 15 or (sales <= 0).any():
        level = float(sales.mean()) if n else 0.0
        if n < 4 or (sales <= 0).any():
            return MonthProfile(None, level, 0.0)
        # Around a trend: a young book's growth (customers coming in) is not a month's shock.
        t = np.arange(n, dtype=float)
        residual = np.log(sales) - np.polyval(np.polyfit(t, np.log(sales), 1), t)
        return MonthProfile(None, level, float(np.sqrt((residual**2).sum() / (n - 2))))
    t = np.arange(n, dtype=float)
    month = (first_month_no + np.arange(n)) % 12
    season = order_season(np.asarray(orders, dtype=float), first_month_no) if orders is not None else None
    fitted = 2  # the trend's; the cycle's too when it is fitted to the sales
    if season is None:
        harmonics = 2 if n >= 24 else 1
        design = np.column_stack([np.ones(n), t, _cycle(month, harmonics)])
        coef, *_ = np.linalg.lstsq(design, np.log(sales), rcond=None)
        season = _cycle(np.arange(12), harmonics) @ coef[2:]  # averages 0 over a year
        fitted = design.shape[1]
    out_of_season = np.log(sales) - season[month]
    trend = np.polyfit(t, out_of_season, 1)
    residual = out_of_season - np.polyval(trend, t)
    spread = float(np.sqrt((residual**2).sum() / (n - fitted)))
    factors = np.exp(season)
    level = float(np.exp(np.polyval(trend, n))) * float(factors.mean())
    level_sd = spread * float(np.sqrt(1 / n + (n - t.mean()) ** 2 / ((t - t.mean()) ** 2).sum()))
    return MonthProfile(factors / factors.mean(), level, spread, level_sd)


def _cycle(month_no: np.ndarray, harmonics: int) -> np.ndarray:
    angle = 2 * np.pi * np.asarray(month_no) / 12
    return np.column_stack([f(k * angle) for k in range(1, harmonics + 1) for f in (np.sin, np.cos)])


def order_season(counts: np.ndarray, first_month_no: int) -> np.ndarray | None:
    """Each calendar month's log factor (averaging 0) read from the months' order counts: a factor
    of its own for each calendar month (with a trend), shrunk towards one smooth harmonic by how
    much of its difference from it the counts' own noise explains (a Poisson count's log varies by
    1/count; empirical Bayes, as James and Stein). A book of thousands of orders a month keeps its
    own months (the demo's January falls 8 % below December, which no smooth cycle of a year and a
    half draws); a hundred invoices a month keep the cycle. None: under 13 months, or a month
    without an order."""
    n = len(counts)
    if n < 13 or (counts <= 0).any():
        return None
    t = np.arange(n, dtype=float)
    month = (first_month_no + np.arange(n)) % 12
    log_counts = np.log(counts)
    smooth_design = np.column_stack([np.ones(n), t, _cycle(month, 1)])
    smooth_coef, *_ = np.linalg.lstsq(smooth_design, log_counts, rcond=None)
    smooth = _cycle(np.arange(12), 1) @ smooth_coef[2:]
    own_design = np.column_stack([t, np.eye(12)[month]])
    own_coef, *_ = np.linalg.lstsq(own_design, log_counts, rcond=None)
    own = own_coef[1:] - own_coef[1:].mean()
    seen = np.bincount(month, minlength=12)
    noise = np.bincount(month, weights=1 / counts, minlength=12) / seen**2
    difference = own - smooth
    signal = max(0.0, float((difference**2).mean() - noise.mean()))
    kept = signal / (signal + noise)
    season = smooth + kept * difference
    return np.asarray(season - season.mean())
