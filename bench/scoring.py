"""Scoring accuracy and speed on the real datasets: python -m bench.scoring [--datasets ..] [--models ..]

Beside the six shared data sets, three synthetic credit files with text categories
(``creditdesk.demo.credit_file``, seeds 0 to 2) measure the models on the columns an analyst's
file has; they need nothing outside the repository.

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
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import peers
from creditdesk.demo.credit_file import PROTECTED
from creditdesk.demo.credit_file import credit_file as make_credit_file
from creditdesk.risk import datasets
from creditdesk.risk import peers as risk_peers
from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.champion import ChampionPD
from creditdesk.risk.cross_validation import cross_validate
from creditdesk.risk.scorecard import Scorecard

MODELS: dict[str, Callable[[], peers.Model]] = {
    "creditdesk scorecard": Scorecard,
    "creditdesk gbm": BoostedPD,
    "creditdesk champion": ChampionPD,
    "optbinning Scorecard": risk_peers.OptbinningScorecard,
    "toad": peers.ToadScorecard,
    "scorecardpy": peers.ScorecardpyScorecard,
    "LightGBM default": risk_peers.NativeLightGBM,
    "sklearn HistGB": peers.DefaultHistGB,
}
OUT = Path("var/bench/scoring")  # one file per dataset and model, so runs can be split and resumed


def evaluate(dataset: datasets.Dataset, make: Callable[[], peers.Model]) -> dict[str, Any]:
    return cross_validate(make, dataset.X, dataset.y, n_folds=5, seed=0, groups=dataset.groups)


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


def credit_file(seed: int) -> datasets.Dataset:
    """The synthetic credit file (text categories), protected attributes left out as the CLI does."""
    frame = make_credit_file(rows=1000, seed=seed)
    return datasets.Dataset(f"credit_file_{seed}", frame.drop(columns=["bad", *PROTECTED]), frame["bad"])


CREDIT_FILES = {f"credit_file_{seed}": seed for seed in (0, 1, 2)}
#: The models that read text categories as they come (the others are run on the six shared sets).
READS_TEXT = (
    "creditdesk scorecard",
    "creditdesk gbm",
    "creditdesk champion",
    "optbinning Scorecard",
    "LightGBM default",
)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=[*CREDIT_FILES, *datasets.READERS])
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    args = parser.parse_args(argv)
    shared = [name for name in args.datasets if name not in CREDIT_FILES]
    if shared and not datasets.datasets_dir().exists():
        print(f"the shared data sets are skipped: {datasets.datasets_dir()} is absent", file=sys.stderr)
        args.datasets = [name for name in args.datasets if name in CREDIT_FILES]
    warnings.filterwarnings("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    for name in args.datasets:
        dataset = credit_file(CREDIT_FILES[name]) if name in CREDIT_FILES else datasets.load(name)
        for model in args.models:
            if name in CREDIT_FILES and model not in READS_TEXT:
                continue  # toad, scorecardpy and HistGB take numbers only, as their docs use them
            print(f"{name}: {model}...", file=sys.stderr)
            (OUT / f"{name}__{model}.json").write_text(json.dumps(evaluate(dataset, MODELS[model])))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in [*CREDIT_FILES, *datasets.READERS]:
        for model in MODELS:
            path = OUT / f"{name}__{model}.json"
            if path.exists():
                results.setdefault(name, {})[model] = json.loads(path.read_text())
    print(table(results))
    return results


if __name__ == "__main__":
    main()
