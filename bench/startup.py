"""How long the command line and the API app take to start: the median of ten runs each.

`python -m bench.startup` prints one JSON line. `creditdesk --help` loads no command; `token create`
opens the database; importing the API app loads the web stack but none of the modelling libraries.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 10


def _median_seconds(command: list[str], cwd: Path) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def main() -> None:
    creditdesk = shutil.which("creditdesk", path=str(Path(sys.executable).parent)) or "creditdesk"
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        db = f"sqlite:///{cwd / 'bench.db'}"
        subprocess.run([creditdesk, "--db", db, "db", "upgrade"], cwd=cwd, capture_output=True, check=True)
        figures = {
            "bench": "startup",
            "runs": RUNS,
            "help_median_s": _median_seconds([creditdesk, "--help"], cwd),
            "token_create_median_s": _median_seconds(
                [creditdesk, "--db", db, "token", "create", "--name", "bench", "--role", "analyst"], cwd
            ),
            "api_import_median_s": _median_seconds(
                [sys.executable, "-c", "import creditdesk.entrypoints.api.asgi"], cwd
            ),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
