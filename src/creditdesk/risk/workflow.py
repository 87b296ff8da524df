"""Fit, validate, save, evaluate and score: the model life cycle on any table with a 0/1 target.

Fitting holds out a stratified fifth of the rows, fits on the rest and writes the validation
report of the held-out rows into the artefact; then it refits on every row, so the shipped
model has seen all the data and its recorded metrics are honest out-of-sample figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from creditdesk.risk import artefact
from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.champion import ChampionPD
from creditdesk.risk.explain import PointsScale
from creditdesk.risk.rating import grade_of
from creditdesk.risk.scorecard import Scorecard
from creditdesk.risk.validation import validation_report

MODEL_KINDS: dict[str, Any] = {"scorecard": Scorecard, "gbm": BoostedPD, "champion": ChampionPD}
REFERENCE_ROWS = 5_000
HOLDOUT_SHARE = 0.2


def new_model(kind: str) -> Any:
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(MODEL_KINDS)}")
    return MODEL_KINDS[kind]()


#: A hold-out split and calibration folds need this many rows of each outcome.
MIN_ROWS_PER_CLASS = 10


def fit_artefact(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    kind: str,
    target: str,
    folder: Path,
    model: Any = None,
    period: tuple[str, str] | None = None,
    seed: int = 0,
) -> tuple[artefact.ArtefactMetadata, dict[str, Any]]:
    """``model`` is a new estimator of ``kind``; by default the standard one of that kind."""
    model = model if model is not None else new_model(kind)
    if y.nunique() < 2 or y.value_counts().min() < MIN_ROWS_PER_CLASS:
        raise ValueError(f"fitting needs at least {MIN_ROWS_PER_CLASS} rows of each target value")
    train_X, test_X, train_y, test_y = train_test_split(X, y, test_size=HOLDOUT_SHARE, stratify=y, random_state=seed)
    holdout_model = clone(model).fit(train_X, train_y)
    report = validation_report(holdout_model, test_X, test_y, train_X)
    model.fit(X, y)
    reference = X.sample(min(len(X), REFERENCE_ROWS), random_state=seed)
    meta = artefact.ArtefactMetadata(
        kind=kind,
        features=[str(c) for c in X.columns],
        target=target,
        training_rows=len(X),
        data_sha256=artefact.data_digest(pd.concat([X, y], axis=1)),
        params={k: v for k, v in model.get_params(deep=False).items() if _plain(v)},
        metrics={k: float(report[k]) for k in ("auc", "gini", "ks", "brier")} | {"holdout_rows": float(report["n"])},
        period=period,
    )
    stamped = artefact.save(model, folder, meta, reference=reference)
    (folder / "validation.json").write_text(pd.Series(report).to_json(indent=1), encoding="utf-8")
    return stamped, report


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | dict)


def evaluate(folder: Path, X: pd.DataFrame, y: pd.Series) -> dict[str, Any]:
    """The validation report of a saved model on new data, with drift against its training sample."""
    model, meta = artefact.load(folder)
    reference = artefact.load_reference(folder, meta)
    report = validation_report(model, X[meta.features], y, None if reference is None else reference[meta.features])
    report["model"] = {"kind": meta.kind, "created_at": meta.created_at, "model_sha256": meta.model_sha256}
    return report


def score_table(model: Any, X: pd.DataFrame, top: int = 3, scale: PointsScale | None = None) -> pd.DataFrame:
    """Per row: PD, points score, grade and the top reasons with the points each one cost."""
    scale = scale or PointsScale()
    pd_ = model.predict_proba(X)[:, 1]
    table = pd.DataFrame(
        {
            "pd": np.round(pd_, 6),
            "score": np.round(scale.score(pd_)).astype(int),
            "grade": grade_of(pd_),
        },
        index=X.index,
    )
    reasons = model.reasons(X, top=top)
    for k in range(top):
        table[f"reason_{k + 1}"] = [row[k][0] if len(row) > k else "" for row in reasons]
        table[f"reason_{k + 1}_points"] = [
            round(row[k][1] * scale.factor, 1) if len(row) > k else np.nan for row in reasons
        ]
    return table
