"""Scoring accuracy and speed on the real datasets: python -m bench.scoring [--datasets ..] [--models ..]

One protocol for every model: stratified 5-fold cross-validation, seed 0 (folds grouped by
customer for the IBM invoices, so no customer is both trained and tested on). Per model and
dataset: mean AUC (± its standard deviation over folds), KS, Brier, fit seconds per fold and
rows scored per second. Prints one table; the figures also go to ``var/bench/scoring.json``.
Needs ../shared/datasets (or CREDITDESK_DATASETS) and the peers' packages, which
``make bench`` installs into its own environment.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from bench import peers
from creditdesk.risk import datasets
from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.champion import ChampionPD
from creditdesk.risk.metrics import auc, brier, ks
from creditdesk.risk.scorecard import Scorecard

MODELS: dict[str, Callable[[], peers.Model]] = {
    "creditdesk scorecard": Scorecard,
    "creditdesk gbm": BoostedPD,
    "creditdesk champion": ChampionPD,
    "optbinning Scorecard": peers.OptbinningScorecard,
    "toad": peers.ToadScorecard,
    "scorecardpy": peers.ScorecardpyScorecard,
    "LightGBM default": peers.DefaultLightGBM,
    "sklearn HistGB": peers.DefaultHistGB,
}
OUT = Path("var/bench/scoring")  # one file per dataset and model, so runs can be split and resumed


def evaluate(dataset: datasets.Dataset, make: Callable[[], peers.Model]) -> dict[str, float]:
    X, y = dataset.X, dataset.y
    if dataset.groups is not None:
        splits = StratifiedGroupKFold(5, shuffle=True, random_state=0).split(X, y, dataset.groups)
    else:
        splits = StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)
    aucs, kss, briers, fit_s, rate = [], [], [], [], []
    for train, test in splits:
        started = time.perf_counter()
        model = make().fit(X.iloc[train], y.iloc[train])
        fitted = time.perf_counter()
        pd_ = model.predict_proba(X.iloc[test])[:, 1]
        scored = time.perf_counter()
        truth = y.iloc[test].to_numpy()
        aucs.append(auc(truth, pd_))
        kss.append(ks(truth, pd_))
        briers.append(brier(truth, pd_))
        fit_s.append(fitted - started)
        rate.append(len(test) / max(scored - fitted, 1e-9))
    return {
        "auc": float(np.mean(aucs)),
        "auc_sd": float(np.std(aucs)),
        "ks": float(np.mean(kss)),
        "brier": float(np.mean(briers)),
        "fit_seconds": float(np.mean(fit_s)),
        "rows_per_second": float(np.median(rate)),
    }


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    lines = [
        "| dataset | model | AUC | ± | KS | Brier | fit s | rows/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, by_model in results.items():
        for model, f in by_model.items():
            lines.append(
                f"| {name} | {model} | {f['auc']:.4f} | {f['auc_sd']:.3f} | {f['ks']:.3f} | {f['brier']:.4f} "
                f"| {f['fit_seconds']:.1f} | {f['rows_per_second']:,.0f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=list(datasets.READERS))
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    args = parser.parse_args(argv)
    if not datasets.datasets_dir().exists():
        print(f"scoring benchmark skipped: {datasets.datasets_dir()} is absent", file=sys.stderr)
        return {}
    warnings.filterwarnings("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    for name in args.datasets:
        dataset = datasets.load(name)
        for model in args.models:
            print(f"{name}: {model}...", file=sys.stderr)
            (OUT / f"{name}__{model}.json").write_text(json.dumps(evaluate(dataset, MODELS[model])))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in datasets.READERS:
        for model in MODELS:
            path = OUT / f"{name}__{model}.json"
            if path.exists():
                results.setdefault(name, {})[model] = json.loads(path.read_text())
    print(table(results))
    return results


if __name__ == "__main__":
    main()
