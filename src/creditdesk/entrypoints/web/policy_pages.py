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
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from creditdesk.adapters.db import queries
from creditdesk.adapters.policy_file import PolicyError, parse_policy
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.bounded import BackgroundJobs
from creditdesk.entrypoints.simulation_report import write_report
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.errors import ServiceError, TooBusy
from creditdesk.service.policies import activate_check_policy
from creditdesk.service.simulation import policies
from creditdesk.service.simulation.engine import Scenario
from creditdesk.service.simulation.portfolio import load_portfolio
from creditdesk.service.simulation.study import Study, run_study

_EXAMPLE = Path(__file__).parents[4] / "policies" / "check-policy.example.yaml"


def _folder(services: Services) -> Path:
    folder = services.settings.var_dir / "simulations"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run_what_if(services: Services, job: str, body: str, seeds: int, months: int) -> None:
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


def install(app: FastAPI, services: Services, ui: Ui) -> None:
    jobs = BackgroundJobs()

    @app.get("/policy", response_class=HTMLResponse, include_in_schema=False)
    async def policy_page(request: Request) -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)

        def load() -> list[queries.PolicyVersion]:
            with services.engine.connect() as conn:
                return queries.policy_versions(conn)

        versions = await run_in_threadpool(load)
        example = _EXAMPLE.read_text(encoding="utf-8") if _EXAMPLE.exists() else ""
        draft = versions[0].body if versions else example
        return ui.render(request, "policy.html", versions=versions, draft=draft, problems=[])

    @app.post("/policy/what-if", include_in_schema=False)
    async def what_if(
        request: Request,
        body: str = Form("", max_length=200_000),
        seeds: int = Form(3),
        months: int = Form(6),
        csrf: str = Form(""),
    ) -> Response:
        if (stop := ui.refuse(request, csrf, Permission.SET_LIMIT, "/policy")) is not None:
            return stop
        problems = _problems(body)
        if problems:
            return ui.render(request, "policy.html", status=422, versions=[], draft=body, problems=problems)
        job = secrets.token_hex(8)
        seeds, months = max(1, min(seeds, 20)), max(1, min(months, 24))
        try:
            jobs.submit(request.session["user"], lambda: _run_what_if(services, job, body, seeds, months))
        except TooBusy as busy:
            page = ui.render(request, "policy.html", status=429, versions=[], draft=body, problems=[busy.detail])
            page.headers["Retry-After"] = str(busy.retry_after)
            return page
        (_folder(services) / f"{job}.yaml").write_text(body, encoding="utf-8")
        return RedirectResponse(f"/policy/what-if/{job}", status_code=303)

    @app.get("/policy/what-if/{job}", response_class=HTMLResponse, include_in_schema=False)
    async def what_if_result(request: Request, job: str) -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)
        if not job.isalnum():
            return ui.render(request, "not_found.html", status=404)
        folder = _folder(services)
        if not (folder / f"{job}.yaml").exists():
            return ui.render(request, "not_found.html", status=404)
        done, failed = folder / f"{job}.json", folder / f"{job}.error"
        document: dict[str, Any] | None = json.loads(done.read_text(encoding="utf-8")) if done.exists() else None
        error = failed.read_text(encoding="utf-8") if failed.exists() else None
        return ui.render(request, "what_if.html", job=job, document=document, error=error)

    @app.get("/policy/what-if/{job}/report", include_in_schema=False)
    async def what_if_report(request: Request, job: str) -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)
        report = _folder(services) / f"{job}.html"
        if not job.isalnum() or not report.exists():
            return ui.render(request, "not_found.html", status=404)
        return FileResponse(report, media_type="text/html")

    @app.post("/policy/what-if/{job}/activate", include_in_schema=False)
    async def activate(request: Request, job: str, csrf: str = Form("")) -> Response:
        if (stop := ui.refuse(request, csrf, Permission.ADMINISTER, "/policy")) is not None:
            return stop
        if not job.isalnum() or not (_folder(services) / f"{job}.yaml").exists():
            return ui.render(request, "not_found.html", status=404)
        body = (_folder(services) / f"{job}.yaml").read_text(encoding="utf-8")
        check, _ = parse_policy(body)
        try:
            version = await run_in_threadpool(
                activate_check_policy,
                check.name,
                body,
                request.session["user"],
                ui.role(request),
                services.uow(),
                services.clock,
            )
        except ServiceError as error:
            ui.flash(request, "action_refused", "error", id=job, detail=error.detail)
        else:
            ui.flash(request, "policy_activated", id=str(version))
        return RedirectResponse("/policy", status_code=303)


def _problems(body: str) -> list[str]:
    try:
        parse_policy(body)
    except PolicyError as error:
        return [problem.render("policy") for problem in error.problems]
    return []
