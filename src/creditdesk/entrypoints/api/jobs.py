"""The daily cycle's job runs over HTTP (managers and admins): what ran, when, with what result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.jobs import JobsOut
from creditdesk.entrypoints.worker.jobs import job_names
from creditdesk.service.jobs import MAX_RUNS_LISTED, lease_holders, recent_runs, wall_clock

router = APIRouter(prefix="/api/v1")


@router.get("/jobs", dependencies=[require(Permission.OPERATIONS)], response_model=JobsOut)
async def get_jobs(
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS_LISTED)] = 100,
    job: Annotated[str | None, Query(max_length=40)] = None,
) -> Any:
    """The latest runs of the daily jobs (newest first), with their counts or error, and the leases."""
    store = services.job_store()

    def read() -> dict[str, Any]:
        runs = recent_runs(store, principal.role, limit, job)
        now = wall_clock()
        leases = [lease.as_json(now) for lease in lease_holders(store, principal.role)]
        return {"jobs": job_names(), "runs": [run.as_json() for run in runs], "leases": leases}

    return declared(await run_in_threadpool(read))
