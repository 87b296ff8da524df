"""Scores and limit recommendations over HTTP: a customer's PD, grade, reasons, the bureaus'
views, the history, and each limit method's working."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.limits import LimitRecommendationOut, ModelsOut
from creditdesk.entrypoints.api.schemas import IdInPath
from creditdesk.service.limit_recommendation import recommend_limits
from creditdesk.service.scores import customer_score

router = APIRouter(prefix="/api/v1")


class ScoreReason(BaseModel):
    code: str
    feature: str
    direction: str
    points: float
    message: str
    message_zh: str


class BureauView(BaseModel):
    provider: str
    report_date: str
    grade: int | None  # the bureau's ranking on our scale
    native_grade: int | None  # from the bureau's own PD or rating
    distance: int | None
    flag: bool


class ScorePoint(BaseModel):
    as_of: str
    pd: float
    score: int
    grade: int


class CustomerScore(BaseModel):
    customer_id: str
    as_of: str
    pd: float
    score: int
    grade: int
    segment: str
    model_version: str
    reasons: list[ScoreReason]
    bureau: list[BureauView]
    review_flag: bool
    history: list[ScorePoint]


@router.get("/customers/{customer_id}/score", response_model=CustomerScore, dependencies=[require(Permission.READ)])
async def get_customer_score(customer_id: IdInPath, services: ServicesDep) -> Any:
    return await run_in_threadpool(customer_score, services.scoring_store(), customer_id)


@router.get("/models", dependencies=[require(Permission.READ)], response_model=ModelsOut)
async def get_models(services: ServicesDep) -> JSONResponse:
    store = services.scoring_store()
    found = await run_in_threadpool(lambda: {role: store.models_in_role(role) for role in ("champion", "challenger")})
    return declared(
        {
            role: [
                {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in entry.items() if k != "artefact_path"}
                for entry in entries
            ]
            for role, entries in found.items()
        }
    )


@router.get(
    "/customers/{customer_id}/limit-recommendation",
    dependencies=[require(Permission.READ)],
    response_model=LimitRecommendationOut,
)
async def get_limit_recommendation(customer_id: IdInPath, services: ServicesDep) -> JSONResponse:
    """Each limit method's amount and working, and the limit the active policy takes."""
    version, found = await run_in_threadpool(
        recommend_limits, services.limit_inputs(), services.clock.today(), None, customer_id
    )
    return declared({**found[0].as_json(), "policy_version": version})
