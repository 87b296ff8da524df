"""A financial-statement PD model learned from real companies, shipped as plain numbers.

It is trained by ``scripts/train_statement_model.py`` on the Polish companies' data (UCI 365,
CC BY 4.0, Tomczak 2016; the 5th-year file, whose target is bankruptcy within a year), on the
ten ratios a customer's imported statements give. Each ratio becomes its normal score among
the training companies (its percentile through the inverse normal: robust to the data's extreme
outliers and to skew); a logistic regression weighs them. The fitted figures live in ``data/statement_model.json``, so
the model needs neither the dataset nor a pickle at run time, and anyone can read its weights.
Its PD is one more feature for the portfolio model: what the balance sheet alone says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, ndtri

#: Our ratio (from the financials import) -> the Polish attribute that is the same ratio.
POLISH_ATTRIBUTES = {
    "roa": "Attr1",  # net profit / total assets
    "debt_ratio": "Attr2",  # total liabilities / total assets
    "wc_to_assets": "Attr3",  # working capital / total assets
    "current_ratio": "Attr4",  # current assets / short-term liabilities
    "re_to_assets": "Attr6",  # retained earnings / total assets
    "ebit_to_assets": "Attr7",  # EBIT / total assets
    "equity_to_liabilities": "Attr8",  # book value of equity / total liabilities
    "asset_turnover": "Attr9",  # sales / total assets
    "equity_ratio": "Attr10",  # equity / total assets
    "net_margin": "Attr23",  # net profit / sales
}
RATIOS = tuple(POLISH_ATTRIBUTES)


PERCENTILES = np.linspace(0.5, 99.5, 100)


@dataclass(frozen=True)
class StatementModel:
    quantiles: np.ndarray  # per ratio (row), the training companies' PERCENTILES
    coef: np.ndarray
    intercept: float
    about: dict[str, Any]

    def normal_scores(self, ratios: pd.DataFrame) -> np.ndarray:
        """Each ratio's normal score among the training companies; a missing one is the median (0)."""
        values = ratios.reindex(columns=list(RATIOS)).to_numpy(dtype=float)
        scores = np.zeros_like(values)
        for j, grid in enumerate(self.quantiles):
            share = np.interp(values[:, j], grid, PERCENTILES / 100)
            scores[:, j] = ndtri(share)
        filled: np.ndarray = np.nan_to_num(scores, nan=0.0)
        return filled

    def predict_pd(self, ratios: pd.DataFrame) -> np.ndarray:
        pd_: np.ndarray = expit(self.intercept + self.normal_scores(ratios) @ self.coef)
        return pd_

    def as_json(self) -> dict[str, Any]:
        return {
            "ratios": list(RATIOS),
            "quantiles": np.round(self.quantiles, 6).tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "about": self.about,
        }


def fit_statement_model(ratios: pd.DataFrame, y: pd.Series, about: dict[str, Any], C: float = 1.0) -> StatementModel:
    from sklearn.linear_model import LogisticRegression  # fitting only: scoring one applicant needs no sklearn

    values = ratios[list(RATIOS)].to_numpy(dtype=float)
    quantiles = np.nanpercentile(values, PERCENTILES, axis=0).T
    unfitted = StatementModel(quantiles, np.zeros(len(RATIOS)), 0.0, about)
    fitted = LogisticRegression(C=C, max_iter=2000).fit(unfitted.normal_scores(ratios), np.asarray(y).astype(int))
    return StatementModel(quantiles, fitted.coef_[0], float(fitted.intercept_[0]), about)


@cache
def shipped_statement_model() -> StatementModel:
    text = resources.files("creditdesk.risk").joinpath("data/statement_model.json").read_text()
    raw = json.loads(text)
    if raw["ratios"] != list(RATIOS):
        raise ValueError("data/statement_model.json was fitted on other ratios; retrain it")
    return StatementModel(
        np.asarray(raw["quantiles"], dtype=float),
        np.asarray(raw["coef"], dtype=float),
        float(raw["intercept"]),
        raw["about"],
    )
