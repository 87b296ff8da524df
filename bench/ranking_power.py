"""The models' ranking power as loading a batch run computes it: python -m bench.ranking_power
--db URL --run FOLDER

Reads the run's ``defaults`` and calls ``adapters.batch.power.power_rows`` on the database (a
loaded book: its bureau reports and every champion score kept). Prints one JSON line: seconds,
peak RSS and rows. To compare with another version, run this file with that version's ``src``
first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from sqlalchemy import create_engine

from creditdesk.adapters.batch.power import power_rows, read_defaults


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="the loaded book's database URL")
    parser.add_argument("--run", required=True, type=Path, help="a batch run's folder (its outputs/defaults)")
    args = parser.parse_args(argv)
    defaults = read_defaults(args.run)
    if defaults is None:
        raise SystemExit(f"{args.run} has no defaults output: a run from before they were kept")
    engine = create_engine(args.db)
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = power_rows(conn, defaults)
    seconds = round(time.perf_counter() - started, 1)
    peak_mib = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib, "rows": len(rows)}))


if __name__ == "__main__":
    main()
