"""The portfolio to simulate: today's accounts as the policies see them, and the behaviour the
world takes from their history."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.monitoring import add_months
from creditdesk.risk.simulation_world import estimate_world
from creditdesk.service.ports import LimitInputStore, ScoringStore
from creditdesk.service.simulation.engine import SimPortfolio

if TYPE_CHECKING:
    from creditdesk.service.receivables import LedgerFrames


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


def calibrate_to_book(portfolio: SimPortfolio, frames: LedgerFrames, as_of: date, warmup_months: int) -> SimPortfolio:
    """The portfolio started from the book: the items invoiced before the run's first day
    (``warmup_months`` before its start) and still open on ``as_of`` carried into the run (see
    SimPortfolio.carried), and the world's demand scaled to the book's sales."""
    from creditdesk.service.receivables import items_on

    run_start = pd.Timestamp(add_months(portfolio.start, -warmup_months))
    index = {i.customer_id: k for k, i in enumerate(portfolio.inputs)}
    currency = portfolio.inputs[0].currency if portfolio.inputs else None
    items = items_on(frames, as_of)
    old = items.loc[(items["invoice_date"] < run_start) & (items["currency"] == currency) & (items["open_minor"] > 0)]
    carried = tuple(
        (index[row.customer_id], int(row.open_minor), row.due_date.date())
        for row in old.itertuples()
        if row.customer_id in index
    )
    # The world's demand at the book's scale: its expected sales a month (order rate × the
    # lognormal's mean amount) equal to the book's mean over the year before ``as_of`` (a lognormal
    # fitted to skewed amounts overstates their mean by a few per cent).
    world = portfolio.world
    year = frames.invoices.loc[
        (frames.invoices["invoice_date"] > pd.Timestamp(as_of) - pd.Timedelta(days=365))
        & (frames.invoices["invoice_date"] <= pd.Timestamp(as_of))
        & (frames.invoices["currency"] == currency)
    ]
    unit = 10 ** minor_unit_exponent(currency) if currency else 100
    booked = float(year["amount_minor"].sum()) / unit / 12
    expected = float((world.order_rate * np.exp(world.amount_mu + world.amount_sigma**2 / 2)).sum())
    if booked > 0 and expected > 0:
        world = replace(world, amount_mu=world.amount_mu + np.log(booked / expected))
    return replace(portfolio, carried=carried, world=world)
