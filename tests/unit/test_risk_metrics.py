"""Validation metrics and the master scale, on cases small enough to work out by hand."""

import itertools

import numpy as np
import pytest

from creditdesk.risk.metrics import auc, brier, calibration_by_grade, gini, ks, psi
from creditdesk.risk.rating import MASTER_SCALE, UPPER_BOUNDS, grade_distance, grade_of


class TestDiscrimination:
    y = [0, 0, 1, 0, 1, 1]
    score = [0.1, 0.2, 0.3, 0.4, 0.8, 0.9]

    def test_auc_counts_correctly_ordered_pairs(self) -> None:
        # 9 defaulter/performer pairs; only (0.3 defaulted, 0.4 performing) is out of order.
        assert auc(self.y, self.score) == pytest.approx(8 / 9)
        assert gini(self.y, self.score) == pytest.approx(7 / 9)

    def test_ks_is_the_largest_gap_between_the_two_distributions(self) -> None:
        # Above 0.4: 2 of 3 defaulters, 0 of 3 performers -> a gap of 2/3.
        assert ks(self.y, self.score) == pytest.approx(2 / 3)

    def test_perfect_and_reversed_scores(self) -> None:
        assert auc([0, 1], [0.1, 0.9]) == 1.0
        assert auc([0, 1], [0.9, 0.1]) == 0.0

    def test_brier(self) -> None:
        assert brier([0, 1], [0.2, 0.6]) == pytest.approx((0.04 + 0.16) / 2)
        with pytest.raises(ValueError, match="from 0 to 1"):
            brier([0, 1], [0.2, 1.2])

    def test_one_class_only_is_refused(self) -> None:
        with pytest.raises(ValueError, match="both"):
            auc([0, 0], [0.1, 0.2])


class TestCalibration:
    def test_a_well_calibrated_grade_passes_and_a_wrong_one_fails(self) -> None:
        rng = np.random.default_rng(0)
        pd = np.r_[np.full(2000, 0.02), np.full(2000, 0.02)]
        truth = np.r_[np.full(2000, 0.02), np.full(2000, 0.08)]  # grade 2 is four times riskier
        y = rng.random(4000) < truth
        rows = calibration_by_grade(y, pd, np.r_[np.full(2000, 1), np.full(2000, 2)])
        assert [r.grade for r in rows] == [1, 2]
        assert not rows[0].rejected
        assert rows[1].rejected and rows[1].observed_rate > 0.05


class TestStability:
    def test_same_population_is_stable_and_a_shift_is_not(self) -> None:
        rng = np.random.default_rng(1)
        base = rng.normal(0, 1, 20_000)
        assert psi(base, rng.normal(0, 1, 20_000)) < 0.01
        assert psi(base, rng.normal(0.8, 1, 20_000)) > 0.25


class TestMasterScale:
    def test_ten_grades_cover_every_pd_once(self) -> None:
        assert [g.grade for g in MASTER_SCALE] == list(range(1, 11))
        for lower, upper in itertools.pairwise(MASTER_SCALE):
            assert lower.pd_to == upper.pd_from
            assert lower.pd_from <= lower.central_pd < lower.pd_to

    def test_boundaries_and_default(self) -> None:
        pds = [0.0, UPPER_BOUNDS[0] - 1e-9, UPPER_BOUNDS[0], 0.011, 0.5, 0.999, 1.0]
        assert grade_of(pds).tolist() == [1, 1, 2, 6, 9, 9, 10]
        assert grade_of([0.001], defaulted=[True]).tolist() == [10]
        assert grade_distance([3, 5], [5, 5]).tolist() == [2, 0]
        with pytest.raises(ValueError):
            grade_of([1.2])
