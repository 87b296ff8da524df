"""The policy pages: the active check policy and its history, a what-if of a proposed policy on
the portfolio (the simulator), its verdict and full report, and its activation.

The proposal is made in a form of the policy's figures (web/what_if_form.py), prefilled from the
active policy, or as YAML (the advanced view). The what-if compares the book as it was run (the
practice observed in its last year: the share of orders refused, whether anything was written off;
``policies.as_is``) with the proposal (today's limits under the proposed rules) seed by seed, after
a warm-up that replays the book as it was sold; it measures the simulated opening book against the
real one (calibration) and checks the world on the book's last six months (validation).

A what-if runs on the process's one background job thread (at most two waiting or running per
user, eight in all) and leaves its result in a file under ``var/simulations/`` (so any worker
process can show it); the page polls until it is there. Activation is only from a result, after a
confirmation that states the verdict; the service (service/policies.py) decides whether it takes
effect or waits for a second person (a policy that loosens authority).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.adapters.db import queries
from creditdesk.adapters.policy_file import PolicyError, parse_policy
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web import i18n, what_if_form
from creditdesk.entrypoints.web.deps import JobsDep, SignedIn, UiDep, form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.entrypoints.web.what_if_charts import report_charts, result_charts
from creditdesk.entrypoints.web.what_if_verdict import calibration, shown, verdict
from creditdesk.service.auth import Principal
from creditdesk.service.errors import ServiceError, TooBusy
from creditdesk.service.policies import (
    CONFIRMING_ROLE,
    confirm_policy_activation,
    pending_activations,
    request_policy_activation,
    withdraw_policy_activation,
)
from creditdesk.service.simulation.policies import WARMUP_MONTHS, SimPolicy, Start


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
    # The simulator loads with the first what-if, not at start.
    from creditdesk.service.receivables import dso
    from creditdesk.service.simulation.engine import Scenario
    from creditdesk.service.simulation.policies import as_is
    from creditdesk.service.simulation.study import Study, run_study
    from creditdesk.service.simulation.validation import book_start, label_effects, recent_validation

    folder = _folder(services)
    try:
        check, limits = parse_policy(body)
        day = services.clock.today()
        frames = services.receivables().frames(day)
        start = book_start(services.limit_inputs(), services.scoring_store(), frames, day)
        # The baseline is the book as it was run (its practice), not today's policy enforced as
        # written: the book never was.
        chosen = [as_is(start.practice), SimPolicy(check.name, check, limits, Start.CURRENT, limits.monitor)]
        portfolio = start.calibrated(frames, day, WARMUP_MONTHS)
        left_out = start.left_out
        study = Study(chosen, seeds, Scenario(months=months, warmup_months=WARMUP_MONTHS, history_warmup=True))
        document = run_study(portfolio, study, workers=1, left_out=left_out)
        opening_day = min(portfolio.start - timedelta(days=1), day)
        rows = dso(services.receivables().frames(opening_day), opening_day)
        book = next((r for r in rows if r["currency"] == document["currency"]), None)
        document["book"] = {"as_of": opening_day.isoformat(), "row": book}
        document["practice"] = asdict(start.practice)
        # The world checked on the book's last months first; effects within its error say so.
        document["validation"] = recent_validation(services.limit_inputs(), services.scoring_store(), frames, day)
        if document["validation"].get("mean_abs_error"):
            label_effects(document, document["validation"])
        document["created_at"] = services.clock.now().isoformat()
        _write_whole(folder / f"{job}.json", json.dumps(document))
    except Exception as error:  # a background job reports its failure on the page, it does not raise
        _write_whole(folder / f"{job}.error", str(error))


def _write_whole(path: Path, text: str) -> None:
    """``text`` into ``path`` whole or not at all: the result page, polling every two seconds,
    read a half-written result once (a JSONDecodeError, a 500, and a page that stopped waiting)."""
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


router = APIRouter(include_in_schema=False)

SetsLimits = Annotated[Principal, form_permitted(Permission.SET_LIMIT, "/policy")]
# Activating, confirming and withdrawing are a manager's (the service adds four eyes and who asked).
Activates = Annotated[Principal, form_permitted(Permission.ACTIVATE_POLICY, "/policy")]


def _versions(services: Services) -> list[queries.PolicyVersion]:
    with services.engine.connect() as conn:
        return queries.policy_versions(conn)


def _policy_page(
    request: Request,
    services: Services,
    ui: Ui,
    draft: str,
    *,
    status: int = 200,
    field_problems: dict[str, list[Any]] | None = None,
    problems: list[str] | None = None,
    yaml_open: bool = False,
    seeds: int = 3,
    months: int = 3,
) -> Response:
    versions = _versions(services)
    pending = pending_activations(services.read_uow())
    found = what_if_form.fields(draft)
    lang = ui.language(request)

    def tr(key: str, **values: object) -> str:
        return i18n.translate(key, lang, **values)

    def lab(kind: str, value: str) -> str:
        return i18n.label(kind, value, lang)

    return ui.render(
        request,
        "policy.html",
        status=status,
        versions=versions,
        pending=pending,
        draft=draft,
        groups=what_if_form.groups(found),
        heading=lambda group: what_if_form.heading(group, tr, lab),
        field_label=lambda field: what_if_form.field_label(field, tr, lab),
        field_problems=field_problems or {},
        problems=problems or [],
        yaml_open=yaml_open,
        seeds=seeds,
        months=months,
        may_confirm=Role(str(request.session.get("role") or "viewer")).at_least(CONFIRMING_ROLE),
    )


@router.get("/policy", response_class=HTMLResponse)
async def policy_page(request: Request, _user: SignedIn, services: ServicesDep, ui: UiDep) -> Response:
    versions = await run_in_threadpool(_versions, services)
    draft = versions[0].body if versions else example_policy()
    return await run_in_threadpool(_policy_page, request, services, ui, draft)


def _problem_text(problem: Any, lang: str) -> str:
    """A parser problem in the reader's language (its code's text; the place and raw message stay
    in the YAML view)."""
    key = f"wi_problem_{problem.code}"
    text = i18n.translate(key, lang)
    return text if text != key else i18n.translate("wi_problem_other", lang)


@router.post("/policy/what-if")
async def what_if(
    request: Request,
    user: SetsLimits,
    services: ServicesDep,
    ui: UiDep,
    jobs: JobsDep,
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    mode = form.get("mode", "form")
    base = form.get("base", "")
    body = form.get("body", "") if mode == "yaml" else what_if_form.apply(base, form)
    if len(body) > 200_000:
        body = body[:200_000]
    try:
        seeds, months = int(form.get("seeds", "3")), int(form.get("months", "3"))
    except ValueError:
        seeds, months = 3, 3
    seeds, months = max(1, min(seeds, 20)), max(1, min(months, 24))
    lang = ui.language(request)
    by_field, rest = what_if_form.problems(body)
    if by_field or rest:
        shown = {name: [_problem_text(p, lang) for p in found] for name, found in by_field.items()}
        raw = [p.render("policy") for found in by_field.values() for p in found] + [p.render("policy") for p in rest]
        # The fields keep what the user typed (the YAML made from them), each beside its problem.
        page = await run_in_threadpool(
            lambda: _policy_page(
                request,
                services,
                ui,
                body,
                status=422,
                field_problems=shown,
                problems=raw,
                yaml_open=mode == "yaml" or bool(rest),
                seeds=seeds,
                months=months,
            )
        )
        return page
    job = secrets.token_hex(8)
    try:
        jobs.submit(user.name, lambda: _run_what_if(services, job, body, seeds, months))
    except TooBusy as busy:
        detail = busy.detail
        page = await run_in_threadpool(lambda: _policy_page(request, services, ui, body, status=429, problems=[detail]))
        page.headers["Retry-After"] = str(busy.retry_after)
        return page
    (_folder(services) / f"{job}.yaml").write_text(body, encoding="utf-8")
    return RedirectResponse(f"/policy/what-if/{job}", status_code=303)


def _result(services: Services, job: str) -> tuple[dict[str, Any] | None, str | None, str] | None:
    if not job.isalnum():
        return None
    folder = _folder(services)
    if not (folder / f"{job}.yaml").exists():
        return None
    done, failed = folder / f"{job}.json", folder / f"{job}.error"
    document: dict[str, Any] | None = json.loads(done.read_text(encoding="utf-8")) if done.exists() else None
    error = failed.read_text(encoding="utf-8") if failed.exists() else None
    return document, error, (folder / f"{job}.yaml").read_text(encoding="utf-8")


@router.get("/policy/what-if/{job}", response_class=HTMLResponse)
async def what_if_result(request: Request, _user: SignedIn, services: ServicesDep, ui: UiDep, job: str) -> Response:
    found = _result(services, job)
    if found is None:
        return ui.not_found(request)
    document, error, body = found
    lang = ui.language(request)
    tr = lambda key, **v: i18n.translate(key, lang, **v)  # noqa: E731
    role = Role(str(request.session.get("role") or "viewer"))
    return ui.render(
        request,
        "what_if.html",
        job=job,
        document=document,
        error=error,
        body=body,
        verdict=verdict(document, lang, tr) if document else None,
        calibration=calibration(document, lang, tr) if document else None,
        charts=result_charts(document, lang, tr) if document else None,
        may_activate=may(role, Permission.ACTIVATE_POLICY),
        shown=lambda value, unit: shown(value, unit, lang, tr),
    )


@router.get("/policy/what-if/{job}/report", response_class=HTMLResponse)
async def what_if_report(request: Request, _user: SignedIn, services: ServicesDep, ui: UiDep, job: str) -> Response:
    found = _result(services, job)
    if found is None or found[0] is None:
        return ui.not_found(request)
    document = found[0]
    lang = ui.language(request)
    tr = lambda key, **v: i18n.translate(key, lang, **v)  # noqa: E731
    return ui.render(
        request,
        "simulation_report.html",
        job=job,
        doc=document,
        verdict=verdict(document, lang, tr),
        calibration=calibration(document, lang, tr),
        charts=report_charts(document, lang, tr),
        shown=lambda value, unit: shown(value, unit, lang, tr),
        paths=("net_profit", "sales", "bad_debt_losses", "receivables", "dso", "blocked_orders"),
    )


@router.post("/policy/what-if/{job}/activate")
async def activate(
    request: Request, user: Activates, services: ServicesDep, ui: UiDep, job: str, confirm: str = Form("")
) -> Response:
    found = _result(services, job)
    if found is None or found[0] is None:
        return ui.not_found(request)
    document, _, body = found
    assert document is not None  # checked above
    if confirm != "yes":  # the confirmation states the verdict; without it nothing is activated
        Ui.flash(request, "wi_confirm_first", "error")
        return RedirectResponse(f"/policy/what-if/{job}", status_code=303)
    check, _ = parse_policy(body)
    stated = verdict(document, "en", lambda key, **v: i18n.translate(key, "en", **v))
    try:
        done = await run_in_threadpool(
            lambda: request_policy_activation(
                check.name, body, user.name, user.role, services.uow(), services.clock, verdict=stated["sentence"]
            )
        )
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=job, detail=error.detail)
        return RedirectResponse(f"/policy/what-if/{job}", status_code=303)
    if done.pending is not None:
        Ui.flash(request, "wi_activation_pending", id=done.pending)
    else:
        Ui.flash(request, "policy_activated", id=str(done.version))
    return RedirectResponse("/policy", status_code=303)


@router.post("/policy/activations/{activation}/confirm")
async def confirm(request: Request, user: Activates, services: ServicesDep, activation: str) -> Response:
    try:
        version = await run_in_threadpool(
            confirm_policy_activation, activation, user.name, user.role, services.uow(), services.clock
        )
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=activation, detail=error.detail)
    else:
        Ui.flash(request, "policy_activated", id=str(version))
    return RedirectResponse("/policy", status_code=303)


@router.post("/policy/activations/{activation}/withdraw")
async def withdraw(request: Request, user: Activates, services: ServicesDep, activation: str) -> Response:
    try:
        await run_in_threadpool(
            withdraw_policy_activation, activation, user.name, user.role, services.uow(), services.clock
        )
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=activation, detail=error.detail)
    else:
        Ui.flash(request, "wi_activation_withdrawn", id=activation)
    return RedirectResponse("/policy", status_code=303)


def _problems(body: str) -> list[str]:
    try:
        parse_policy(body)
    except PolicyError as error:
        return [problem.render("policy") for problem in error.problems]
    return []
