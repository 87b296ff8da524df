"""One `creditdesk` command as a subprocess, timed, its JSON output parsed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def timed_cli(db: str, cwd: Path, *args: str) -> tuple[float, Any]:
    """Seconds taken and the parsed stdout; a failure stops the benchmark with its stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "creditdesk", "--db", db, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)
