"""The operations page: the daily cycle's recent job runs and who holds the leases (managers, admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import UiDep, permitted
from creditdesk.entrypoints.worker.jobs import DAILY_JOBS
from creditdesk.service.auth import Principal
from creditdesk.service.jobs import lease_holders, recent_runs, wall_clock

router = APIRouter(include_in_schema=False)

Operator = Annotated[Principal, permitted(Permission.OPERATIONS)]
RUNS_SHOWN = 200


@router.get("/operations", response_class=HTMLResponse)
async def operations(request: Request, principal: Operator, services: ServicesDep, ui: UiDep) -> Response:
    store = services.job_store()

    def load() -> dict[str, Any]:
        now = wall_clock()
        runs = recent_runs(store, principal.role, RUNS_SHOWN)
        return {"runs": runs, "leases": lease_holders(store, principal.role), "now": now}

    found = await run_in_threadpool(load)
    jobs = [job.name for job in DAILY_JOBS]
    return ui.render(request, "operations.html", jobs=jobs, settings=services.settings, **found)
