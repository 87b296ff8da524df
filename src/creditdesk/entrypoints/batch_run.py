"""The nightly batch end to end, for `creditdesk batch run` and the worker's `batch` job alike:
export the book (or link a data lake's files), compute on an engine, load the results once."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creditdesk.service.errors import InvalidInput

if TYPE_CHECKING:
    from creditdesk.adapters.batch.pipeline import BatchRun
    from creditdesk.bootstrap import Services

#: Told the totals of each stage's steps once they are known, returns what each step reports to.
Bars = Callable[[dict[str, int]], Callable[[str, str], None]]


@dataclass(frozen=True)
class BatchOptions:
    engine: str = "local"
    master: str | None = None
    folder: Path | None = None  # default var/batch/<run id>
    inputs: Path | None = None  # a data lake's files instead of an export of the database
    buckets: int | None = None
    workers: int | None = None  # the local engine's; default: the cores
    load: bool = True
    run_id: str | None = None  # default: the day and the time it starts
    cash: bool = True  # the cash forecast (adapters/batch/cash.py): a rerun for the scores may skip it


def _quiet(_totals: dict[str, int]) -> Callable[[str, str], None]:
    return lambda _stage, _done: None


def _link_inputs(inputs: Path, place: Path, manifest: str) -> None:
    """The run reads a data lake's files where they are (a million customers' are gigabytes)."""
    if not (inputs / manifest).is_file():
        raise InvalidInput(f"{inputs} holds no batch inputs: {manifest} is missing (docs/scale.md)")
    if place.exists() or place.is_symlink():
        raise InvalidInput(f"{place} exists already: give the run a new folder")
    place.parent.mkdir(parents=True, exist_ok=True)
    place.symlink_to(inputs.resolve(), target_is_directory=True)


def run_batch(services: Services, day: date, options: BatchOptions, bars: Bars = _quiet) -> dict[str, Any]:
    """Run the batch as of ``day``; its record (stages, rows, peak memory, what was loaded)."""
    from creditdesk.adapters.batch import exchange, loading, pipeline
    from creditdesk.adapters.batch.buckets import default_buckets

    engine = options.engine  # checked where it is given: the command's options, the settings
    run_id = options.run_id or f"batch-{day:%Y%m%d}-{datetime.now(UTC):%H%M%S%f}"
    home = options.folder or services.settings.var_dir / "batch" / run_id
    if options.inputs is None:
        champions = services.scoring_store().models_in_role("champion")
        if not champions:
            raise InvalidInput("there is no champion model yet: `creditdesk score` trains one")
        report = bars({"export": len(exchange.export_queries(day))})
        champion = (champions[0]["version"], champions[0]["artefact_path"])
        exchange.export(services.engine, day, home / "inputs", champion, lambda name: report("export", name))
    elif options.inputs.resolve() != (home / "inputs").resolve():
        _link_inputs(options.inputs, home / "inputs", exchange.MANIFEST)
    cores = options.workers or os.cpu_count() or 1
    customers = exchange.Manifest.read(home / "inputs").rows["customers"]
    count = options.buckets or default_buckets(engine, customers, cores)
    files = [path for path in (home / "inputs").glob("*.parquet") if path.stem not in exchange.SHARED]
    totals = {"partition": len(files), "pass 1": count, "pass 2": count}
    if engine == "spark":  # Spark reports each pass once, whole
        totals.update({"partition": 0, "pass 1": 1, "pass 2": 1})
    run: BatchRun = pipeline.compute(
        home,
        engine=engine,
        master=options.master,
        cash=options.cash,
        buckets=count,
        workers=cores,
        run_id=run_id,
        progress=bars(totals),
    )
    counts: dict[str, Any] = {**run.as_json(), "folder": str(home)}
    if options.load:
        counts["loaded"] = loading.load(home, services.uow, services.clock).as_json()
    return counts
