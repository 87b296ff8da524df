"""`creditdesk model fit|evaluate|score` on CSV files, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.e2e.conftest import cli

pytestmark = pytest.mark.e2e


def write_sample(path: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    late = rng.gamma(2.0, 5.0, n)
    equity = rng.normal(0.4, 0.15, n)
    logit = -3.0 + 0.12 * late - 4.0 * (equity - 0.4)
    bad = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    ids = [f"R{i}" for i in range(n)]
    pd.DataFrame({"row_id": ids, "days_late": late, "equity_ratio": equity, "bad": bad}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_fit_evaluate_score_round_trip(tmp_path: Path, kind: str) -> None:
    train = write_sample(tmp_path / "train.csv", 3000, seed=0)
    test = write_sample(tmp_path / "test.csv", 2000, seed=1)
    model = tmp_path / "model"
    fitted = cli(
        tmp_path, "model", "fit", "--data", str(train), "--target", "bad", "--kind", kind, "--out", str(model), "--json"
    )
    assert fitted.returncode == 0, fitted.stderr
    summary = json.loads(fitted.stdout)
    assert summary["features"] == ["days_late", "equity_ratio"] and summary["ignored_columns"] == ["row_id"]
    assert summary["holdout"]["n"] == 600 and summary["holdout"]["auc"] > 0.7
    meta = json.loads((model / "metadata.json").read_text())
    assert meta["kind"] == kind and meta["training_rows"] == 3000 and len(meta["data_sha256"]) == 64

    evaluated = cli(tmp_path, "model", "evaluate", str(model), "--data", str(test), "--target", "bad", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["n"] == 2000 and 0.7 < report["auc"] < 1 and report["gini"] == pytest.approx(2 * report["auc"] - 1)
    assert {"ks", "brier", "calibration", "psi_score", "psi_features"} <= set(report)
    assert report["psi_score"] < 0.1  # same population: no drift

    scored_path = tmp_path / "scored.csv"
    scored = cli(tmp_path, "model", "score", str(model), "--data", str(test), "--out", str(scored_path))
    assert scored.returncode == 0, scored.stderr
    scored_rows = pd.read_csv(scored_path)
    assert list(scored_rows["row_id"]) == [f"R{i}" for i in range(2000)]
    assert {"pd", "score", "grade", "reason_1", "reason_1_points"} <= set(scored_rows.columns)
    assert scored_rows["grade"].between(1, 9).all()
    # Lower score, higher PD: the scale runs one way.
    assert np.corrcoef(scored_rows["pd"], scored_rows["score"])[0, 1] < -0.8
    riskiest = scored_rows.sort_values("pd").iloc[-1]
    assert riskiest["reason_1"] in {"days_late", "equity_ratio"}


def test_bad_input_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("x,bad\n1,0\n2,1\nfour,0\n5,2\n", encoding="utf-8")
    model = tmp_path / "model"
    result = cli(tmp_path, "model", "fit", "--data", str(bad), "--target", "bad", "--out", str(model))
    assert result.returncode == 65
    assert result.stderr.splitlines()[:2] == [
        f"{bad}:4:1: BAD_NUMBER expected a number; found 'four'",
        f"{bad}:5:2: BAD_VALUE expected 0 or 1 (or yes/no, true/false: 1, yes and true mean defaulted); found '2'",
    ]
    assert "Traceback" not in result.stderr and not model.exists()
    assert (
        cli(
            tmp_path, "model", "fit", "--data", str(bad), "--target", "bad", "--kind", "tree", "--out", str(model)
        ).returncode
        == 2
    )
    not_a_model = cli(tmp_path, "model", "evaluate", str(tmp_path), "--data", str(bad), "--target", "bad")
    assert not_a_model.returncode == 65 and "not a model artefact" in not_a_model.stderr


def test_scoring_needs_the_models_features_and_never_half_writes(tmp_path: Path) -> None:
    train = write_sample(tmp_path / "train.csv", 2000, seed=0)
    model = tmp_path / "model"
    assert cli(tmp_path, "model", "fit", "--data", str(train), "--target", "bad", "--out", str(model)).returncode == 0
    lacking = tmp_path / "lacking.csv"
    lacking.write_text("days_late\n3\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = cli(tmp_path, "model", "score", str(model), "--data", str(lacking), "--out", str(out))
    assert result.returncode == 65 and "MISSING_COLUMN" in result.stderr and "equity_ratio" in result.stderr
    assert not out.exists()
    # A model folder is never overwritten.
    again = cli(tmp_path, "model", "fit", "--data", str(train), "--target", "bad", "--out", str(model))
    assert again.returncode == 2 and "not empty" in again.stderr
