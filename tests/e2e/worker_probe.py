"""``python -m tests.e2e.worker_probe [--always-grant] [--meet DIR] -- ARGS``: ``creditdesk ARGS``
with faults for the worker tests' negative controls.

* ``--light``: every daily job a stand-in that does nothing but take a few milliseconds (the
  lease between processes is under test, not the jobs: their imports would cost seconds);
  ``--light=snapshots,backup``: those jobs only (what a test leaves out of the business tables);
* ``--always-grant``: every lease is granted (no exclusion between processes);
* ``--meet DIR``: the first job waits (bounded) until two processes have started it, so that two
  workers without exclusion deterministically run it side by side.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any


def main() -> None:
    args = sys.argv[1:]
    split = args.index("--")
    options, command = args[:split], args[split + 1 :]
    light_option = next((o for o in options if o.startswith("--light")), None)
    if light_option is not None:
        import importlib

        from creditdesk.entrypoints.worker.jobs import DAILY_JOBS

        _, _, names = light_option.partition("=")
        chosen = set(names.split(",")) if names else {job.name for job in DAILY_JOBS}

        def light(services: Any, as_of: date) -> dict[str, int | str]:
            time.sleep(0.01)
            return {"light": 1}

        for job in (job for job in DAILY_JOBS if job.name in chosen):
            module, _, name = job.target.partition(":")
            setattr(importlib.import_module(module), name, light)
    if "--always-grant" in options:
        from creditdesk.adapters.db.job_store import SqlJobStore

        def granted(self: SqlJobStore, *_: Any) -> bool:
            return True

        for method in ("acquire", "renew"):
            setattr(SqlJobStore, method, granted)
    if "--meet" in options:
        folder = Path(options[options.index("--meet") + 1])
        from creditdesk.entrypoints.worker import daily

        original = daily.expire_orders

        def meeting(services: Any, as_of: date) -> dict[str, int | str]:
            (folder / str(os.getpid())).touch()
            deadline = time.monotonic() + 60
            while len(list(folder.iterdir())) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            return original(services, as_of)

        daily.expire_orders = meeting
    from creditdesk.entrypoints.cli.main import app

    sys.argv = ["creditdesk", *command]
    app()


if __name__ == "__main__":
    main()
