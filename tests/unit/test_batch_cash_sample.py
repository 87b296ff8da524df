"""The batch forecasts a large book from a sample of customers: every currency in it, each from
enough customers, the same customers whatever order the files come in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creditdesk.adapters.batch.cash import MIN_PER_CURRENCY, _chosen


def test_a_currency_few_customers_trade_in_is_sampled_deep_enough_and_the_rest_at_the_share() -> None:
    customers = np.array([f"C{n:06d}" for n in range(100_000)], dtype=object)
    rare = 200  # fewer than MIN_PER_CURRENCY: every one of them is taken
    accounts = pd.DataFrame({"customer_id": customers, "currency": ["USD"] * rare + ["CNY"] * (len(customers) - rare)})
    chosen = set(_chosen(customers, accounts, 0.01))
    usd = set(customers[:rare])
    assert usd <= chosen and rare < MIN_PER_CURRENCY
    cny = chosen - usd
    assert 850 < len(cny) < 1_150  # about 1 % of 99,800 (998), by the hash: above the floor
    shuffled = np.random.default_rng(3).permutation(len(customers))
    again = _chosen(customers[shuffled], accounts.iloc[shuffled], 0.01)
    assert set(again) == chosen
    # The control: without the floor, the share alone leaves the rare currency with two or so.
    alone = accounts.assign(currency="CNY")
    assert len(set(_chosen(customers, alone, 0.01)) & usd) < 10


def test_a_samples_counts_are_its_currencys_or_the_whole_books_for_a_currency_no_account_holds() -> None:
    from creditdesk.service.cash_forecast import Sampled

    sampled = Sampled({"CNY": 900, "USD": 500}, {"CNY": 90_000, "USD": 600}, {"CNY": 101.0}, {"CNY": 99.0})
    assert sampled.counts("USD") == (500, 600) and sampled.open_items("USD", 50) == 60
    assert sampled.counts("EUR") == (1_400, 90_600)  # invoiced in, held in no account
    assert sampled.as_json("CNY") == {
        "customers": 900,
        "of_customers": 90_000,
        "open_ratio": 101.0,
        "sales_ratio": 99.0,
    }
    assert sampled.ratios("EUR") == (1.0, 1.0)
