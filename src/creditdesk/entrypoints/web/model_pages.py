"""The models page: the portfolio model registry with each version's held-out validation, the
champion's drift (PSI of its score and features, training sample against today's portfolio),
and how well each bureau and our champion ranked the customers that went on to default."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.portfolio_views import model_views
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, ViewsDep

#: The population stability index's rule of thumb: stable below, act above.
PSI_WATCH, PSI_ACT = 0.10, 0.25

router = APIRouter(include_in_schema=False)


@router.get("/models", response_class=HTMLResponse)
async def models_page(request: Request, _user: SignedIn, services: ServicesDep, ui: UiDep, views: ViewsDep) -> Response:
    day = services.clock.today()

    def load() -> dict[str, Any]:
        store = services.scoring_store()
        registry = [m for role in ("champion", "challenger", "retired") for m in store.models_in_role(role)]
        drift, power = (views.read(view) for view in model_views(day))
        return {"registry": registry, "drift": drift, "power": power}

    data = await run_in_threadpool(load)
    return ui.render(request, "models.html", day=day, psi_watch=PSI_WATCH, psi_act=PSI_ACT, **data)
