"""The shipped financial-statement model: readable numbers, sane directions, useful on a portfolio."""

from datetime import date

import numpy as np
import pandas as pd

from creditdesk.demo import make_portfolio, source_tables
from creditdesk.risk.features.customer import customer_features
from creditdesk.risk.metrics import auc
from creditdesk.risk.statement_model import RATIOS, shipped_statement_model


def company(**ratios: float) -> pd.DataFrame:
    return pd.DataFrame([ratios], columns=list(RATIOS))


def test_a_failing_balance_sheet_scores_riskier_than_a_sound_one() -> None:
    model = shipped_statement_model()
    sound = company(
        roa=0.08,
        debt_ratio=0.4,
        wc_to_assets=0.25,
        current_ratio=2.0,
        re_to_assets=0.3,
        ebit_to_assets=0.1,
        equity_to_liabilities=1.5,
        asset_turnover=1.5,
        equity_ratio=0.6,
        net_margin=0.05,
    )
    failing = company(
        roa=-0.2,
        debt_ratio=1.1,
        wc_to_assets=-0.3,
        current_ratio=0.5,
        re_to_assets=-0.4,
        ebit_to_assets=-0.15,
        equity_to_liabilities=-0.1,
        asset_turnover=1.0,
        equity_ratio=-0.1,
        net_margin=-0.2,
    )
    assert model.predict_pd(failing)[0] > 5 * model.predict_pd(sound)[0]
    # Nothing known: the training companies' median profile, neither extreme.
    unknown = model.predict_pd(company())[0]
    assert model.predict_pd(sound)[0] < unknown < model.predict_pd(failing)[0]
    assert model.about["rows"] == 5910 and "CC BY 4.0" in model.about["source"]


def test_it_ranks_the_generated_portfolios_defaults() -> None:
    as_of = date(2026, 10, 31)
    portfolio = make_portfolio(3000, 24, seed=4, as_of=as_of)
    features = customer_features(source_tables(portfolio), as_of)
    truth = portfolio.truth.set_index("customer_id")["annual_pd"].reindex(features.index)
    known = features["statement_pd"].notna()
    assert known.mean() > 0.5
    # The latent annual PD's top fifth against the rest: the statements alone see it.
    risky = (truth > truth.quantile(0.8)).astype(int)
    assert auc(risky[known], features.loc[known, "statement_pd"]) > 0.6
    assert np.isnan(features.loc[~known, "statement_pd"]).all()
