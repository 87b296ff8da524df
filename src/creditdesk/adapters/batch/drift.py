"""The champion's drift from the batch's features: the models page's PSI of its score and of
each feature, from its training sample to the portfolio on the run's day.

The online path computes every customer's features from the whole ledger for it
(service/scoring.py ``champion_drift``); the batch has just computed them, bucket by bucket, so
one step reads its ``features`` output and calls the same ``stability_report`` on it. Loading the
run stores it as the page's ``drift`` snapshot, with the champion's held-out figures.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from creditdesk.risk import artefact
from creditdesk.risk.validation import stability_report

DRIFT_FILE = "drift.json"


def write_drift(folder: Path, as_of: date, champion: str, champion_path: str) -> int:
    """The drift into ``folder/outputs/drift.json``: 1, or 0 when the champion kept no training
    sample to compare with (the page says so, as online)."""
    model, meta = artefact.load(Path(champion_path))
    reference = artefact.load_reference(Path(champion_path), meta)
    if reference is None:
        return 0
    today = pq.read_table(folder / "outputs" / "features", columns=list(meta.features)).to_pandas()
    report = stability_report(model, reference[meta.features], today[meta.features])
    found = {"version": champion, "as_of": as_of.isoformat(), **report}
    (folder / "outputs" / DRIFT_FILE).write_text(json.dumps(found), encoding="utf-8")
    return 1


def read_drift(folder: Path) -> dict[str, Any] | None:
    path = folder / "outputs" / DRIFT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
