"""Every model reads the columns a credit file has: text, pandas categories, awkward names; and says
what to do with the ones it cannot read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from creditdesk.demo.credit_file import PROTECTED, credit_file
from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.champion import ChampionPD
from creditdesk.risk.column_types import ColumnTypeError
from creditdesk.risk.metrics import auc
from creditdesk.risk.scorecard import Scorecard

SMALL_BOOSTER = BoostedPD(n_estimators=60, learning_rate=0.1)
MODELS: dict[str, Callable[[], Any]] = {
    "scorecard": Scorecard,
    "gbm": lambda: BoostedPD(n_estimators=60, learning_rate=0.1),
    "champion": lambda: ChampionPD(gbms=(SMALL_BOOSTER,)),
}


@pytest.fixture(scope="module")
def file() -> tuple[pd.DataFrame, pd.Series]:
    frame = credit_file(rows=1000, seed=3)
    return frame.drop(columns=["bad", *PROTECTED]), frame["bad"]


@pytest.mark.parametrize("kind", MODELS)
def test_text_and_category_columns_are_read_and_an_unseen_category_scores(
    file: tuple[pd.DataFrame, pd.Series], kind: str
) -> None:
    X, y = file
    train, test = X.iloc[:700], X.iloc[700:]
    as_text = MODELS[kind]().fit(train, y.iloc[:700])
    assert auc(y.iloc[700:], as_text.predict_proba(test)[:, 1]) > 0.65
    as_category = MODELS[kind]().fit(train.astype({"purpose": "category", "housing": "category"}), y.iloc[:700])
    assert np.allclose(
        as_category.predict_proba(test.astype({"purpose": "category"}))[:, 1], as_text.predict_proba(test)[:, 1]
    )
    novel = test.assign(purpose="space tourism", checking_account=np.nan)
    pd_ = as_text.predict_proba(novel)[:, 1]
    assert np.isfinite(pd_).all() and ((pd_ > 0) & (pd_ < 1)).all()
    reasons = as_text.reasons(novel)
    assert len(reasons) == len(novel) and all(name in X.columns for row in reasons for name, _ in row)


def test_one_hot_columns_named_after_their_categories_are_accepted(file: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = file
    one_hot = pd.get_dummies(X[["purpose", "checking_account"]], prefix_sep=': "').astype(float)
    one_hot = one_hot.rename(columns=lambda name: name + '" [≥ 200, {x}]')
    model = BoostedPD(n_estimators=40).fit(one_hot, y)
    assert list(model.contributions(one_hot.head(3)).columns) == list(one_hot.columns)


def test_what_a_model_cannot_read_gets_a_message_that_says_what_to_do(file: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = file
    dated = X.assign(opened_on=pd.Timestamp("2026-01-01") - pd.to_timedelta(X["duration_months"] * 30, unit="D"))
    for model in (Scorecard(), BoostedPD()):
        with pytest.raises(ColumnTypeError, match=r"opened_on.*age in days.*--date opened_on"):
            model.fit(dated, y)
    with pytest.raises(ValueError, match="purpose, which hold categories: a direction applies to numbers only"):
        BoostedPD(monotone={"purpose": 1}).fit(X, y)


def test_rare_categories_share_one_bin(file: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = file
    model = Scorecard(rare_category_share=0.05).fit(X[["purpose", "duration_months"]], y)
    bins = model.points_table_.query("feature == 'purpose'")["bin"].tolist()
    # The purposes under 5 % of the rows (repairs, retraining, domestic appliances…) are pooled.
    assert any("retraining" in label and "repairs" in label for label in bins)


def test_the_portfolio_models_segments_read_a_text_column_too(file: tuple[pd.DataFrame, pd.Series]) -> None:
    from creditdesk.risk.segments import SegmentedPD

    X, y = file
    X = X.assign(has_history=(X["existing_credits"] > 1).astype(float))
    model = SegmentedPD(base=ChampionPD(gbms=(SMALL_BOOSTER,)), min_defaults=20).fit(X, y)
    assert auc(y, model.predict_proba(X)[:, 1]) > 0.7
    assert any(name == "checking_account" for row in model.reasons(X.head(50)) for name, _ in row)


def test_the_python_api_says_what_to_do_with_a_target_or_a_table_it_cannot_use(
    file: tuple[pd.DataFrame, pd.Series],
) -> None:
    X, y = file
    numbers = X[["duration_months", "credit_amount"]].fillna(0)
    for model in (Scorecard(), BoostedPD(n_estimators=20)):
        with pytest.raises(ColumnTypeError, match=r"the target holds bad, good; expected 0 \(performing\)"):
            model.fit(numbers, y.map({0: "good", 1: "bad"}))
        with pytest.raises(ColumnTypeError, match="2 missing value"):
            model.fit(numbers, y.astype(float).mask(y.index < 2))
        with pytest.raises(ColumnTypeError, match="holds only 0s; fitting needs both"):
            model.fit(numbers, y * 0)
        fitted = model.fit(numbers.to_numpy(), y)  # a numpy table: columns "0" and "1"
        assert fitted.predict_proba(numbers.to_numpy()[:5]).shape == (5, 2)
        named = type(model)(**model.get_params()).fit(numbers, y)
        with pytest.raises(ColumnTypeError, match="lack the model's features credit_amount; it was fitted on"):
            named.predict_proba(numbers[["duration_months"]])
