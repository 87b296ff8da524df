"""Cross-validated AUC, KS and Brier on folds anyone can reproduce: stratified, shuffled, seeded.

``model fit --cv``, ``model compare`` and the scoring benchmark share this one protocol, so a
figure in a note can be re-run from its seed. Where rows belong to the same customer, ``groups``
keeps each customer's rows in one fold (no customer is both trained and tested on).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from creditdesk.risk.explain import fitting_without_reasons
from creditdesk.risk.metrics import auc, brier, ks

MIN_FOLDS = 2


def folds(y: pd.Series, n_folds: int, seed: int, groups: pd.Series | None = None) -> Iterator[tuple[Any, Any]]:
    if n_folds < MIN_FOLDS:
        raise ValueError(f"cross-validation needs at least {MIN_FOLDS} folds; got {n_folds}")
    smallest = int(y.value_counts().min())
    if smallest < n_folds:
        raise ValueError(f"{n_folds} folds need at least {n_folds} rows of each target value; the rarer has {smallest}")
    rows = np.zeros(len(y))
    if groups is not None:
        splits: Iterator[tuple[Any, Any]] = StratifiedGroupKFold(n_folds, shuffle=True, random_state=seed).split(
            rows, y, groups
        )
    else:
        splits = StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(rows, y)
    return splits


def cross_validate(
    make: Callable[[], Any],
    X: pd.DataFrame,
    y: pd.Series,
    n_folds: int = 5,
    seed: int = 0,
    groups: pd.Series | None = None,
) -> dict[str, Any]:
    """Per fold and summarised (mean and standard deviation): AUC, KS, Brier, fit seconds, rows/s."""
    per_fold: dict[str, list[float]] = {"auc": [], "ks": [], "brier": [], "fit_seconds": [], "rows_per_second": []}
    for train, test in folds(y, n_folds, seed, groups):
        started = time.perf_counter()
        with fitting_without_reasons():
            model = make().fit(X.iloc[train], y.iloc[train])
        fitted = time.perf_counter()
        pd_ = model.predict_proba(X.iloc[test])[:, 1]
        scored = time.perf_counter()
        truth = y.iloc[test].to_numpy()
        per_fold["auc"].append(auc(truth, pd_))
        per_fold["ks"].append(ks(truth, pd_))
        per_fold["brier"].append(brier(truth, pd_))
        per_fold["fit_seconds"].append(fitted - started)
        per_fold["rows_per_second"].append(len(test) / max(scored - fitted, 1e-9))
    summary: dict[str, Any] = {"folds": n_folds, "seed": seed, "stratified": True, "grouped": groups is not None}
    for name in ("auc", "ks", "brier"):
        summary[name] = float(np.mean(per_fold[name]))
        summary[f"{name}_sd"] = float(np.std(per_fold[name]))
    summary["fit_seconds"] = float(np.mean(per_fold["fit_seconds"]))
    summary["rows_per_second"] = float(np.median(per_fold["rows_per_second"]))
    summary["per_fold"] = {
        name: [round(v, 6) for v in values] for name, values in per_fold.items() if name != "rows_per_second"
    }
    return summary
