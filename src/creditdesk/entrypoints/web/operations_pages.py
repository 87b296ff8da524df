"""The operations page (managers, admins): the daily cycle's recent job runs and who holds the
leases; the event feed: the outbox, how far the notifications and each webhook have read it, the
webhook deliveries by status (an admin also sees the recent and failed ones, with their errors,
through the webhooks service, which keeps them to admins) and the notifications waiting for mail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from creditdesk.adapters.db.operations_views import feed_state
from creditdesk.domain.roles import Permission, may
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import UiDep, permitted
from creditdesk.entrypoints.worker.jobs import DAILY_JOBS
from creditdesk.service.auth import Principal
from creditdesk.service.jobs import lease_holders, recent_runs, wall_clock
from creditdesk.service.publishing import FAILED
from creditdesk.service.webhooks import Acting, list_deliveries

router = APIRouter(include_in_schema=False)

Operator = Annotated[Principal, permitted(Permission.OPERATIONS)]
RUNS_SHOWN = 200
DELIVERIES_SHOWN = 20


@router.get("/operations", response_class=HTMLResponse)
async def operations(request: Request, principal: Operator, services: ServicesDep, ui: UiDep) -> Response:
    store = services.job_store()

    def load() -> dict[str, Any]:
        now = wall_clock()
        runs = recent_runs(store, principal.role, RUNS_SHOWN)
        with services.engine.connect() as conn:
            feed = feed_state(conn.execution_options(readonly=True))
        recent: list[Any] = []
        failed: list[Any] = []
        if may(principal.role, Permission.MANAGE_WEBHOOKS):
            acting = Acting(principal.name, principal.role)
            recent = list_deliveries(acting, services.webhook_uow(), limit=DELIVERIES_SHOWN)
            failed = list_deliveries(acting, services.webhook_uow(), status=FAILED, limit=DELIVERIES_SHOWN)
        return {
            "runs": runs,
            "leases": lease_holders(store, principal.role),
            "now": now,
            "feed": feed,
            "recent_deliveries": recent,
            "failed_deliveries": failed,
            "sees_deliveries": may(principal.role, Permission.MANAGE_WEBHOOKS),
        }

    found = await run_in_threadpool(load)
    jobs = [job.name for job in DAILY_JOBS]
    return ui.render(request, "operations.html", jobs=jobs, settings=services.settings, **found)
