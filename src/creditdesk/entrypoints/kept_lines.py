"""The collections worklist's lines from the one the nightly batch keeps (adapters/db/
kept_worklist.py), for the page and the API alike: each kept item as the worklist gives it
(service/collections.py ``worklist_row``), with its customer's name and segment, its dunning level
and its open promise as they stand on the day asked."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from creditdesk.adapters.db import kept_worklist
from creditdesk.bootstrap import Services
from creditdesk.domain.collections import PromiseStatus
from creditdesk.service.collections import Position, latest_promises, positions, worklist_row
from creditdesk.service.errors import Unavailable
from creditdesk.service.snapshots import RECEIVABLES


def kept_run(services: Services) -> kept_worklist.KeptRun | None:
    with services.engine.connect() as conn:
        return kept_worklist.kept_run(conn.execution_options(readonly=True))


def dunning_positions(services: Services, day: date) -> tuple[dict[str, Position], str]:
    """The customers' dunning positions on ``day`` and where they come from: the night's run when
    it is of that day and nothing it read has moved since its export (at a million customers
    the ledger is too large to read in one process), else the ledger."""
    kept = kept_run(services)
    unmoved = kept is not None and kept.fresh_at == services.snapshot_store().data_version(RECEIVABLES)
    if kept is not None and kept.as_of == day and unmoved:
        with services.engine.connect() as conn:
            found = kept_worklist.positions(conn.execution_options(readonly=True))
        if found is not None:
            return found, kept.run_id
    return positions(services.receivables().frames(day), day), "ledger"


def kept_lines(services: Services, query: kept_worklist.WorklistQuery, day: date) -> tuple[int, list[dict[str, Any]]]:
    """How many kept lines the query's filters leave, and its window of them."""
    with services.uow() as uow:
        latest = latest_promises(uow.collections.promises(status=PromiseStatus.OPEN), day)
    promised = {cid: promise.promised_on for cid, promise in latest.items()}
    with services.engine.connect() as conn:
        total, found = kept_worklist.page(conn.execution_options(readonly=True), query, promised)
    lines = []
    for row in found:
        item = SimpleNamespace(**row)
        line = worklist_row(item, item.dunning_level, item.dunning_since, latest.get(item.customer_id))
        lines.append({**line, "name": item.name, "segment": item.segment})
    return total, lines


def whole_kept_worklist(
    services: Services, day: date, limit: int | None = None, offset: int = 0
) -> tuple[kept_worklist.KeptRun, int, list[dict[str, Any]]]:
    """The kept worklist (or a window of it) as the API and the CLI give it: its run, how many
    items, and the lines without the page's name and segment. Unavailable before any run."""
    kept = kept_run(services)
    if kept is None:
        raise Unavailable(
            "the collections worklist is computed at night with the batch on and no run is loaded yet; "
            f"`creditdesk batch run --as-of {day.isoformat()}` computes it now"
        )
    query = kept_worklist.WorklistQuery(offset=offset, limit=limit if limit is not None else max(kept.items, 1))
    total, lines = kept_lines(services, query, day)
    return kept, total, [{k: v for k, v in line.items() if k not in ("name", "segment")} for line in lines]
