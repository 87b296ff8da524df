"""The daily jobs of the credit desk itself: expiry, monitor, dunning, re-scoring, snapshots.

Each runs the service the matching command runs (``orders expire``, ``monitor``, ``collections
run``, ``score``, ``report refresh``) for the business day ``as_of``, on services whose clock is
pinned to that day, and is idempotent for its day: a second run finds nothing left to do.
"""

from __future__ import annotations

import shutil
from datetime import date
from typing import TYPE_CHECKING

from creditdesk.entrypoints.worker.jobs import pinned

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services

WORKER_ACTOR = "worker"


def expire_orders(services: Services, as_of: date) -> dict[str, int | str]:
    """Release the reservations of every order whose validity ended before ``as_of``."""
    from creditdesk.service.orders import sweep_expired

    day = pinned(services, as_of)
    return {"accounts_swept": sweep_expired(day.read_uow, day.uow, day.clock)}


def monitor(services: Services, as_of: date) -> dict[str, int | str]:
    """The monitor's rules on every account (a rerun of a day changes nothing: see domain.monitoring)."""
    from creditdesk.service.monitor import run_monitor

    day = pinned(services, as_of)
    run = run_monitor(as_of, day.monitor_facts(), day.limit_inputs(), day.uow, day.clock)
    counts: dict[str, int | str] = {"accounts": run.accounts, "changes": len(run.changes), "skipped": len(run.skipped)}
    counts.update({f"rule.{rule}": n for rule, n in run.by_rule().items()})
    return counts


def collections(services: Services, as_of: date) -> dict[str, int | str]:
    """The dunning run: promises settled, levels moved (each under the account's lock, once)."""
    from creditdesk.entrypoints.kept_lines import dunning_positions
    from creditdesk.service.collections import run_dunning

    day = pinned(services, as_of)
    found, source = dunning_positions(day, as_of)
    run = run_dunning(found, day.uow, day.clock, as_of)
    body = run.as_json()
    counts: dict[str, int | str] = {"level_changes": len(run.changes), "kept": len(body["kept"])}
    return {**counts, "broken": len(body["broken"]), "positions": source}


def rescore(services: Services, as_of: date) -> dict[str, int | str]:
    """Score the portfolio with the champion when the last scoring is ``rescore_every_days`` old
    (or more); never trains one (``creditdesk score`` does, the first time)."""
    from creditdesk.service.jobs import rescore_due

    day = pinned(services, as_of)
    store = day.job_store()
    if not store.has_champion():
        return {"skipped": "no champion model yet: `creditdesk score` trains one"}
    why_not = rescore_due(store.last_scored_on(), as_of, day.settings.rescore_every_days)
    if why_not is not None:
        return {"skipped": why_not}
    from creditdesk.service.scoring import score_portfolio

    run = score_portfolio(
        day.scoring_store(),
        day.uow(),
        day.settings.var_dir / "models",
        as_of,
        actor=WORKER_ACTOR,
        clock=day.clock,
    )
    return {"customers": run.customers, "flagged_by_bureau": run.flagged_by_bureau, "champion": run.champion}


def batch(services: Services, as_of: date) -> dict[str, int | str]:
    """The nightly batch on ``batch_engine``, loaded once for the day (a rerun finds it loaded)."""
    settings = services.settings
    if settings.batch_engine == "off":
        return {"skipped": "batch_engine is off: set it to local or spark to run the nightly batch"}
    if not services.job_store().has_champion():
        return {"skipped": "no champion model yet: `creditdesk score` trains one"}
    from creditdesk.adapters.batch.loading import is_loaded
    from creditdesk.entrypoints.batch_run import BatchOptions, run_batch

    run_id = f"batch-{as_of:%Y%m%d}-nightly"  # one a day: a rerun of the day finds it loaded
    if is_loaded(services.engine, run_id):
        return {"skipped": f"{run_id} is loaded already"}
    folder = settings.var_dir / "batch" / run_id
    shutil.rmtree(folder, ignore_errors=True)  # what an interrupted run of the day left
    master = settings.batch_master if settings.batch_engine == "spark" else None
    options = BatchOptions(engine=settings.batch_engine, master=master, folder=folder, run_id=run_id)
    record = run_batch(pinned(services, as_of), as_of, options)
    loaded = record["loaded"]
    monitor = loaded["monitor"] or {"changes": 0, "skipped": []}
    return {
        "run_id": record["run_id"],
        "customers": record["customers"],
        "buckets": record["buckets"],
        "peak_rss_mib": int(record["peak_rss_mib"]),
        "scores": loaded["scores"],
        "changes": monitor["changes"],
        "skipped": len(monitor["skipped"]),
    }


def snapshots(services: Services, as_of: date) -> dict[str, int | str]:
    """The snapshots ``report refresh`` computes, for ``as_of``: those missing or computed from
    other data than the current (a rerun on unchanged data computes none)."""
    from creditdesk.entrypoints.portfolio_views import PortfolioViews, figures_view, standard_views
    from creditdesk.service.snapshots import SCOPES

    day = pinned(services, as_of)
    if not day.job_store().accounts():
        return {"skipped": "no accounts yet"}
    views = PortfolioViews(day)
    store = day.snapshot_store()
    versions = {scope: store.data_version(scope) for scope in SCOPES}
    kept = {key: data_version for key, data_version, _ in store.headers()}
    computed = fresh = nightly = 0
    seconds = 0.0
    for view in standard_views(as_of):
        if views.by_batch(view):
            nightly += 1
            continue
        if kept.get(view.key) == versions[view.scope]:
            fresh += 1
            continue
        seconds += views.refresh(view)
        computed += 1
    if views.nightly:  # the morning's dashboard shows the night's figures while it adds up its own
        seconds += views.refresh(figures_view(as_of))
        computed += 1
    return {"computed": computed, "fresh": fresh, "by_the_batch": nightly, "seconds": f"{seconds:.1f}"}
