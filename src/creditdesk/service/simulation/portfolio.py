"""The portfolio to simulate: today's accounts as the policies see them, and the behaviour the
world takes from their history."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.monitoring import add_months
from creditdesk.risk.simulation_world import estimate_world, month_profile
from creditdesk.service.ports import LimitInputStore, ScoringStore
from creditdesk.service.simulation.engine import SimPortfolio

if TYPE_CHECKING:
    from creditdesk.service.receivables import LedgerFrames


_PROFILE_MONTHS = 24
#: The days after its due date by which an item still open is left over for good, and the year
#: of such items the short share is measured on.
_LEFT_AFTER_DAYS = 90


def first_of_next_month(day: date) -> date:
    return add_months(day.replace(day=1), 1)


def load_portfolio(limits: LimitInputStore, scoring: ScoringStore, as_of: date) -> tuple[SimPortfolio, int]:
    """The portfolio in its main currency (the currency most accounts keep), from the month after
    ``as_of``; and how many customers in other currencies were left out."""
    inputs = limits.limit_inputs(as_of)
    main = Counter(i.currency for i in inputs).most_common(1)[0][0] if inputs else "CNY"
    kept = tuple(i for i in inputs if i.currency == main)
    tables = scoring.source_tables()
    ids = pd.Series([i.customer_id for i in kept], dtype=object)
    terms = pd.Series({i.customer_id: i.terms_days for i in kept}, dtype=float)
    pds = pd.Series({i.customer_id: i.pd for i in kept if i.pd is not None}, dtype=float)
    world = estimate_world(tables.invoices, tables.allocations, ids, terms, pds, as_of)
    return SimPortfolio(first_of_next_month(as_of), kept, world), len(inputs) - len(kept)


def calibrate_to_book(
    portfolio: SimPortfolio,
    frames: LedgerFrames,
    as_of: date,
    warmup_months: int,
    unapplied: pd.Series | None = None,
) -> SimPortfolio:
    """The portfolio started from the book: the items invoiced before the run's first day
    (``warmup_months`` before its start) and still open on ``as_of`` carried into the run (see
    SimPortfolio.carried), and the world's demand scaled to the book's sales. ``unapplied``: each
    customer's cash received and not applied on ``as_of`` (minor units; ``unapplied_cash``): the
    open items it covers, oldest first, are the portfolio's residue, and how much of what each
    customer paid in the last year it left so the world's ``short_share``."""
    from creditdesk.service.receivables import items_on

    run_start = pd.Timestamp(add_months(portfolio.start, -warmup_months))
    index = {i.customer_id: k for k, i in enumerate(portfolio.inputs)}
    currency = portfolio.inputs[0].currency if portfolio.inputs else None
    items = items_on(frames, as_of)
    items = items.loc[(items["currency"] == currency) & items["customer_id"].isin(index)]
    old = items.loc[(items["invoice_date"] < run_start) & (items["open_minor"] > 0)]
    covered = _covered(old, unapplied)
    # Only items already past the default's days stay open for good; one due since may yet be paid.
    covered = np.where(old["days_past_due"].to_numpy() > _LEFT_AFTER_DAYS, covered, 0)
    carried = tuple(
        (index[row.customer_id], int(row.open_minor - cover), row.due_date.date())
        for row, cover in zip(old.itertuples(), covered, strict=True)
        if row.open_minor > cover
    )
    residue = tuple(
        (index[row.customer_id], int(cover), row.due_date.date())
        for row, cover in zip(old.itertuples(), covered, strict=True)
        if cover > 0
    )
    # The world's demand at the book's scale and season: its expected sales in an average month
    # (order rate × the lognormal's mean amount; a lognormal fitted to skewed amounts overstates
    # their mean by a few per cent) equal to the level the book's last two years of months lead
    # to, each calendar month's orders by the factor the book's invoice counts give it, the
    # months' common shocks as large as the book's months vary beyond trend and calendar, and
    # the level as uncertain as those months leave it.
    world = portfolio.world
    profile = month_profile(*monthly_sales(frames.invoices, currency, as_of, _PROFILE_MONTHS))
    level = profile.level
    expected = float((world.order_rate * np.exp(world.amount_mu + world.amount_sigma**2 / 2)).sum())
    if level > 0 and expected > 0:
        world = replace(world, amount_mu=world.amount_mu + np.log(level / expected))
    # The spread the draws make themselves (a compound Poisson's) is not drawn again as a shock.
    mean_amount = np.exp(world.amount_mu + world.amount_sigma**2 / 2)
    own = float((world.order_rate * np.exp(2 * world.amount_mu + 2 * world.amount_sigma**2)).sum())
    own_cv2 = own / float((world.order_rate * mean_amount).sum()) ** 2 if expected > 0 else 0.0
    shock = float(np.sqrt(max(0.0, profile.spread**2 - own_cv2)))
    world = replace(world, month_factors=profile.factors, month_shock_sd=shock, level_sd=profile.level_sd)
    cash = None
    if unapplied is not None:
        ids = [i.customer_id for i in portfolio.inputs]
        world = replace(world, short_share=_short_share(items, old.assign(covered=covered), ids, as_of))
        cash = unapplied.reindex(ids).fillna(0).to_numpy(dtype=np.int64)
    return replace(portfolio, carried=carried, carried_open_on=as_of, world=world, residue=residue, unapplied=cash)


