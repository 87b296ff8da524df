"""Fit, validate, save, evaluate and score: the model life cycle on any table with a 0/1 target.

Fitting holds out a stratified fifth of the rows, fits on the rest and writes the validation
report of the held-out rows into the artefact; then it refits on every row, so the shipped
model has seen all the data and its recorded metrics are honest out-of-sample figures. On
request it cross-validates first (the folds' seed is recorded). The report lists the columns
left out and why, the grade shares on the chosen scale, and how each protected group fares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from creditdesk.risk import artefact
from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.champion import ChampionPD
from creditdesk.risk.column_plan import ColumnPlan
from creditdesk.risk.column_types import MISSING, as_text, categorical_columns, value_labels
from creditdesk.risk.cross_validation import cross_validate
from creditdesk.risk.explain import PointsScale, fitting_without_reasons, reasons_against_typical
from creditdesk.risk.fairness import fairness_section
from creditdesk.risk.rating import UPPER_BOUNDS, grade_of, quantile_bounds
from creditdesk.risk.scorecard import Scorecard
from creditdesk.risk.validation import validation_report

MODEL_KINDS: dict[str, Any] = {"scorecard": Scorecard, "gbm": BoostedPD, "champion": ChampionPD}
REFERENCE_ROWS = 5_000
HOLDOUT_SHARE = 0.2
SCALES = ("master", "quantile")


def new_model(kind: str) -> Any:
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(MODEL_KINDS)}")
    return MODEL_KINDS[kind]()


#: A hold-out split and calibration folds need this many rows of each outcome.
MIN_ROWS_PER_CLASS = 10


def check_fittable(y: pd.Series) -> None:
    """A hold-out split, calibration folds and cross-validation need rows of both outcomes."""
    if y.nunique() < 2 or y.value_counts().min() < MIN_ROWS_PER_CLASS:
        counts = ", ".join(f"{value}: {n}" for value, n in y.value_counts().sort_index().items())
        raise ValueError(f"fitting needs at least {MIN_ROWS_PER_CLASS} rows of each target value; found {counts}")


@dataclass(frozen=True)
class FitOptions:
    """How to fit beyond the model itself: the column plan the features came from, the protected
    columns' values (for the fairness section), the grade scale and the cross-validation."""

    plan: ColumnPlan | None = None
    protected: pd.DataFrame = field(default_factory=pd.DataFrame)
    scale: str = "master"
    cv_folds: int = 0
    seed: int = 0


def fit_artefact(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    kind: str,
    target: str,
    folder: Path,
    model: Any = None,
    period: tuple[str, str] | None = None,
    options: FitOptions | None = None,
) -> tuple[artefact.ArtefactMetadata, dict[str, Any]]:
    """``model`` is a new estimator of ``kind``; by default the standard one of that kind."""
    options = options or FitOptions()
    model = model if model is not None else new_model(kind)
    if options.scale not in SCALES:
        raise ValueError(f"unknown scale {options.scale!r}; expected one of {', '.join(SCALES)}")
    check_fittable(y)
    train_X, test_X, train_y, test_y = train_test_split(
        X, y, test_size=HOLDOUT_SHARE, stratify=y, random_state=options.seed
    )
    with fitting_without_reasons():  # the folds and the hold-out model are measured, never explained
        cv = cross_validate(lambda: clone(model), X, y, options.cv_folds, options.seed) if options.cv_folds else {}
        holdout_model = clone(model).fit(train_X, train_y)
    bounds = _bounds(holdout_model, train_X, options.scale)
    report = validation_report(holdout_model, test_X, test_y, train_X, bounds=bounds, scale=options.scale)
    plan = options.plan
    report["left_out"] = plan.left_out if plan else {}
    if not options.protected.empty:
        used = list(X.columns)
        pd_test = holdout_model.predict_proba(test_X)[:, 1]
        protected = options.protected.set_axis(X.index).loc[test_X.index]
        report["fairness"] = fairness_section(pd_test, test_y.to_numpy(), protected, used)
    if cv:
        report["cv"] = cv
    model.fit(X, y)
    reference = X.sample(min(len(X), REFERENCE_ROWS), random_state=options.seed)
    meta = artefact.ArtefactMetadata(
        kind=kind,
        features=[str(c) for c in X.columns],
        target=target,
        training_rows=len(X),
        data_sha256=artefact.data_digest(pd.concat([X, y], axis=1)),
        params={k: v for k, v in model.get_params(deep=False).items() if _plain(v)},
        metrics={k: float(report[k]) for k in ("auc", "gini", "ks", "brier")} | {"holdout_rows": float(report["n"])},
        period=period,
        columns=plan.to_dict() | {"categories": _categories(X)} if plan else {},
        left_out=report["left_out"],
        protected=_protected(plan) if plan else {},
        scale={"kind": options.scale, "upper_bounds": list(_bounds(model, X, options.scale))},
        cv=cv,
    )
    stamped = artefact.save(model, folder, meta, reference=reference)
    (folder / "validation.json").write_text(pd.Series(report).to_json(indent=1), encoding="utf-8")
    return stamped, report


