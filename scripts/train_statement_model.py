"""Train the financial-statement PD model on the Polish companies and ship its figures.

Run once (``python scripts/train_statement_model.py``; needs ../shared/datasets); it writes
``src/creditdesk/risk/data/statement_model.json`` with the fitted figures, the data's source and
licence, and the model's 5-fold cross-validated AUC (stratified, seed 0) on the training data
and its AUC on the Polish 1st-year file (another horizon, a check that it carries over).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from creditdesk.risk import datasets
from creditdesk.risk.metrics import auc
from creditdesk.risk.statement_model import POLISH_ATTRIBUTES, RATIOS, fit_statement_model

OUT = Path(__file__).resolve().parents[1] / "src" / "creditdesk" / "risk" / "data" / "statement_model.json"


def ratios_of(name: str) -> tuple[object, object]:
    data = datasets.load(name)
    ratios = data.X[[POLISH_ATTRIBUTES[r] for r in RATIOS]].set_axis(list(RATIOS), axis=1)
    return ratios, data.y


def main() -> None:
    ratios, y = ratios_of("polish_5year")
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = []
    for train, test in folds.split(ratios, y):
        model = fit_statement_model(ratios.iloc[train], y.iloc[train], about={})
        scores.append(auc(y.iloc[test], model.predict_pd(ratios.iloc[test])))
    other_ratios, other_y = ratios_of("polish_1year")
    about = {
        "source": "UCI 365 Polish companies bankruptcy, 5th-year file (bankruptcy within one year); "
        "Tomczak, S. (2016), doi:10.24432/C5F600; CC BY 4.0",
        "rows": len(y),
        "bankrupt": int(y.sum()),
        "cv_auc": round(float(np.mean(scores)), 4),
        "cv_auc_sd": round(float(np.std(scores)), 4),
    }
    model = fit_statement_model(ratios, y, about=about)
    model.about["auc_on_polish_1year"] = round(auc(other_y, model.predict_pd(other_ratios)), 4)
    OUT.write_text(json.dumps(model.as_json(), indent=1) + "\n", encoding="utf-8")
    print(json.dumps(model.about))


if __name__ == "__main__":
    main()
