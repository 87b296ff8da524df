"""The portfolio to simulate: today's accounts as the policies see them, and the behaviour the
world takes from their history."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd

from creditdesk.domain.monitoring import add_months
from creditdesk.risk.simulation_world import estimate_world
from creditdesk.service.ports import LimitInputStore, ScoringStore
from creditdesk.service.simulation.engine import SimPortfolio


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
