"""The batch's cash forecast on a sample of customers against the whole ledger's:
python -m bench.cash_sample --run DIR [--most 1000000,150000,50000]

``DIR`` is a batch run's folder (`creditdesk batch run --dir DIR --no-load`): its inputs and its
outputs (scores, report sums). For each bound on the invoices forecast (the first is taken for
the whole: larger than the ledger), the stage's time, the sample's size and how far the scaled
13-week forecast lies from the first. Prints one JSON line per bound.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from creditdesk.adapters.batch.cash import cash_views


def _weekly(document: dict[str, Any]) -> list[float]:
    return [float(row["expected"]) for row in document["rows"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--most", default="1000000,150000,50000")
    args = parser.parse_args()
    as_of = date.fromisoformat(json.loads((args.run / "run.json").read_text())["as_of"])
    whole: list[dict[str, Any]] | None = None
    for most in (int(part) for part in args.most.split(",")):
        started = time.perf_counter()
        documents = cash_views(args.run, as_of, most)[0]["rows"]
        seconds = time.perf_counter() - started
        whole = whole or documents
        for found, reference in zip(documents, whole, strict=True):
            weeks, base = _weekly(found), _weekly(reference)
            line = {
                "most": most,
                "currency": found["currency"],
                "seconds": round(seconds, 1),
                "sample": found.get("sample"),
                "open_items_inflow": found["expected_from_open_items"],
                "vs_first": round(
                    float(found["expected_from_open_items"]) / float(reference["expected_from_open_items"]) - 1, 4
                ),
                "weekly_off": round(sum(abs(a - b) for a, b in zip(weeks, base, strict=True)) / sum(base), 4),
                "week1_band": [found["rows"][0]["p10"], found["rows"][0]["p90"]],
            }
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
