"""The champion stacks the scorecard and the boosted model, calibrated, with sklearn conventions."""

import numpy as np
import pytest
from sklearn.base import clone

from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.champion import ChampionPD
from creditdesk.risk.metrics import auc
from creditdesk.risk.scorecard import Scorecard
from tests.unit.test_scorecard import sample

FAST_GBM = BoostedPD(n_estimators=60)
FAST_WIDE = BoostedPD(n_estimators=30, learning_rate=0.1, num_leaves=31)


@pytest.fixture(scope="module")
def fitted() -> ChampionPD:
    """One champion fitted on the training sample, shared by the tests that only read it."""
    X, y = sample(6000)
    champion = ChampionPD(gbms=(FAST_GBM, FAST_WIDE))
    assert champion.fit(X, y) is champion
    return champion


def test_stacks_members_and_ranks_at_least_as_well_as_the_scorecard(fitted: ChampionPD) -> None:
    X, y = sample(6000)
    test_X, test_y = sample(4000, seed=1)
    champion = fitted
    alone = Scorecard().fit(X, y)
    assert auc(test_y, champion.predict_proba(test_X)[:, 1]) >= auc(test_y, alone.predict_proba(test_X)[:, 1]) - 0.005
    # The stacker gives the scorecard weight on data it can learn.
    assert champion.stacker_.coef_[0][0] > 0 and len(champion.members_) == 3
    assert clone(champion).get_params()["gbms"][0].get_params() == FAST_GBM.get_params()


def test_probabilities_are_calibrated_on_average(fitted: ChampionPD) -> None:
    test_X, test_y = sample(6000, seed=2)
    pd_ = fitted.predict_proba(test_X)
    assert np.allclose(pd_.sum(axis=1), 1.0)
    assert abs(pd_[:, 1].mean() - test_y.mean()) < 0.02


def test_reasons_come_from_both_members_weighted_by_the_stacker(fitted: ChampionPD) -> None:
    X, _ = sample(6000)
    champion = fitted
    risky = X.assign(days_late=60.0).head(5)
    contributions = champion.contributions(risky)
    weights = champion.stacker_.coef_[0]
    expected = sum(w * m.contributions(risky) for w, m in zip(weights, champion.members_, strict=True))
    assert np.allclose(contributions.to_numpy(), expected.to_numpy())
    assert all(row[0][0] == "days_late" for row in champion.reasons(risky))


def test_rejects_a_single_calibration_fold() -> None:
    X, y = sample(500)
    with pytest.raises(ValueError, match="calibration_folds"):
        ChampionPD(calibration_folds=1).fit(X, y)