def _categories(X: pd.DataFrame) -> dict[str, list[str]]:
    """Each category column's values seen in training (scoring warns of the others)."""
    return {name: sorted(as_text(X[name]).dropna().unique()) for name in categorical_columns(X)}


def unseen_categories(meta: artefact.ArtefactMetadata, X: pd.DataFrame) -> list[str]:
    """A warning per category column holding values the model never saw."""
    warnings = []
    for name, seen in meta.columns.get("categories", {}).items():
        values = as_text(X[name])
        new = values.notna() & ~values.isin(seen)
        if new.any():
            examples = ", ".join(sorted(values[new].unique())[:5])
            warnings.append(
                f"{name}: {int(new.sum()):,} row(s) hold categories not seen in training ({examples}); "
                "the scorecard gives them the average risk, the booster reads them as missing"
            )
    return warnings


def _bounds(model: Any, X: pd.DataFrame, scale: str) -> tuple[float, ...]:
    """The grades' upper PDs: the master scale's, or the training population's own quantiles."""
    return UPPER_BOUNDS if scale == "master" else quantile_bounds(model.predict_proba(X)[:, 1])


def _protected(plan: ColumnPlan) -> dict[str, Any]:
    return {
        "patterns": list(plan.protected_patterns),
        "excluded": [name for name in plan.protected if name not in plan.allowed_protected],
        "allowed": dict(plan.allowed_protected),
    }


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | dict)


def evaluate(folder: Path, X: pd.DataFrame, y: pd.Series) -> dict[str, Any]:
    """The validation report of a saved model on new data, with drift against its training sample.
    Evaluating on the training data itself says so: its figures are not out-of-sample."""
    model, meta = artefact.load(folder)
    reference = artefact.load_reference(folder, meta)
    features = X[meta.features]
    report = validation_report(
        model,
        features,
        y,
        None if reference is None else reference[meta.features],
        bounds=scale_bounds(meta),
        scale=meta.scale.get("kind", "master"),
    )
    if artefact.data_digest(pd.concat([features, y], axis=1)) == meta.data_sha256:
        report["warnings"].insert(
            0,
            "this is the data the model was fitted on: its figures are not out-of-sample; evaluate on rows "
            "the model has not seen (the fit's validation.json holds the held-out report)",
        )
    report["model"] = {"kind": meta.kind, "created_at": meta.created_at, "model_sha256": meta.model_sha256}
    return report


def scale_bounds(meta: artefact.ArtefactMetadata) -> tuple[float, ...]:
    return tuple(meta.scale.get("upper_bounds") or UPPER_BOUNDS)


def score_table(
    model: Any,
    X: pd.DataFrame,
    top: int = 3,
    scale: PointsScale | None = None,
    meta: artefact.ArtefactMetadata | None = None,
    lang: str = "en",
    words: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per row: PD, points score, grade and the top reasons with the points each one cost and
    their text in the row's own words ("checking account: < 0"; ``words`` are the cells as the
    file wrote them, by default the values as read). A protected attribute the model was
    allowed to use is never a reason."""
    scale = scale or PointsScale()
    pd_ = model.predict_proba(X)[:, 1]
    table = pd.DataFrame(
        {
            "pd": np.round(pd_, 6),
            "score": np.round(scale.score(pd_)).astype(int),
            "grade": grade_of(pd_, bounds=scale_bounds(meta) if meta else UPPER_BOUNDS),
        },
        index=X.index,
    )
    plan = ColumnPlan.from_dict(meta.columns) if meta and meta.columns else None
    leave_out = list(plan.allowed_protected) if plan else []
    if hasattr(model, "contributions"):
        typical = getattr(model, "typical_contributions_", None)
        reasons = reasons_against_typical(model.contributions(X), typical, top, leave_out)
    else:  # a segmented model gives each segment's reasons
        reasons = model.reasons(X, top=top)
    missing = "（缺失）" if lang == "zh" else MISSING
    labels = (value_labels(X) if words is None else words.set_axis(X.index)).replace({"": missing, MISSING: missing})
    separator = "：" if lang == "zh" else ": "
    for k in range(top):
        # A reason worth less than a tenth of a point would read "0.0 points": not a reason.
        chosen = [row[k] if len(row) > k and abs(row[k][1] * scale.factor) >= 0.05 else None for row in reasons]
        table[f"reason_{k + 1}"] = [c[0] if c else "" for c in chosen]
        table[f"reason_{k + 1}_points"] = [round(c[1] * scale.factor, 1) if c else np.nan for c in chosen]
        table[f"reason_{k + 1}_text"] = [
            f"{plan.label(c[0], lang) if plan else c[0]}{separator}{labels[c[0]].iloc[i]}" if c else ""
            for i, c in enumerate(chosen)
        ]
    return table
