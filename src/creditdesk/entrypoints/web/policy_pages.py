"""The policy pages: the active check policy and its history, and a what-if of a policy file on
the portfolio (the simulator) before an admin activates it.

A what-if runs on the process's one background job thread (at most two waiting or running per
user, eight in all) and leaves its result in a file under ``var/simulations/`` (so any worker
process can show it); the page polls until it is there. The simulation runs in this process
(one worker): forking a threaded server is not safe.
"""

from __future__ import annotations

import json
import secrets
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from creditdesk.adapters.db import queries
from creditdesk.adapters.policy_file import PolicyError, parse_policy
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import JobsDep, SignedIn, UiDep, form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import Principal
from creditdesk.service.errors import ServiceError, TooBusy
from creditdesk.service.policies import activate_check_policy
from creditdesk.service.simulation import policies


def example_policy() -> str:
    """The example check policy shipped inside the package (``policies/`` at the repository's
    root links to it), empty when it is missing."""
    example = resources.files("creditdesk") / "policies" / "check-policy.example.yaml"
    return example.read_text(encoding="utf-8") if example.is_file() else ""


def _folder(services: Services) -> Path:
    folder = services.settings.var_dir / "simulations"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run_what_if(services: Services, job: str, body: str, seeds: int, months: int) -> None:
    # The simulator and its report (pandas, matplotlib) load with the first what-if, not at start.
    from creditdesk.entrypoints.simulation_report import write_report
    from creditdesk.service.simulation.engine import Scenario
    from creditdesk.service.simulation.portfolio import load_portfolio
    from creditdesk.service.simulation.study import Study, run_study

    folder = _folder(services)
    try:
        check, limits = parse_policy(body)
        chosen = [policies.legacy(), policies.from_file(f"proposed ({check.name})", check, limits)]
        portfolio, left_out = load_portfolio(services.limit_inputs(), services.scoring_store(), services.clock.today())
        study = Study(chosen, seeds, Scenario(months=months))
        document = run_study(portfolio, study, workers=1, left_out=left_out)
        write_report(document, folder / f"{job}.html")
        (folder / f"{job}.json").write_text(json.dumps(document), encoding="utf-8")
    except Exception as error:  # a background job reports its failure on the page, it does not raise
        (folder / f"{job}.error").write_text(str(error), encoding="utf-8")


router = APIRouter(include_in_schema=False)

SetsLimits = Annotated[Principal, form_permitted(Permission.SET_LIMIT, "/policy")]
AdminForm = Annotated[Principal, form_permitted(Permission.ADMINISTER, "/policy")]


@router.get("/policy", response_class=HTMLResponse)
async def policy_page(request: Request, _user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    def load() -> list[queries.PolicyVersion]:
        with services.engine.connect() as conn:
            return queries.policy_versions(conn)

    versions = await run_in_threadpool(load)
    example = example_policy()
    draft = versions[0].body if versions else example
    return ui.render(request, "policy.html", versions=versions, draft=draft, problems=[])


@router.post("/policy/what-if")
async def what_if(
    request: Request,
    user: SetsLimits,
    services: ServicesDep,
    ui: UiDep,
    jobs: JobsDep,
    body: str = Form("", max_length=200_000),
    seeds: int = Form(3),
    months: int = Form(6),
) -> Response:
    problems = _problems(body)
    if problems:
        return ui.render(request, "policy.html", status=422, versions=[], draft=body, problems=problems)
    job = secrets.token_hex(8)
    seeds, months = max(1, min(seeds, 20)), max(1, min(months, 24))
    try:
        jobs.submit(user.name, lambda: _run_what_if(services, job, body, seeds, months))
    except TooBusy as busy:
        page = ui.render(request, "policy.html", status=429, versions=[], draft=body, problems=[busy.detail])
        page.headers["Retry-After"] = str(busy.retry_after)
        return page
    (_folder(services) / f"{job}.yaml").write_text(body, encoding="utf-8")
    return RedirectResponse(f"/policy/what-if/{job}", status_code=303)


@router.get("/policy/what-if/{job}", response_class=HTMLResponse)
async def what_if_result(request: Request, _user: SignedIn, services: ServicesDep, ui: UiDep, job: str) -> Response:
    if not job.isalnum():
        return ui.not_found(request)
    folder = _folder(services)
    if not (folder / f"{job}.yaml").exists():
        return ui.not_found(request)
    done, failed = folder / f"{job}.json", folder / f"{job}.error"
    document: dict[str, Any] | None = json.loads(done.read_text(encoding="utf-8")) if done.exists() else None
    error = failed.read_text(encoding="utf-8") if failed.exists() else None
    return ui.render(request, "what_if.html", job=job, document=document, error=error)


@router.get("/policy/what-if/{job}/report")
async def what_if_report(request: Request, _user: SignedIn, services: ServicesDep, ui: UiDep, job: str) -> Response:
    report = _folder(services) / f"{job}.html"
    if not job.isalnum() or not report.exists():
        return ui.not_found(request)
    return FileResponse(report, media_type="text/html")


@router.post("/policy/what-if/{job}/activate")
async def activate(request: Request, admin: AdminForm, services: ServicesDep, ui: UiDep, job: str) -> Response:
    if not job.isalnum() or not (_folder(services) / f"{job}.yaml").exists():
        return ui.not_found(request)
    body = (_folder(services) / f"{job}.yaml").read_text(encoding="utf-8")
    check, _ = parse_policy(body)
    try:
        version = await run_in_threadpool(
            activate_check_policy, check.name, body, admin.name, admin.role, services.uow(), services.clock
        )
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=job, detail=error.detail)
    else:
        Ui.flash(request, "policy_activated", id=str(version))
    return RedirectResponse("/policy", status_code=303)


def _problems(body: str) -> list[str]:
    try:
        parse_policy(body)
    except PolicyError as error:
        return [problem.render("policy") for problem in error.problems]
    return []