def _covered(items: pd.DataFrame, unapplied: pd.Series | None) -> np.ndarray:
    """Per item (open_minor), how much of it its customer's unapplied cash covers, the oldest due
    first (as ``payment.default_dates`` offsets it)."""
    if unapplied is None or not len(items):
        return np.zeros(len(items), dtype=np.int64)
    order = items.assign(row=np.arange(len(items))).sort_values(["customer_id", "due_date", "invoice_id"])
    before = order.groupby("customer_id")["open_minor"].cumsum() - order["open_minor"]
    cash = order["customer_id"].map(unapplied).fillna(0).astype("int64")
    cover = np.clip(cash - before, 0, order["open_minor"]).astype("int64")
    out = np.zeros(len(items), dtype=np.int64)
    out[order["row"].to_numpy()] = cover.to_numpy()
    return out


def _short_share(items: pd.DataFrame, left: pd.DataFrame, ids: list[str], as_of: date) -> np.ndarray:
    """Per customer, what its unapplied cash covers (``left``: the open items with ``covered``) of
    the items due in the year to 90 days before ``as_of``, over their amount (``items``); shrunk
    to the portfolio's share by a typical customer's year of items (a customer with two invoices
    is not its own rate)."""
    last = pd.Timestamp(as_of - timedelta(days=_LEFT_AFTER_DAYS))

    def in_year(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[(frame["due_date"] <= last) & (frame["due_date"] > last - pd.Timedelta(days=365))]

    year, kept = in_year(items), in_year(left)
    left_over = kept["covered"].groupby(kept["customer_id"]).sum().reindex(ids).fillna(0.0)
    billed = year["amount_minor"].groupby(year["customer_id"]).sum()
    billed = billed.reindex(ids).fillna(0.0)
    total = float(billed.sum())
    if total <= 0:
        return np.zeros(len(ids))
    typical = float(billed[billed > 0].median())
    share = (left_over + typical * float(left_over.sum()) / total) / (billed + typical)
    return np.asarray(share.to_numpy(dtype=float))


def monthly_sales(
    invoices: pd.DataFrame, currency: str | None, as_of: date, months: int
) -> tuple[np.ndarray, int, np.ndarray]:
    """The book's sales (major units) in each of the whole months up to ``as_of`` (at most
    ``months``, from the first with any sale), the first one's calendar month (0: January) and
    the number of invoices in each."""
    last = as_of if (as_of + timedelta(days=1)).day == 1 else as_of.replace(day=1) - timedelta(days=1)
    end = pd.Period(last, "M")
    day = pd.to_datetime(invoices["invoice_date"])
    chosen = invoices.loc[(invoices["currency"] == currency) & (day <= pd.Timestamp(last))]
    by_month = chosen.groupby(day[chosen.index].dt.to_period("M"))["amount_minor"].agg(["sum", "size"])
    periods = pd.period_range(end - (months - 1), end, freq="M")
    months_of = by_month.reindex(periods, fill_value=0).astype(float)
    started = np.flatnonzero(months_of["sum"].to_numpy() > 0)
    months_of = months_of.iloc[started[0] :] if len(started) else months_of.iloc[0:0]
    unit = 10 ** minor_unit_exponent(currency) if currency else 100
    first = months_of.index[0].month - 1 if len(months_of) else 0
    return months_of["sum"].to_numpy() / unit, first, months_of["size"].to_numpy()


#: How many defaults' worth of the model's own PDs the observed year is blended with.
_PD_PRIOR_DEFAULTS = 5.0


def calibrate_defaults(portfolio: SimPortfolio, defaults: pd.Series, as_of: date) -> SimPortfolio:
    """The world's PDs scaled so that the year before ``as_of`` would have seen as many defaults
    as the book did (``defaults``: each customer's first default known on ``as_of``): the model
    ranks customers; the book tells how many of them fail. Blended with the model's own level by
    ``_PD_PRIOR_DEFAULTS`` (a year with two defaults does not halve every PD)."""
    year_ago = pd.Timestamp(add_months(as_of, -12))
    first = pd.to_datetime(defaults)
    ids = pd.Index([i.customer_id for i in portfolio.inputs])
    known = first.reindex(ids)
    exposed = (known.isna() | (known > year_ago)).to_numpy()
    observed = float(((known > year_ago) & (known <= pd.Timestamp(as_of))).sum())
    expected = float(portfolio.world.annual_pd[exposed].sum())
    if expected <= 0:
        return portfolio
    scale = (observed + _PD_PRIOR_DEFAULTS) / (expected + _PD_PRIOR_DEFAULTS)
    annual_pd = np.clip(portfolio.world.annual_pd * scale, 1e-6, 0.99)
    return replace(portfolio, world=replace(portfolio.world, annual_pd=annual_pd))
