"""The month-end revaluation as a daily job: on the last day of a month it revalues the open
foreign-currency items at that day's rates (docs/currencies.md); on other days it does nothing.
Idempotent for its day: a second run finds every item at its value already."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from creditdesk.entrypoints.worker.jobs import pinned

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services

WORKER_ACTOR = "worker"


def revalue(services: Services, as_of: date) -> dict[str, int | str]:
    from creditdesk.service.revaluation import is_month_end
    from creditdesk.service.revaluation import revalue as revalue_items

    if not is_month_end(as_of):
        return {"skipped": "not a month-end"}
    day = pinned(services, as_of)
    return revalue_items(as_of, WORKER_ACTOR, None, day.read_uow, day.uow, day.clock).counts()
